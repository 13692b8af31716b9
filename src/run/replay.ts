import { CacheTier } from '../engine/cache-tier.js';
import { replayHitRatio } from '../engine/hit-ratio-replay.js';
import { createLatencySampler } from '../engine/latency-model.js';
import { TimedSimulation } from '../engine/timed-simulation.js';
import { RunRecorder } from '../metrics/run-recorder.js';
import { createPolicy } from '../policies/registry.js';
import { RandomSource } from '../random/random-source.js';
import type { RunMetrics, TimeseriesPoint } from '../result/run-result.js';
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
  const spec = scenario.cache;
  const cache =
    withCache && spec !== null
      ? new CacheTier(
          createPolicy(spec.policy, {
            capacity: spec.capacity,
            unit: spec.capacity_unit,
            keySpaceHint: scenario.workload.kind === 'synthetic' ? scenario.workload.keys : 1024,
            seed: scenario.seed,
            parameters: spec.parameters,
          }),
          spec.ttl,
        )
      : null;
  const invalidation = spec?.invalidation ?? 'delete';
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
    skips = stream.traceStats?.();
  } finally {
    stream.close();
  }
  const metrics = recorder.metrics(cache?.metrics() ?? null);
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
