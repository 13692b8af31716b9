import type { ThresholdResult } from '../../result/run-result.js';
import { formatThresholdActual } from '../threshold-table.js';
import { escapeHtml } from './html-text.js';

/** Each threshold with the value it was judged on and its outcome; empty without thresholds. */
export function renderThresholdList(results: ThresholdResult[]): string {
  if (results.length === 0) return '';
  const rows = results.map(
    (result) =>
      `<tr><td><code>${escapeHtml(result.expr)}</code></td><td>${escapeHtml(formatThresholdActual(result.expr, result.actual, result.unreliable, result.approximate))}</td>` +
      `<td class="${result.pass ? 'status-pass">✓ pass' : 'status-fail">✗ fail'}</td></tr>`,
  );
  return `<table class="thresholds">\n<thead><tr><th>threshold</th><th>actual</th><th></th></tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
}
