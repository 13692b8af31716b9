import type { ChartLibrary } from './chart-library.js';
import { CHART_SCRIPT } from './chart-script.js';
import type { ChartSpec } from './chart-spec.js';
import { escapeHtml, jsonForScriptTag } from './html-text.js';
import { PAGE_STYLE } from './page-style.js';

export interface ReportPage {
  /** Plain text (escaped here): the page's title and heading. */
  title: string;
  /** Plain text under the heading. */
  subtitle: string;
  /** HTML, already escaped by whoever built it; holds an element with the id of every chart. */
  body: string;
  charts: ChartSpec[];
}

/**
 * The whole page: one file with the chart library, its styles, the data and the drawing script inline.
 * The Content-Security-Policy forbids every fetch (`default-src 'none'`), so the page cannot make a
 * network request even by mistake, and opens the same offline, from a CI artifact or an e-mail.
 */
export function renderReportPage(page: ReportPage, library: ChartLibrary): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(page.title)}</title>
<style>${inlineText(library.css, 'style')}</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(page.title)}</h1>
<p class="subtitle">${escapeHtml(page.subtitle)}</p>
</header>
${page.body}
<script type="application/json" id="cachebench-data">${jsonForScriptTag({ charts: page.charts })}</script>
<script>${inlineText(library.script, 'script')}</script>
<script>${CHART_SCRIPT}</script>
</body>
</html>
`;
}

/**
 * Code inlined in a <script> or <style> ends at the first `</script` or `</style`; such a sequence can only
 * sit in a string, a regular expression or a comment, where `<\/` means the same. uPlot has none today;
 * this keeps a future version from breaking the page silently.
 */
function inlineText(code: string, tag: 'script' | 'style'): string {
  return code.replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1');
}
