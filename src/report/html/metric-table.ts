import type { RunResult } from '../../result/run-result.js';
import { SUMMARY_SECTIONS } from '../run-summary.js';
import { escapeHtml } from './html-text.js';

/** Every number of the terminal summary, with the cache and without it: the same rows, the same formats. */
export function renderMetricTable(run: RunResult): string {
  const rows: string[] = [];
  for (const section of SUMMARY_SECTIONS) {
    rows.push(`<tr class="section"><td colspan="3">${escapeHtml(section.title)}</td></tr>`);
    for (const row of section.rows) {
      rows.push(
        `<tr><td class="indent">${escapeHtml(row.label)}</td><td>${escapeHtml(row.value(run.metrics))}</td><td>${escapeHtml(row.value(run.baseline))}</td></tr>`,
      );
    }
  }
  return `<table class="metrics">\n<thead><tr><th></th><th>with cache</th><th>no cache</th></tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
}
