import type { RunResult } from '../../result/run-result.js';
import { serverCounterComparisons, UNAVAILABLE, UNKNOWN, NOT_RECORDED } from '../server-counters.js';
import { escapeHtml } from './html-text.js';

/** Cell texts that say a server counter is missing: set apart, so that they never read as a count. */
const MISSING_STATES: ReadonlySet<string> = new Set([UNAVAILABLE, UNKNOWN, NOT_RECORDED]);

/** A live run: each server's own counters (Redis INFO, pg_stat_*) beside the client's counts; empty otherwise. */
export function renderServerCounters(run: RunResult): string {
  const comparisons = serverCounterComparisons(run);
  if (comparisons.length === 0) return '';
  const parts = ["<h3>The client's counts beside the servers'</h3>"];
  for (const comparison of comparisons) {
    const head = ['counter', ...comparison.columns].map((column) => `<th>${escapeHtml(column)}</th>`).join('');
    const rows = comparison.rows.map((row) => {
      const cells = row.values.map((value) => `<td${MISSING_STATES.has(value) ? ' class="unavailable"' : ''}>${escapeHtml(value)}</td>`);
      return `<tr><td>${escapeHtml(row.label)}</td>${cells.join('')}</tr>`;
    });
    parts.push(
      `<h4>${escapeHtml(comparison.title)}</h4>`,
      `<table class="server-counters">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`,
      ...comparison.notes.map((note) => `<p class="note">${escapeHtml(note)}</p>`),
    );
  }
  return parts.join('\n');
}
