import type { RunResult, TierMetrics } from '../../src/result/run-result.js';

function tier(hits: number, lookups: number): TierMetrics {
  return {
    lookups,
    hits,
    hit_rate: hits / lookups,
    evictions: 120,
    expirations: 3,
    invalidations: 40,
    entries: 500,
    bytes: 512_000,
    peak_entries: 500,
    peak_bytes: 600_000,
  };
}

/**
 * A run with every optional field the patterns engine fills (two tiers, pub/sub invalidation, write-behind,
 * fault windows, per-tier and DB-concurrency time series, errors), derived from `run`: the fault windows
 * fall inside its time series, and the per-window values follow its own hit rate so charts stay plausible.
 */
export function withPatternFields(run: RunResult): RunResult {
  const points = run.timeseries;
  const span = points.length === 0 ? 10_000 : points[points.length - 1].t_ms + run.timeseries_window_ms;
  return {
    ...run,
    metrics: {
      ...run.metrics,
      tiers: { l1: tier(4_000, 10_000), l2: tier(3_000, 6_000) },
      invalidation: { sent: 900, received: 880, lost: 20 },
      write_behind: { max_pending: 35, flushed_writes: 480, lost_writes: 7 },
    },
    faults: [
      { kind: 'cache-down', start_ms: Math.round(span * 0.2), end_ms: Math.round(span * 0.3), detail: 'L2 unreachable' },
      { kind: 'db-slow', start_ms: Math.round(span * 0.6), end_ms: Math.round(span * 0.7), detail: 'db latency × 5' },
    ],
    timeseries: points.map((p, i) => ({
      ...p,
      l1_hit_rate: p.hit_rate === null ? null : p.hit_rate * 0.6,
      l2_hit_rate: p.hit_rate === null ? null : Math.min(1, p.hit_rate * 0.9),
      db_inflight_max: 2 + (i % 7),
      errors_per_s: i % 10 === 0 ? 3 : 0,
    })),
  };
}
