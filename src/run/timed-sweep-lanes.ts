import { RunRecorder } from '../metrics/run-recorder.js';
import { AccessBatch, type AccessStream } from '../workload/access-event.js';
import { ProgressStream } from '../workload/progress-stream.js';
import type { ReplayOutcome } from './replay.js';
import type { RunProgress } from './run-progress.js';
import type { SweepLane } from './sweep-lanes.js';
import { type TimedEngine, timedEngine } from './timed-engine.js';

/**
 * The timed replays of several runs over one stream, in one pass: each batch of arrivals goes to every
 * lane's simulation in turn (`TimedSimulation.arrive`), and once the stream ends (or is stopped) each one
 * completes what it has in flight. A simulation's result depends only on its arrivals, so each lane's
 * outcome is exactly what `replay(scenario, withCache)` gives for it alone. A lane without its cache is
 * the no-cache baseline, which reads no cache setting: one such lane serves every run of the pass.
 * The caller closes the stream and sets `metrics.trace` (as for the hit-ratio lanes, sweep-lanes.ts).
 */
export class TimedSweepLanes {
  private readonly engines: TimedEngine[];
  private readonly recorders: RunRecorder[];
  private readonly stream: AccessStream;
  private readonly batch = new AccessBatch(8192);
  private finished = false;

  constructor(source: AccessStream, lanes: readonly SweepLane[], progress?: RunProgress) {
    this.recorders = lanes.map(({ scenario }) => new RunRecorder(true, true, scenario.max_staleness, scenario.timeseries_window));
    this.engines = lanes.map(({ scenario, withCache }, i) => timedEngine(scenario, withCache, null, this.recorders[i]));
    // The progress bar's hit rate: the first lane with a cache.
    const shown = this.recorders[Math.max(0, lanes.findIndex((lane) => lane.withCache))];
    this.stream =
      progress === undefined
        ? source
        : new ProgressStream(
            source,
            (requests, clockMs) => progress.report({ requests, clockMs, hitRate: shown.reads > 0 ? shown.hits / shown.reads : null }),
            () => progress.now(),
          );
  }

  /** Replays up to `batches` more batches; true once the stream has ended (or was stopped) and every lane has drained. */
  step(batches: number): boolean {
    if (this.finished) return true;
    const { stream, batch, engines } = this;
    for (let b = 0; b < batches; b++) {
      const n = stream.next(batch);
      if (n === 0) {
        for (let l = 0; l < engines.length; l++) engines[l].simulation.drain();
        this.finished = true;
        return true;
      }
      for (let l = 0; l < engines.length; l++) engines[l].simulation.arrive(batch, n);
    }
    return false;
  }

  /** Every lane's outcome, in the order of the lanes, once `step` has returned true. */
  outcomes(): ReplayOutcome[] {
    return this.engines.map((engine, i) => {
      const recorder = this.recorders[i];
      return {
        metrics: engine.collect(),
        timeseries: recorder.timeseriesPoints(),
        timeseriesWindowMs: recorder.timeseries.windowMs,
        latencyHdr: recorder.encodedLatency(),
      };
    });
  }
}
