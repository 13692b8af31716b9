import { HitRatioReplay } from '../engine/hit-ratio-replay.js';
import { RunRecorder } from '../metrics/run-recorder.js';
import type { ApproximateRun, RunMetrics, TimeseriesPoint } from '../result/run-result.js';
import type { Scenario } from '../scenario/scenario.js';
import { singleTierOf } from './single-tier.js';
import { timedEngine } from './timed-engine.js';
import type { AccessStream, TraceSkips } from '../workload/access-event.js';
import { statSync } from 'node:fs';
import { createWorkload } from '../workload/create-workload.js';
import { createPrefetchedWorkload } from '../workload/prefetched-stream.js';
import { ProgressStream } from '../workload/progress-stream.js';
import { type SharedStopLimit, StoppableStream } from '../workload/stoppable-stream.js';
import type { RunProgress } from './run-progress.js';

export interface ReplayOutcome {
  metrics: RunMetrics;
  timeseries: TimeseriesPoint[];
  timeseriesWindowMs: number;
  /** HdrHistogram, compressed base64, µs; '' without timing. */
  latencyHdr: string;
  /** `run --approximate`: how this outcome's cache metrics were estimated. */
  approximate?: ApproximateRun;
}

/** Whether requests take time in this scenario (false: a pure hit-ratio replay). */
export function isTimed(scenario: Scenario): boolean {
  return scenario.workload.arrival.type !== 'none';
}

/**
 * One replay of the scenario's workload, through its cache (`withCache`) or through none (the baseline).
 * With `progress`, the replay reports how far it has got while it runs; with `stopLimit`, another thread
 * may stop it (a stopped run's baseline in a worker), and `stopAt` cuts it at a request count.
 */
export function replay(
  scenario: Scenario,
  withCache: boolean,
  progress?: RunProgress,
  stop: { stopLimit?: SharedStopLimit; stopAt?: number } = {},
  /** Changes what the workload hands out (a live run's prediction charges Redis memory per key: live/redis-memory-model.ts). */
  mapStream?: (stream: AccessStream) => AccessStream,
): ReplayOutcome {
  const stepped = new SteppedReplay(scenario, withCache, progress, stop.stopLimit, mapStream);
  try {
    if (stop.stopAt !== undefined) stepped.stream.stopAt(stop.stopAt);
    stepped.step(Number.POSITIVE_INFINITY);
    return stepped.outcome();
  } finally {
    stepped.close();
  }
}

/**
 * A replay run in steps of a few batches, so the thread that drives it can look up between steps (a
 * Ctrl-C) and stop it through `stream`: the engine then completes what is in flight and ends. The result
 * does not depend on the steps.
 */
export class SteppedReplay {
  /** What the engine pulls: the workload, stoppable; `stream.taken` counts the requests handed out. */
  readonly stream: StoppableStream;
  private readonly engine: { step(batches: number): boolean };
  private readonly collect: () => RunMetrics;
  private readonly recorder: RunRecorder;
  private readonly isTrace: boolean;
  private closed = false;

  constructor(
    scenario: Scenario,
    withCache: boolean,
    progress?: RunProgress,
    stopLimit?: SharedStopLimit,
    mapStream?: (stream: AccessStream) => AccessStream,
  ) {
    const timed = isTimed(scenario);
    const hasClock = timed || scenario.workload.kind === 'trace';
    const recorder = new RunRecorder(timed, hasClock, scenario.max_staleness, scenario.timeseries_window);
    this.recorder = recorder;
    this.isTrace = scenario.workload.kind === 'trace';
    const spec = withCache ? scenario.cache : null;
    const keySpaceHint = scenario.workload.kind === 'synthetic' ? scenario.workload.keys : 1024;
    const workload = timed ? createWorkload(scenario.workload, scenario.seed) : openUntimedWorkload(scenario);
    const opened = mapStream === undefined ? workload : mapStream(workload);
    this.stream = new StoppableStream(opened, stopLimit);
    const stream =
      progress === undefined
        ? this.stream
        : new ProgressStream(
            this.stream,
            (requests, clockMs) =>
              progress.report({ requests, clockMs, hitRate: recorder.reads > 0 ? recorder.hits / recorder.reads : null }),
            () => progress.now(),
          );
    try {
      if (timed) {
        const { simulation, collect } = timedEngine(scenario, withCache, stream, recorder);
        this.engine = simulation;
        this.collect = collect;
      } else {
        const cache = spec === null ? null : singleTierOf(scenario, keySpaceHint);
        this.engine = new HitRatioReplay({
          stream,
          cache,
          invalidation: spec?.invalidation ?? 'delete',
          recorder,
          ...(scenario.workload.warmup === undefined ? {} : { warmup: scenario.workload.warmup }),
        });
        this.collect = () => recorder.metrics(cache?.metrics() ?? null);
      }
    } catch (error) {
      this.stream.close();
      throw error;
    }
  }

  /** Replays up to `batches` more batches; true once the replay has ended (the stream ended or was stopped). */
  step(batches: number): boolean {
    return this.engine.step(batches);
  }

  /** The replay's measurements, once `step` has returned true. */
  outcome(): ReplayOutcome {
    const metrics = this.collect();
    // Only a trace reader skips anything (a prefetched synthetic stream reports zeros).
    const skips: TraceSkips | undefined = this.isTrace ? this.stream.traceStats?.() : undefined;
    this.close();
    if (skips !== undefined) {
      metrics.trace = { skipped_lines: skips.skippedLines, skipped_commands: Object.fromEntries(skips.skippedCommands) };
    }
    return {
      metrics,
      timeseries: this.recorder.timeseriesPoints(),
      timeseriesWindowMs: this.recorder.timeseries.windowMs,
      latencyHdr: this.recorder.encodedLatency(),
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.close();
  }
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
  return longUntimedWorkload(scenario) ? createPrefetchedWorkload(w, scenario.seed) : createWorkload(w, scenario.seed);
}

/** Whether an untimed replay of the scenario is long enough for its workload to be produced on another core. */
export function longUntimedWorkload(scenario: Scenario): boolean {
  const w = scenario.workload;
  return w.kind === 'synthetic'
    ? (w.requests ?? 0) >= PREFETCH_MIN_REQUESTS
    : (w.requests === null || w.requests >= PREFETCH_MIN_REQUESTS) && traceBytes(w.path) >= PREFETCH_MIN_TRACE_BYTES;
}

function traceBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // the reader reports the missing file with its own message
  }
}
