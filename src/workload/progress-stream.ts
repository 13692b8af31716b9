import type { AccessBatch, AccessStream } from './access-event.js';
import { WrappedStream } from './wrapped-stream.js';

/** Events pulled so far and the intended start of the last one (the run's clock, ms). */
export type ProgressListener = (events: number, lastTimeMs: number) => void;

/** How often, at most, a long replay reports its progress (ms of wall-clock time). */
export const PROGRESS_INTERVAL_MS = 150;

/**
 * A stream that tells `listener` how far a replay has got, without the engine knowing: it counts the
 * events of each batch the engine pulls and, at most every `intervalMs` of `now()` (one clock read per
 * batch, not per event), calls the listener — and once more at the end. The simulations are synchronous
 * loops, so this is the one place a progress display can be fed from.
 */
export class ProgressStream extends WrappedStream {
  private events = 0;
  private lastTime = 0;
  private lastReport: number;
  private finished = false;

  constructor(
    source: AccessStream,
    private readonly listener: ProgressListener,
    private readonly now: () => number,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
  ) {
    super(source);
    this.lastReport = now();
  }

  next(batch: AccessBatch): number {
    const n = this.source.next(batch);
    if (n > 0) {
      this.events += n;
      this.lastTime = batch.time[n - 1];
      const now = this.now();
      if (now - this.lastReport >= this.intervalMs) {
        this.lastReport = now;
        this.listener(this.events, this.lastTime);
      }
    } else if (!this.finished) {
      this.finished = true;
      this.listener(this.events, this.lastTime);
    }
    return n;
  }
}
