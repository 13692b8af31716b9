import { doubledLength, grownInt32 } from '../collections/typed-array-growth.js';
import { LatencyHistogram, type LatencyHistogramState } from '../metrics/latency-histogram.js';

/**
 * An arrival that starts more than this many ms after its intended start was started late: the client,
 * not the system, added that much to its latency. Far above a wake-up's jitter (tens of µs), and above a
 * descheduling on a busy machine now and then, so one GC pause or one busy neighbour does not count.
 */
export const LATE_START_MS = 10;

/** How the open loop kept its schedule, as plain data for another thread (structured clone). */
export interface ScheduleState {
  /** Per second of intended start on the run's clock (warm-up included): arrivals offered, dropped at max_in_flight, started late. */
  offered: Int32Array;
  dropped: Int32Array;
  late: Int32Array;
  /** Measured arrivals (intended start at or after the warm-up) that started late. */
  lateStarts: number;
  /** Measured arrivals that started (not dropped). */
  started: number;
  /** How late each measured arrival started (its start minus its intended start). */
  lateness: LatencyHistogramState;
}

/**
 * The open loop's own account of its schedule: how late each arrival was started and which were
 * dropped, per second of the run's clock, so a run can tell that the client could not keep up (and
 * from when) instead of reporting its own backlog as the system's latency. Two typed-array increments
 * and one histogram record per arrival; nothing is allocated per request.
 */
export class ScheduleLog {
  private offered = new Int32Array(16);
  private droppedPerSecond = new Int32Array(16);
  private late = new Int32Array(16);
  private lateStarts = 0;
  private started = 0;
  private readonly lateness = new LatencyHistogram(2);

  constructor(private readonly warmupMs: number) {}

  /** An arrival intended at `intended` was started at `now` (both ms since the run's origin). */
  start(intended: number, now: number): void {
    const second = this.secondOf(intended);
    this.offered[second]++;
    const lateness = now - intended;
    if (lateness > LATE_START_MS) this.late[second]++;
    if (intended < this.warmupMs) return;
    this.started++;
    if (lateness > LATE_START_MS) this.lateStarts++;
    this.lateness.recordMs(lateness);
  }

  /** An arrival intended at `intended` found max_in_flight requests in flight and was not sent. */
  drop(intended: number): void {
    const second = this.secondOf(intended);
    this.offered[second]++;
    this.droppedPerSecond[second]++;
  }

  state(): ScheduleState {
    let seconds = this.offered.length;
    while (seconds > 0 && this.offered[seconds - 1] === 0) seconds--;
    return {
      offered: this.offered.slice(0, seconds),
      dropped: this.droppedPerSecond.slice(0, seconds),
      late: this.late.slice(0, seconds),
      lateStarts: this.lateStarts,
      started: this.started,
      lateness: this.lateness.state(),
    };
  }

  private secondOf(intended: number): number {
    const second = intended > 0 ? Math.floor(intended / 1000) : 0;
    if (second >= this.offered.length) {
      const length = doubledLength(this.offered.length, second + 1);
      this.offered = grownInt32(this.offered, length);
      this.droppedPerSecond = grownInt32(this.droppedPerSecond, length);
      this.late = grownInt32(this.late, length);
    }
    return second;
  }
}
