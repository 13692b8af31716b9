import type { ChartSpec } from './chart-spec.js';
import { escapeHtml } from './html-text.js';

/** The place of one chart on the page: its title, the element the script draws into, its caption. */
export function renderChartFigure(spec: ChartSpec): string {
  return (
    `<figure class="chart"><figcaption>${escapeHtml(spec.title)}</figcaption>` +
    `<div class="chart-area" id="${escapeHtml(spec.id)}"></div><p class="caption">${escapeHtml(spec.caption)}</p></figure>`
  );
}

/** Charts in a responsive grid (two columns on a wide screen). */
export function renderChartGrid(specs: ChartSpec[]): string {
  return specs.length === 0 ? '' : `<div class="charts">\n${specs.map(renderChartFigure).join('\n')}\n</div>`;
}
