import { EventQueue } from '../engine/event-queue.js';

/**
 * Future events on the wall clock — the application's alarms, the database model's completions and
 * timeouts — as the virtual clock keeps them (an EventQueue of payloads), with one timer armed for the
 * earliest; events already due are taken in a microtask (a wait of 0 — a miss's step from its lookup to
 * its query — costs no timer). Each goes off as `dispatch(payload, now)` with the clock's reading then.
 */
export class WallClockEvents {
  private readonly queue = new EventQueue();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private due: number[] = [];
  private dueScheduled = false;
  private stopped = false;

  constructor(
    private readonly now: () => number,
    private readonly dispatch: (payload: number, now: number) => void,
  ) {}

  push(time: number, payload: number): void {
    if (this.stopped) return;
    if (time <= this.now()) {
      this.due.push(payload);
      if (!this.dueScheduled) {
        this.dueScheduled = true;
        queueMicrotask(this.runDue);
      }
      return;
    }
    this.queue.push(time, payload);
    if (time < this.timerAt) this.arm(time);
  }

  /** No more events go off (the run is over). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private readonly runDue = (): void => {
    this.dueScheduled = false;
    const due = this.due;
    this.due = [];
    for (const payload of due) if (!this.stopped) this.dispatch(payload, this.now());
  };

  private arm(time: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = time;
    this.timer = setTimeout(this.fire, Math.max(0, time - this.now()));
  }

  private readonly fire = (): void => {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    const queue = this.queue;
    while (!this.stopped && queue.size > 0 && queue.peekTime() <= this.now()) this.dispatch(queue.pop(), this.now());
    if (!this.stopped && queue.size > 0) this.arm(queue.peekTime());
  };
}
