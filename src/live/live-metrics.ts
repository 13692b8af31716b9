import { LatencyHistogram } from '../metrics/latency-histogram.js';
import type { AgeSummary, TierMetrics } from '../result/run-result.js';
import type { LiveLoadSpec } from '../scenario/scenario.js';
import { floorSummary, judgeSaturation, mergeSchedules, percentiles } from './saturation.js';
import { LATE_START_MS } from './schedule-log.js';
import type { ShardOutcome } from './shard-contract.js';

// Parts of a live run's metrics made from its shards' accounts: the schedule and floor, Redis as a tier,
// and the pub/sub delays.

/** The client's floor, and whether it kept its schedule (saturation.ts), from every shard's account. */
export function scheduleMetrics(outcomes: readonly ShardOutcome[], load: LiveLoadSpec, dropped: number, sleepsBetweenArrivals: boolean) {
  const schedule = mergeSchedules(outcomes.map((o) => o.schedule));
  const eventLoops = outcomes.map((o) => o.eventLoop);
  const judgement = judgeSaturation({
    schedule,
    dropped,
    maxInFlight: load.max_in_flight,
    warmupMs: load.warmup,
    eventLoops,
    sleepsBetweenArrivals,
    closedLoop: load.clients !== null,
  });
  const lateness = new LatencyHistogram(2);
  lateness.addState(schedule.lateness);
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return {
    floor_ms: floorSummary(outcomes.map((o) => o.floor)),
    saturated: judgement.saturated,
    saturation_reasons: judgement.reasons,
    kept_up_rate: judgement.keptUpRate,
    schedule: {
      late_starts: schedule.lateStarts,
      late_tolerance_ms: LATE_START_MS,
      start_lateness_ms: percentiles(lateness),
      event_loop_delay_ms: {
        p99: round(Math.max(0, ...eventLoops.map((l) => l.delayP99Ms))),
        max: round(Math.max(0, ...eventLoops.map((l) => l.delayMaxMs))),
      },
      event_loop_utilization: eventLoops.map((l) => Math.round(l.utilization * 1000) / 1000),
    },
  };
}

/**
 * L2 (Redis) as a tier of the topology: the lookups that reached it (L1 misses) and their hits, counted by
 * the client; its evictions, expirations and memory are Redis's own, under `redis` (INFO deltas).
 */
export function redisTierMetrics(l2: { lookups: number; hits: number; errors: number }): TierMetrics {
  return {
    lookups: l2.lookups,
    hits: l2.hits,
    hit_rate: l2.lookups > 0 ? l2.hits / l2.lookups : null,
    errors: l2.errors,
    evictions: 0,
    expirations: 0,
    invalidations: 0,
    entries: 0,
    bytes: 0,
    peak_entries: 0,
    peak_bytes: 0,
  };
}

/** p50, p99 and max of measured delays (nearest rank), in ms. */
export function delaySummary(delays: number[]): AgeSummary {
  if (delays.length === 0) return { p50: null, p99: null, max: null };
  const sorted = Float64Array.from(delays).sort();
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return { p50: round(rank(0.5)), p99: round(rank(0.99)), max: round(sorted[sorted.length - 1]) };
}

