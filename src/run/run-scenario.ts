import type { RunMetrics, RunResult } from '../result/run-result.js';
import type { Scenario } from '../scenario/scenario.js';
import { evaluateThresholds, type ParsedThreshold } from '../thresholds/threshold-evaluation.js';
import { faultWindows } from '../engine/fault-timeline.js';
import { isTimed, type ReplayOutcome, replay } from './replay.js';
import { replayInWorker, worthAWorker } from './replay-in-worker.js';
import type { RunProgress } from './run-progress.js';

/**
 * One run of a resolved scenario: the workload through the cache, and the same workload (same seed, so
 * the same stream of requests) through no cache at all — the baseline every metric is compared with.
 * The two timed replays are independent, so a large one runs the baseline on a second core.
 * `progress` follows the replay through the cache (a live run: the requests sent to Redis).
 */
export async function runScenario(
  scenario: Scenario,
  run: { name: string; params: Record<string, unknown> },
  thresholds: ParsedThreshold[],
  live: { allowConfig: boolean; signal?: AbortSignal } = { allowConfig: false },
  progress?: RunProgress,
): Promise<RunResult> {
  if (scenario.mode === 'live') {
    // Loaded only for live runs: a simulation never pays for ioredis.
    const { runLive } = await import('../live/live-run.js');
    return runLive(scenario, run, thresholds, { ...live, progress });
  }
  let withCache: ReplayOutcome;
  let baseline: ReplayOutcome;
  if (isTimed(scenario)) {
    if (scenario.cache === null) {
      baseline = replay(scenario, false, progress);
      withCache = baseline;
    } else if (worthAWorker(scenario)) {
      const pending = replayInWorker(scenario, false);
      // A failure here must not leave the worker's rejection unobserved.
      pending.catch(() => {});
      withCache = replay(scenario, true, progress);
      baseline = await pending;
    } else {
      baseline = replay(scenario, false);
      withCache = replay(scenario, true, progress);
    }
  } else {
    // Without timing nothing waits on anything, so the no-cache replay of the same stream is known
    // exactly from the cached one: every read is a DB read and nothing is ever stale.
    withCache = replay(scenario, scenario.cache !== null, progress);
    baseline = { metrics: untimedBaseline(withCache.metrics), timeseries: [], timeseriesWindowMs: withCache.timeseriesWindowMs, latencyHdr: '' };
  }
  const metrics = withCache.metrics;
  if (scenario.cache !== null && baseline.metrics.db.reads > 0) {
    metrics.offload = 1 - metrics.db.reads / baseline.metrics.db.reads;
  }
  return {
    name: run.name,
    params: run.params,
    metrics,
    baseline: baseline.metrics,
    thresholds: evaluateThresholds(thresholds, metrics),
    histograms: { latency_us: withCache.latencyHdr, baseline_latency_us: baseline.latencyHdr },
    timeseries_window_ms: withCache.timeseriesWindowMs,
    timeseries: withCache.timeseries,
    ...(scenario.faults.length > 0 ? { faults: faultWindows(scenario.faults) } : {}),
  };
}

function untimedBaseline(m: RunMetrics): RunMetrics {
  const reads = m.reads;
  return {
    ...m,
    hits: 0,
    misses: reads,
    hit_rate: reads > 0 ? 0 : null,
    byte_hit_rate: m.byte_hit_rate === null ? null : 0,
    db: { ...m.db, queries: reads + m.writes + m.deletes, reads, writes: m.writes + m.deletes },
    herd: { duplicate_fetches: 0, max_concurrent_fetches_per_key: reads > 0 ? 1 : 0 },
    staleness: { ...m.staleness, stale_reads: 0, stale_rate: reads > 0 ? 0 : null, age_ms: { p50: null, p99: null, max: null }, budget_violations: 0 },
    cache: null,
    offload: null,
  };
}
