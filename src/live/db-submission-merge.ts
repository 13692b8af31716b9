import { QPS_WINDOW_MS, type QueryRatePeak } from '../metrics/run-recorder.js';
import { SlidingWindowPeak } from '../metrics/sliding-window-peak.js';

/**
 * db.qps_peak of a run split over threads. The peak is the most DB queries submitted within any
 * 1-second window, over all threads together, which no combination of per-thread peaks gives. So each
 * thread keeps the times it submitted queries at (DbSubmissionLog) and hands them over every few hundred
 * ms; DbSubmissionMerge interleaves the threads' ascending times into one ascending sequence for the
 * merged recorder's peak — exact, with memory bounded by what arrives between two hand-overs.
 */
export class DbSubmissionLog implements QueryRatePeak {
  /** This thread's own peak, as any recorder keeps. */
  private readonly own = new SlidingWindowPeak(QPS_WINDOW_MS);
  private times = new Float64Array(1024);
  private length = 0;

  record(time: number): void {
    this.own.record(time);
    if (this.length === this.times.length) {
      const grown = new Float64Array(this.times.length * 2);
      grown.set(this.times);
      this.times = grown;
    }
    this.times[this.length++] = time;
  }

  get peak(): number {
    return this.own.peak;
  }

  /** The times recorded since the last call, oldest first. */
  take(): Float64Array {
    const taken = this.times.slice(0, this.length);
    this.length = 0;
    return taken;
  }
}

export class DbSubmissionMerge {
  /** Per part: chunks not yet consumed, the read position in the first, and the part's promise. */
  private readonly chunks: Float64Array[][];
  private readonly positions: number[];
  private readonly watermarks: number[];

  constructor(
    parts: number,
    private readonly peak: QueryRatePeak,
  ) {
    this.chunks = Array.from({ length: parts }, () => []);
    this.positions = new Array(parts).fill(0);
    this.watermarks = new Array(parts).fill(Number.NEGATIVE_INFINITY);
  }

  /**
   * Part `part` submitted queries at `times` (ascending, none earlier than those it gave before) and will
   * submit none earlier than `watermark` (+Infinity: it is done). Records every time that no part can
   * still precede.
   */
  add(part: number, times: Float64Array, watermark: number): void {
    if (times.length > 0) this.chunks[part].push(times);
    this.watermarks[part] = watermark;
    for (;;) {
      let earliest = -1;
      let earliestTime = Number.POSITIVE_INFINITY;
      for (let p = 0; p < this.chunks.length; p++) {
        const pending = this.chunks[p];
        if (pending.length > 0 && pending[0][this.positions[p]] < earliestTime) {
          earliest = p;
          earliestTime = pending[0][this.positions[p]];
        }
      }
      if (earliest < 0) return;
      // A part with nothing pending may still submit a query before `earliestTime` unless it said otherwise.
      for (let p = 0; p < this.chunks.length; p++) {
        if (this.chunks[p].length === 0 && this.watermarks[p] < earliestTime) return;
      }
      this.peak.record(earliestTime);
      const pending = this.chunks[earliest];
      if (++this.positions[earliest] === pending[0].length) {
        pending.shift();
        this.positions[earliest] = 0;
      }
    }
  }
}
