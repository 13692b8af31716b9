import type { RunResult } from '../../result/run-result.js';
import { formatCount, formatDuration, formatPercent, MISSING } from '../number-format.js';
import { APPROXIMATE_MARK, approximationLegend } from '../approximation-note.js';
import { formatRunParams } from '../run-label.js';
import { escapeHtml } from './html-text.js';
import { displayedInput } from '../display-text.js';

/**
 * A run's name on a bar chart's axis: its matrix values alone (`lru · 10k`), since the parameter names are
 * the same for every run; the run's name when it has no parameters.
 */
export function shortRunLabel(run: RunResult): string {
  const values = Object.values(run.params).map((value) => (typeof value === 'string' ? value : JSON.stringify(value) ?? String(value)));
  return values.length === 0 ? run.name : values.join(' · ');
}

/** A row per run, linking to its section (`#run-<index>`). */
export function renderMatrixTable(runs: RunResult[]): string {
  runs = displayedInput(runs); // control characters escaped, URL passwords masked
  const showParams = runs.some((run) => Object.keys(run.params).length > 0);
  const rows = runs.map((run, i) => {
    const failed = run.thresholds.filter((t) => !t.pass).length;
    const gate =
      run.thresholds.length === 0
        ? '–'
        : failed === 0
          ? `<span class="status-pass">${run.thresholds.length}/${run.thresholds.length} ✓</span>`
          : `<span class="status-fail">${run.thresholds.length - failed}/${run.thresholds.length} ✗</span>`;
    // An approximate run's cache numbers are estimates (p99 is never: an approximate run has no timing).
    const estimate = (text: string) => (run.approximate === undefined || text === MISSING ? text : `${APPROXIMATE_MARK} ${text}`);
    const cells = [
      estimate(formatPercent(run.metrics.hit_rate)),
      formatDuration(run.metrics.latency_ms?.p99),
      estimate(formatCount(run.metrics.db.reads)),
      estimate(formatPercent(run.metrics.offload)),
      estimate(formatPercent(run.metrics.staleness.stale_rate)),
    ].map((text) => `<td>${escapeHtml(text)}</td>`);
    const params = showParams ? `<td><code>${escapeHtml(formatRunParams(run.params))}</code></td>` : '';
    return `<tr><td><a href="#run-${i}">${escapeHtml(run.name || `run ${i + 1}`)}</a></td>${params}${cells.join('')}<td>${gate}</td></tr>`;
  });
  const head = ['run', ...(showParams ? ['params'] : []), 'hit rate', 'p99', 'DB reads', 'offload', 'stale rate', 'thresholds']
    .map((title) => `<th class="${title.replace(' ', '-')}">${title}</th>`)
    .join('');
  const legend = approximationLegend(runs);
  const table = `<table class="matrix">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
  return legend === null ? table : `${table}\n<p class="note">${escapeHtml(legend)}</p>`;
}
