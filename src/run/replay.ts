import { CacheTier } from '../engine/cache-tier.js';
import { replayHitRatio } from '../engine/hit-ratio-replay.js';
import { createLatencySampler } from '../engine/latency-model.js';
import { TimedSimulation } from '../engine/timed-simulation.js';
import { RunRecorder } from '../metrics/run-recorder.js';
import { createPolicy } from '../policies/registry.js';
import { RandomSource } from '../random/random-source.js';
import type { RunMetrics, TimeseriesPoint } from '../result/run-result.js';
import type { Scenario } from '../scenario/scenario.js';
import { createWorkload } from '../workload/create-workload.js';

export interface ReplayOutcome {
  metrics: RunMetrics;
  timeseries: TimeseriesPoint[];
}

/** Whether requests take time in this scenario (false: a pure hit-ratio replay). */
export function isTimed(scenario: Scenario): boolean {
  return scenario.workload.arrival.type !== 'none';
}

/** One replay of the scenario's workload, through its cache (`withCache`) or through none (the baseline). */
export function replay(scenario: Scenario, withCache: boolean): ReplayOutcome {
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
