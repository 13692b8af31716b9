import { miniatureScale } from '../analysis/miniature-simulation.js';
import { HitRatioLane, WorkloadAccounting } from '../engine/hit-ratio-replay.js';
import { KeySample, MiniatureLane } from '../engine/miniature-lane.js';
import { RunRecorder } from '../metrics/run-recorder.js';
import type { Scenario } from '../scenario/scenario.js';
import { singleTierOf } from './single-tier.js';
import { AccessBatch, type AccessStream } from '../workload/access-event.js';
import { ProgressStream } from '../workload/progress-stream.js';
import { isTimed, type ReplayOutcome } from './replay.js';
import type { RunProgress } from './run-progress.js';
import { TimedSweepLanes } from './timed-sweep-lanes.js';

/** One replay of a sweep: a run's scenario through its cache, or (`withCache` false) the no-cache baseline. */
export interface SweepLane {
  scenario: Scenario;
  withCache: boolean;
  /** `run --approximate`: the run's cache by miniature simulation at this sampling rate (untimed runs only). */
  approximate?: number | null;
}

/** Several replays over one stream, in steps, for a driver that must stay responsive between them (Ctrl-C). */
export interface LaneSet {
  /** Replays up to `batches` more batches of the stream; true once every lane has ended. */
  step(batches: number): boolean;
  /** Every lane's outcome, in the order of the lanes, once `step` has returned true. */
  outcomes(): ReplayOutcome[];
}

/**
 * The replays of `lanes` (runs that differ only in cache settings, sweep-plan.ts) over one stream: the
 * timed simulations of timed runs (timed-sweep-lanes.ts), the hit-ratio lanes of untimed ones. Each
 * lane's outcome is exactly what `replay(scenario, withCache)` gives for it alone.
 */
export function openLanes(source: AccessStream, lanes: readonly SweepLane[], progress?: RunProgress): LaneSet {
  if (isTimed(lanes[0].scenario)) return new TimedSweepLanes(source, lanes, progress);
  // An untimed baseline needs no replay (run-scenario.ts): every lane is a run's cache.
  if (lanes.some((lane) => !lane.withCache)) throw new Error('an untimed sweep replays no baseline lane');
  return new SweepLanes(source, lanes, progress);
}

/** The lanes' replays to the stream's end, in one pass. The caller closes the stream and sets `metrics.trace`. */
export function replayLanes(source: AccessStream, lanes: readonly SweepLane[], progress?: RunProgress): ReplayOutcome[] {
  const set = openLanes(source, lanes, progress);
  set.step(Number.POSITIVE_INFINITY);
  return set.outcomes();
}

/**
 * The hit-ratio replays of several runs over one stream, in one pass: the stream's batches go once through
 * the cache-independent accounting and then through every run's cache, so each run's outcome is exactly
 * what `replay(scenario, true)` gives for it alone. The scenarios share everything but their cache (see
 * sweep-plan.ts), so the first one's clock, staleness budget and time-series window are every one's.
 * The caller closes the stream (a shared ring's owner only once every reader is done) and sets
 * `metrics.trace` (only the ring's owner knows what the trace reader skipped). A lane with `approximate`
 * (a sampling rate: `run --approximate`) is its run's miniature simulation instead
 * (engine/miniature-lane.ts): its cache scaled down, fed the sample's requests, its metrics estimated.
 */
export class SweepLanes implements LaneSet {
  private readonly accounting: WorkloadAccounting;
  private readonly lanes: HitRatioLane[];
  private readonly miniatures: MiniatureLane[];
  private readonly sample: KeySample | null;
  /** Per lane: whether it is exact, and its index among the exact lanes or the miniatures. */
  private readonly order: [boolean, number][] = [];
  private readonly stream: AccessStream;
  private readonly batch = new AccessBatch(8192);
  private finished = false;

  constructor(source: AccessStream, sweepLanes: readonly SweepLane[], progress?: RunProgress) {
    const first = sweepLanes[0].scenario;
    const hasClock = first.workload.kind === 'trace';
    const newRecorder = () => new RunRecorder(false, hasClock, first.max_staleness, first.timeseries_window);
    const keySpaceHint = first.workload.kind === 'synthetic' ? first.workload.keys : 1024;
    const accounting = new WorkloadAccounting(newRecorder(), first.workload.warmup);
    const lanes: HitRatioLane[] = [];
    const miniatures: MiniatureLane[] = [];
    for (const { scenario, approximate } of sweepLanes) {
      const spec = scenario.cache;
      if (approximate === undefined || approximate === null || spec === null) {
        this.order.push([true, lanes.length]);
        lanes.push(new HitRatioLane(singleTierOf(scenario, keySpaceHint), spec?.invalidation ?? 'delete', newRecorder()));
        continue;
      }
      // In Redis memory, what is scaled is the keys' share of maxmemory: the miniature has no baseline of its own.
      const memory = spec.memory_model;
      const keysCapacity = memory === undefined ? spec.capacity : Math.max(0, spec.capacity - memory.baseline);
      const scale = miniatureScale({ value: keysCapacity, unit: spec.capacity_unit }, approximate);
      const scaled = { ...scenario, cache: { ...spec, capacity: scale.capacity, ...(memory === undefined ? {} : { memory_model: { ...memory, baseline: 0 } }) } };
      const cache = singleTierOf(scaled, Math.ceil(keySpaceHint * scale.rate) + 16);
      this.order.push([false, miniatures.length]);
      miniatures.push(new MiniatureLane(cache, spec.invalidation, newRecorder(), scale));
    }
    this.accounting = accounting;
    this.lanes = lanes;
    this.miniatures = miniatures;
    this.sample = miniatures.length > 0 ? new KeySample() : null;
    this.stream =
      progress === undefined
        ? source
        : new ProgressStream(
            source,
            (requests, clockMs) => {
              const reads = accounting.recorder.reads;
              // A miniature's hits are the sample's: its hit rate so far is over the sample's reads, not shown.
              const firstLane = lanes[0];
              progress.report({ requests, clockMs, hitRate: reads > 0 && firstLane !== undefined ? firstLane.recorder.hits / reads : null });
            },
            () => progress.now(),
          );
  }

  /** Replays up to `batches` more batches; true once the stream has ended (or was stopped). */
  step(batches: number): boolean {
    if (this.finished) return true;
    const { stream, batch, accounting, lanes, miniatures, sample } = this;
    for (let b = 0; b < batches; b++) {
      const n = stream.next(batch);
      if (n === 0) {
        this.finished = true;
        return true;
      }
      accounting.observe(batch, n, stream.keySpace);
      for (let l = 0; l < lanes.length; l++) lanes[l].observe(batch, n, accounting);
      if (sample !== null) {
        sample.observe(batch, n, accounting.firstMeasured);
        for (let l = 0; l < miniatures.length; l++) miniatures[l].observe(batch, n, accounting, sample);
      }
    }
    return false;
  }

  /** Every run's outcome, in the order of the scenarios, once `step` has returned true. */
  outcomes(): ReplayOutcome[] {
    const shared = this.accounting.recorder.state();
    const exact = this.lanes.map((lane): ReplayOutcome => {
      lane.finish();
      lane.recorder.add(shared);
      return {
        metrics: lane.recorder.metrics(lane.cache?.metrics() ?? null),
        timeseries: lane.recorder.timeseriesPoints(),
        timeseriesWindowMs: lane.recorder.timeseries.windowMs,
        latencyHdr: lane.recorder.encodedLatency(),
      };
    });
    const approximate = this.miniatures.map(
      (mini): ReplayOutcome => ({
        metrics: mini.metrics(shared, this.sample!),
        timeseries: [],
        timeseriesWindowMs: mini.recorder.timeseries.windowMs,
        latencyHdr: '',
        approximate: { method: 'miniature-simulation', sample_rate: mini.scale.rate, scaled_capacity: mini.scale.capacity },
      }),
    );
    return this.order.map(([isExact, index]) => (isExact ? exact[index] : approximate[index]));
  }
}
