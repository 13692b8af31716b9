import type { LiveLoadSpec } from '../scenario/scenario.js';
import { AccessBatch, type AccessStream } from '../workload/access-event.js';
import { ALARM_POLL_BELOW_MS, type ArrivalAlarm } from './arrival-alarm.js';
import { InFlightGate } from './in-flight-gate.js';
import { ScheduleLog } from './schedule-log.js';

/** Starts one request at its intended start (ms since the run started); resolves when it completes. */
export type IssueRequest = (start: number, key: number, op: number, size: number, ttl: number) => Promise<void>;

export interface LoadDriverSetup {
  stream: AccessStream;
  load: LiveLoadSpec;
  /** Closed loop only: stop starting requests after this many ms (open loop: the stream ends there). */
  durationMs: number | null;
  /** ms since the run started. */
  now: () => number;
  issue: IssueRequest;
  /** Open loop: the `max_in_flight` bound, shared by every thread of a run; default: this driver's own. */
  gate?: InFlightGate;
  /** Open loop: wakes the driver at the next arrival; without it, timers and setImmediate polling. */
  alarm?: ArrivalAlarm;
}

/** Above this wait the driver sleeps on a timer (≥ 1 ms granularity); below it, it yields with setImmediate. */
const SPIN_BELOW_MS = 1.5;

/**
 * Offers the workload's requests to Redis on the wall clock.
 *
 * Open loop (a rate, or a trace at its timestamps): every arrival has an intended start from the
 * workload's seeded arrival process or the trace; one loop, woken by a timer or setImmediate, issues
 * every arrival whose time has come (a batch, not a timer per request), and each request's latency is
 * measured from that intended start — so a stalled server shows in the percentiles (no coordinated
 * omission). An arrival finding `max_in_flight` requests in flight (in every thread of the run: the gate
 * is shared) is dropped and counted.
 *
 * Closed loop (`clients`): N clients, each starting its next request `think_time` after its last one
 * completed; latency is measured from that start (a closed loop cannot see what it did not send).
 */
export class LoadDriver {
  inFlight = 0;
  /** Arrivals dropped at the in-flight bound whose intended start was at or after the warm-up. */
  dropped = 0;
  private stopped = false;
  private readonly batch = new AccessBatch(4096);
  private cursor = 0;
  private exhausted = false;
  private idle: (() => void) | null = null;
  /** The open loop's next tick while it waits for an arrival. */
  private waiting: (() => void) | null = null;
  private readonly gate: InFlightGate;
  /** Open loop: how late each arrival was started, and which were dropped (a closed loop starts each on time by definition). */
  readonly schedule: ScheduleLog;

  constructor(private readonly setup: LoadDriverSetup) {
    this.gate = setup.gate ?? new InFlightGate(new Int32Array(1), 0, setup.load.max_in_flight);
    this.schedule = new ScheduleLog(setup.load.warmup);
  }

  /** Stop starting requests (Ctrl-C, on_cache_error: fail); those in flight go on. */
  stop(): void {
    this.stopped = true;
    // An open loop waiting for a far arrival (a trace's quiet hour) ends now, not then.
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }

  /** Resolves when every request has been started (or the driver was stopped). */
  run(): Promise<void> {
    return this.setup.load.clients === null ? this.openLoop() : this.closedLoop(this.setup.load.clients);
  }

  /** Resolves when nothing is in flight, or after `limitMs` (then false). */
  drain(limitMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = Number.isFinite(limitMs)
        ? setTimeout(() => {
            this.idle = null;
            resolve(false);
          }, limitMs)
        : undefined;
      this.idle = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  private openLoop(): Promise<void> {
    const { now, load, issue, alarm } = this.setup;
    const { batch, gate, schedule } = this;
    return new Promise((resolve) => {
      const tick = (): void => {
        this.waiting = null;
        if (this.stopped) {
          resolve();
          return;
        }
        const t = now();
        for (;;) {
          if (!this.refill()) {
            resolve();
            return;
          }
          const start = batch.time[this.cursor];
          if (start > t) {
            const wait = start - t;
            this.waiting = tick;
            if (alarm !== undefined && wait > ALARM_POLL_BELOW_MS) alarm.set(start, tick);
            else if (alarm === undefined && wait > SPIN_BELOW_MS) setTimeout(tick, Math.floor(wait - 1));
            else setImmediate(tick);
            return;
          }
          const i = this.cursor++;
          if (!gate.tryEnter()) {
            if (start >= load.warmup) this.dropped++;
            schedule.drop(start);
            continue;
          }
          schedule.start(start, t);
          this.track(issue(start, batch.key[i], batch.op[i], batch.size[i], batch.ttl[i]), gate);
        }
      };
      tick();
    });
  }

  private async closedLoop(clients: number): Promise<void> {
    const { now, issue, durationMs, load } = this.setup;
    const batch = this.batch;
    const client = async (): Promise<void> => {
      while (!this.stopped && this.refill()) {
        const start = now();
        if (durationMs !== null && start >= durationMs) return;
        const i = this.cursor++;
        await this.track(issue(start, batch.key[i], batch.op[i], batch.size[i], batch.ttl[i]), null);
        if (load.think_time > 0) await new Promise((resolve) => setTimeout(resolve, load.think_time));
      }
    };
    await Promise.all(Array.from({ length: clients }, client));
  }

  /** Whether an event is ready at the cursor (pulls the next batch when needed). */
  private refill(): boolean {
    if (this.cursor < this.batch.length) return true;
    if (this.exhausted) return false;
    this.cursor = 0;
    if (this.setup.stream.next(this.batch) === 0) {
      this.exhausted = true;
      return false;
    }
    return true;
  }

  /** Counts `request` in flight until it settles; `gate` (entered by the caller) is left then. */
  private track(request: Promise<void>, gate: InFlightGate | null): Promise<void> {
    this.inFlight++;
    return request.finally(() => {
      gate?.leave();
      if (--this.inFlight === 0 && this.idle !== null) {
        const idle = this.idle;
        this.idle = null;
        idle();
      }
    });
  }
}
