import { CacheTier, summedTierMetrics } from '../engine/cache-tier.js';
import { replayHitRatio } from '../engine/hit-ratio-replay.js';
import { createLatencySampler } from '../engine/latency-model.js';
import { TimedSimulation } from '../engine/timed-simulation.js';
import { RunRecorder } from '../metrics/run-recorder.js';
import { createPolicy } from '../policies/registry.js';
import { RandomSource } from '../random/random-source.js';
import type { CacheMetrics, RunMetrics, TimeseriesPoint } from '../result/run-result.js';
import { createTopology, type Topology } from '../topology/topology.js';
import type { Scenario } from '../scenario/scenario.js';
import type { AccessStream, TraceSkips } from '../workload/access-event.js';
import { statSync } from 'node:fs';
import { createWorkload } from '../workload/create-workload.js';
import { createPrefetchedWorkload } from '../workload/prefetched-stream.js';
import { ProgressStream } from '../workload/progress-stream.js';
import type { RunProgress } from './run-progress.js';

export interface ReplayOutcome {
  metrics: RunMetrics;
  timeseries: TimeseriesPoint[];
  timeseriesWindowMs: number;
  /** HdrHistogram, compressed base64, µs; '' without timing. */
  latencyHdr: string;
}

/** Whether requests take time in this scenario (false: a pure hit-ratio replay). */
export function isTimed(scenario: Scenario): boolean {
  return scenario.workload.arrival.type !== 'none';
}

/**
 * One replay of the scenario's workload, through its cache (`withCache`) or through none (the baseline).
 * With `progress`, the replay reports how far it has got while it runs.
 */
export function replay(scenario: Scenario, withCache: boolean, progress?: RunProgress): ReplayOutcome {
  const timed = isTimed(scenario);
  const hasClock = timed || scenario.workload.kind === 'trace';
  const recorder = new RunRecorder(timed, hasClock, scenario.max_staleness, scenario.timeseries_window);
  const spec = withCache ? scenario.cache : null;
  const keySpaceHint = scenario.workload.kind === 'synthetic' ? scenario.workload.keys : 1024;
  const opened = timed ? createWorkload(scenario.workload, scenario.seed) : openUntimedWorkload(scenario);
  const stream =
    progress === undefined
      ? opened
      : new ProgressStream(
          opened,
          (requests, clockMs) =>
            progress.report({ requests, clockMs, hitRate: recorder.reads > 0 ? recorder.hits / recorder.reads : null }),
          () => progress.now(),
        );
  let skips: TraceSkips | undefined;
  let metrics: RunMetrics;
  try {
    if (timed) {
      const seed = scenario.seed;
      const topology = spec === null ? null : createTopology(scenario, keySpaceHint);
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
      simulation.run();
      metrics = recorder.metrics(topology === null ? null : topologyCacheMetrics(topology));
      if (topology?.local != null) {
        metrics.tiers = { l1: summedTierMetrics(topology.local), l2: topology.shared?.tierMetrics() ?? null };
      }
      const messages = simulation.invalidationMessages();
      if (messages !== null) metrics.invalidation = messages;
      const writeBehind = simulation.writeBehind();
      if (writeBehind !== null) metrics.write_behind = writeBehind;
    } else {
      const cache =
        spec === null
          ? null
          : new CacheTier(
              createPolicy(spec.policy, { capacity: spec.capacity, unit: spec.capacity_unit, keySpaceHint, seed: scenario.seed, parameters: spec.parameters }),
              spec.ttl,
            );
      replayHitRatio({ stream, cache, invalidation: spec?.invalidation ?? 'delete', recorder, ...(scenario.workload.warmup === undefined ? {} : { warmup: scenario.workload.warmup }) });
      metrics = recorder.metrics(cache?.metrics() ?? null);
    }
    skips = stream.traceStats?.();
  } finally {
    stream.close();
  }
  if (skips !== undefined) {
    metrics.trace = { skipped_lines: skips.skippedLines, skipped_commands: Object.fromEntries(skips.skippedCommands) };
  }
  return {
    metrics,
    timeseries: recorder.timeseriesPoints(),
    timeseriesWindowMs: recorder.timeseries.windowMs,
    latencyHdr: recorder.encodedLatency(),
  };
}

/** `metrics.cache`: the shared tier's, or without one the local tiers' summed over nodes. */
function topologyCacheMetrics(topology: Topology): CacheMetrics {
  if (topology.shared !== null) return topology.shared.metrics();
  const { lookups: _l, hits: _h, hit_rate: _r, errors: _e, ...summed } = summedTierMetrics(topology.local!);
  return summed;
}

/** Measured break-even of producing events on a second core (the worker costs ~50 ms to start). */
const PREFETCH_MIN_REQUESTS = 2_000_000;
const PREFETCH_MIN_TRACE_BYTES = 32 * 1024 * 1024;

/**
 * A hit-ratio replay is one loop on one core; for a long one, the workload (generator or trace parser)
 * runs in a worker thread and hands its batches over through shared memory. Timed runs do not use it:
 * their second core replays the baseline.
 */
function openUntimedWorkload(scenario: Scenario): AccessStream {
  const w = scenario.workload;
  const long =
    w.kind === 'synthetic'
      ? (w.requests ?? 0) >= PREFETCH_MIN_REQUESTS
      : (w.requests === null || w.requests >= PREFETCH_MIN_REQUESTS) && traceBytes(w.path) >= PREFETCH_MIN_TRACE_BYTES;
  return long ? createPrefetchedWorkload(w, scenario.seed) : createWorkload(w, scenario.seed);
}

function traceBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // the reader reports the missing file with its own message
  }
}
