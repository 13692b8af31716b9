import type { RunMetrics, ThresholdResult } from '../result/run-result.js';
import type { ComparisonOperator, ParsedThreshold } from './threshold-parser.js';

// Evaluation's input type, re-exported so a caller that only evaluates needs one import.
export type { ParsedThreshold } from './threshold-parser.js';

/**
 * Metrics are computed as floating-point quotients (hits ÷ reads, sums ÷ counts), so a hit rate of
 * exactly 7/10 may come out a few ulps away from the 0.7 a person typed. Values this close compare equal,
 * which keeps `>=` and `<=` honest at their boundary; the tolerance is far below any printed digit.
 */
const RELATIVE_TOLERANCE = 1e-9;

function nearlyEqual(a: number, b: number): boolean {
  return Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
}

export function compare(actual: number, op: ComparisonOperator, bound: number): boolean {
  const equal = nearlyEqual(actual, bound);
  switch (op) {
    case '<':
      return actual < bound && !equal;
    case '<=':
      return actual < bound || equal;
    case '>':
      return actual > bound && !equal;
    case '>=':
      return actual > bound || equal;
    case '==':
      return equal;
    case '!=':
      return !equal;
  }
}

/** Why a latency threshold of a live run whose client could not keep its schedule neither passes nor fails on its number. */
export const CLIENT_SATURATED = 'client saturated';

/**
 * Checks each threshold against a run's metrics. `actual` is in the unit of comparison (ms for durations,
 * a fraction for ratios). A metric with no samples fails its threshold, whatever the operator: unlike k6,
 * a gate on latency must not pass because nothing was timed. Likewise a latency threshold of a live run
 * whose client was saturated (`live.saturated`) fails as unreliable: those latencies are the load
 * generator's limit, so passing or failing on them would judge the wrong thing.
 */
export function evaluateThresholds(parsed: ParsedThreshold[], metrics: RunMetrics): ThresholdResult[] {
  const saturated = metrics.live?.saturated === true;
  return parsed.map((threshold) => {
    const value = threshold.metric.read(metrics);
    const actual = value !== null && Number.isFinite(value) ? value : null;
    if (saturated && isLatencyMetric(threshold.metric.name)) {
      return { expr: threshold.expr, actual, pass: false, unreliable: CLIENT_SATURATED };
    }
    const pass = actual !== null && compare(actual, threshold.op, threshold.value);
    return { expr: threshold.expr, actual, pass };
  });
}

/** End-to-end latencies (`latency`, `latency.hits.p99`, …): what a saturated client distorts first. */
function isLatencyMetric(name: string): boolean {
  return name === 'latency' || name.startsWith('latency.');
}
