import type { AccessBatch, AccessStream } from './access-event.js';
import { WrappedStream } from './wrapped-stream.js';

/**
 * The events of a stream whose time is before `untilMs`, moved `shiftMs` later: the opening of a
 * workload's schedule replayed somewhere else on the clock (a live run's calibration, floor-calibration.ts).
 * Ends at the first event at or after `untilMs`; the source is read no further.
 */
export class TimeWindowStream extends WrappedStream {
  private ended = false;

  constructor(
    source: AccessStream,
    private readonly untilMs: number,
    private readonly shiftMs: number,
  ) {
    super(source);
  }

  next(batch: AccessBatch): number {
    if (this.ended) {
      batch.length = 0;
      return 0;
    }
    const n = this.source.next(batch);
    const time = batch.time;
    let kept = 0;
    while (kept < n && time[kept] < this.untilMs) {
      time[kept] += this.shiftMs;
      kept++;
    }
    if (kept < n || n === 0) this.ended = true;
    batch.length = kept;
    return kept;
  }
}
