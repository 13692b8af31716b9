import { summedTierMetrics } from '../engine/cache-tier.js';
import { createLatencySampler } from '../engine/latency-model.js';
import { TimedSimulation } from '../engine/timed-simulation.js';
import type { RunRecorder } from '../metrics/run-recorder.js';
import { RandomSource } from '../random/random-source.js';
import type { CacheMetrics, RunMetrics } from '../result/run-result.js';
import type { Scenario } from '../scenario/scenario.js';
import { createTopology, type Topology } from '../topology/topology.js';
import type { AccessStream } from '../workload/access-event.js';

/** A timed replay's simulation, and how its metrics are read once it has ended. */
export interface TimedEngine {
  simulation: TimedSimulation;
  collect(): RunMetrics;
}

/**
 * The discrete-event simulation of `scenario` through its cache (`withCache`) or through none (the
 * baseline), recording into `recorder`, taking its arrivals from `stream` (null: they are handed to it,
 * a sweep's lane). Built in one place for a run alone and for a sweep, so the two replay alike. The
 * baseline reads no cache setting (`cache`, `topology`): only the workload, seed, database and faults.
 */
export function timedEngine(scenario: Scenario, withCache: boolean, stream: AccessStream | null, recorder: RunRecorder): TimedEngine {
  const seed = scenario.seed;
  const keySpaceHint = scenario.workload.kind === 'synthetic' ? scenario.workload.keys : 1024;
  const topology = withCache && scenario.cache !== null ? createTopology(scenario, keySpaceHint) : null;
  const simulation = new TimedSimulation({
    stream,
    topology,
    faults: scenario.faults,
    seed,
    dbReadLatency: createLatencySampler(scenario.database.latency, RandomSource.derive(seed, 'db-read-latency')),
    dbWriteLatency: createLatencySampler(scenario.database.write_latency, RandomSource.derive(seed, 'db-write-latency')),
    maxConcurrency: scenario.database.max_concurrency,
    timeoutMs: scenario.database.timeout,
    recorder,
    ...(scenario.workload.warmup === undefined ? {} : { warmup: scenario.workload.warmup }),
  });
  const collect = () => {
    const metrics = recorder.metrics(topology === null ? null : topologyCacheMetrics(topology));
    if (topology?.local != null) {
      metrics.tiers = { l1: summedTierMetrics(topology.local), l2: topology.shared?.tierMetrics() ?? null };
    }
    const messages = simulation.invalidationMessages();
    if (messages !== null) metrics.invalidation = messages;
    const writeBehind = simulation.writeBehind();
    if (writeBehind !== null) metrics.write_behind = writeBehind;
    return metrics;
  };
  return { simulation, collect };
}

/** `metrics.cache`: the shared tier's, or without one the local tiers' summed over nodes. */
function topologyCacheMetrics(topology: Topology): CacheMetrics {
  if (topology.shared !== null) return topology.shared.metrics();
  const { lookups: _l, hits: _h, hit_rate: _r, errors: _e, ...summed } = summedTierMetrics(topology.local!);
  return summed;
}
