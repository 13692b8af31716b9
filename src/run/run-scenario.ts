import { CacheTier } from '../engine/cache-tier.js';
import { replayHitRatio } from '../engine/hit-ratio-replay.js';
import { createLatencySampler } from '../engine/latency-model.js';
import { TimedSimulation } from '../engine/timed-simulation.js';
import { RunRecorder } from '../metrics/run-recorder.js';
import { createPolicy } from '../policies/registry.js';
import { RandomSource } from '../random/random-source.js';
import type { RunMetrics, RunResult, TimeseriesPoint } from '../result/run-result.js';
import type { Scenario } from '../scenario/scenario.js';
import { evaluateThresholds, type ParsedThreshold } from '../thresholds/threshold-evaluation.js';
import { createWorkload } from '../workload/create-workload.js';

interface ReplayOutcome {
  metrics: RunMetrics;
  timeseries: TimeseriesPoint[];
}

/** Whether requests take time in this scenario (false: a pure hit-ratio replay). */
export function isTimed(scenario: Scenario): boolean {
  return scenario.workload.arrival.type !== 'none';
}

/**
 * One run of a resolved scenario: the workload through the cache, and the same workload (same seed, so
 * the same stream of requests) through no cache at all — the baseline every metric is compared with.
 */
export function runScenario(
  scenario: Scenario,
  run: { name: string; params: Record<string, unknown> },
  thresholds: ParsedThreshold[],
): RunResult {
  let withCache: ReplayOutcome;
  let baseline: ReplayOutcome;
  if (isTimed(scenario)) {
    baseline = replay(scenario, false);
    withCache = scenario.cache === null ? baseline : replay(scenario, true);
  } else {
    // Without timing nothing waits on anything, so the no-cache replay of the same stream is known
    // exactly from the cached one: every read is a DB read and nothing is ever stale.
    withCache = replay(scenario, scenario.cache !== null);
    baseline = { metrics: untimedBaseline(withCache.metrics), timeseries: [] };
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
    timeseries: withCache.timeseries,
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

function replay(scenario: Scenario, withCache: boolean): ReplayOutcome {
  const timed = isTimed(scenario);
  const hasClock = timed || scenario.workload.kind === 'trace';
  const recorder = new RunRecorder(timed, hasClock, scenario.max_staleness, scenario.timeseries_window);
  const spec = scenario.cache;
  const cache =
    withCache && spec !== null
      ? new CacheTier(
          createPolicy(spec.policy, {
            capacity: spec.capacity,
            unit: spec.capacity_unit,
            keySpaceHint: scenario.workload.kind === 'synthetic' ? scenario.workload.keys : 1024,
            seed: scenario.seed,
          }),
          spec.ttl,
        )
      : null;
  const invalidation = spec?.invalidation ?? 'delete';
  const stream = createWorkload(scenario.workload, scenario.seed);
  try {
    if (timed) {
      const seed = scenario.seed;
      new TimedSimulation({
        stream,
        cache,
        cacheLatency: spec === null ? null : createLatencySampler(spec.latency, RandomSource.derive(seed, 'cache-latency')),
        invalidation,
        dbReadLatency: createLatencySampler(scenario.database.latency, RandomSource.derive(seed, 'db-read-latency')),
        dbWriteLatency: createLatencySampler(scenario.database.write_latency, RandomSource.derive(seed, 'db-write-latency')),
        maxConcurrency: scenario.database.max_concurrency,
        timeoutMs: scenario.database.timeout,
        recorder,
      }).run();
    } else {
      replayHitRatio({ stream, cache, invalidation, recorder });
    }
  } finally {
    stream.close();
  }
  return { metrics: recorder.metrics(cache?.metrics() ?? null), timeseries: recorder.timeseriesPoints() };
}
