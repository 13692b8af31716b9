import type { RunResult } from '../result/run-result.js';
import { formatCount, formatPercent } from './number-format.js';

/** The mark of an estimated value (`run --approximate`), before the number. */
export const APPROXIMATE_MARK = '≈';

/** One run's line on how its cache metrics were estimated; null for an exact run. */
export function approximationNote(run: RunResult): string | null {
  const how = run.approximate;
  if (how === undefined) return null;
  const capacity = run.params['cache.capacity'] ?? null;
  const scaled = run.metrics.cache === null ? '' : `, the cache scaled to ${formatCount(how.scaled_capacity)}${capacity === null ? '' : ` of ${typeof capacity === 'number' ? formatCount(capacity) : String(capacity)}`}`;
  return (
    `${APPROXIMATE_MARK} approximate: miniature simulation, ${formatPercent(how.sample_rate)} of keys sampled${scaled}; ` +
    "the cache's numbers (hits, DB reads, stale reads, cache churn) are estimates, the workload's counts exact"
  );
}

/** Under a matrix overview with approximate runs: what ≈ means. null when every run is exact. */
export function approximationLegend(runs: readonly RunResult[]): string | null {
  const rates = runs.flatMap((run) => (run.approximate === undefined ? [] : [run.approximate.sample_rate]));
  if (rates.length === 0) return null;
  const lowest = Math.min(...rates);
  const raised = rates.some((rate) => rate > lowest) ? '; a small cache samples more keys, to keep 100 entries' : '';
  return `${APPROXIMATE_MARK}: approximate, by miniature simulation (${formatPercent(lowest)} of keys sampled, caches scaled down alike${raised})`;
}
