import type { Worker } from 'node:worker_threads';
import { startWorker } from '../threads/worker-script.js';

/**
 * Wake-ups at sub-millisecond precision for the open loop, without a busy event loop.
 *
 * Node's timers have 1 ms granularity, so a driver that must send each arrival at its intended start
 * polls with setImmediate whenever the next arrival is near. That keeps a core busy per event loop, at
 * any rate: fine for one, but worker threads polling side by side take the cores from each other and
 * from a local redis-server (on the 2-core development machine, two polling workers at 4k requests/s
 * used 1.65 cores and had a p90 of 2.5 ms; with the alarm, 1.2 cores and 0.8 ms). So a run with worker
 * threads has one alarm thread (arrival-alarm-worker.ts) that sleeps in Atomics.wait until the
 * earliest deadline any shard asked for (a futex wait with a timeout, microsecond-precise, no CPU) and
 * then notifies that shard; the shard waits with Atomics.waitAsync, so its event loop sleeps in epoll and
 * still handles Redis replies and DB timers meanwhile, and the notification wakes it at once.
 *
 * Shared memory: `signals[0]` counts deadline changes (the alarm thread waits on it), `signals[1]` asks
 * the alarm thread to end, `signals[2 + i]` counts shard i's alarms (shard i waits on it); `deadlines[i]`
 * is shard i's next deadline on process.hrtime's clock (one monotonic clock for every thread), in µs, or
 * NO_DEADLINE; `planned[0]` is when the alarm thread means to wake next (NO_DEADLINE: only on a change).
 * A shard always counts its change, but wakes the alarm thread (a syscall) only when its deadline comes
 * before that: a change counted before the thread waits makes its wait return at once, and one counted
 * after sees the plan it waits for.
 */
export interface AlarmCells {
  signals: Int32Array;
  deadlines: BigInt64Array;
  planned: BigInt64Array;
}

export const NO_DEADLINE = -1n;

/** Atomics.waitAsync (ES2024, in Node since 16), typed here because the project builds against ES2022's library. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(cells: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string };
  }
).waitAsync;
/**
 * The alarm goes off this much before a deadline: about what the futex wake-up and the notification to
 * the shard's event loop take together, so the shard wakes near the deadline rather than after it. A
 * shard woken early polls for the rest (LoadDriver: below ALARM_POLL_BELOW_MS).
 */
const ALARM_LEAD_US = 100n;
/** A shard whose next arrival is nearer than this polls with setImmediate instead of setting the alarm. */
export const ALARM_POLL_BELOW_MS = 0.15;

const CHANGED = 0;
const STOP = 1;
const FIRST_SHARD = 2;

export function createAlarmCells(shards: number): AlarmCells {
  const deadlines = new BigInt64Array(new SharedArrayBuffer(shards * BigInt64Array.BYTES_PER_ELEMENT));
  deadlines.fill(NO_DEADLINE);
  const planned = new BigInt64Array(new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT));
  planned[0] = NO_DEADLINE;
  return {
    signals: new Int32Array(new SharedArrayBuffer((FIRST_SHARD + shards) * Int32Array.BYTES_PER_ELEMENT)),
    deadlines,
    planned,
  };
}

/** A shard's side: one wake-up outstanding at a time. */
export class ArrivalAlarm {
  private originUs = 0n;

  constructor(
    private readonly cells: AlarmCells,
    private readonly shard: number,
  ) {}

  /** The run's origin (process.hrtime.bigint()), which `set`'s times count from. */
  start(originNs: bigint): void {
    this.originUs = originNs / 1000n;
  }

  /** Calls `wake` once, near `timeMs` (ms since the run's origin): from ALARM_LEAD_US before to some tens of µs after. */
  set(timeMs: number, wake: () => void): void {
    const { signals, deadlines, planned } = this.cells;
    const cell = FIRST_SHARD + this.shard;
    const seen = Atomics.load(signals, cell);
    const deadline = this.originUs + BigInt(Math.ceil(timeMs * 1000));
    Atomics.store(deadlines, this.shard, deadline);
    Atomics.add(signals, CHANGED, 1);
    const plan = Atomics.load(planned, 0);
    if (plan === NO_DEADLINE || deadline - ALARM_LEAD_US < plan) Atomics.notify(signals, CHANGED);
    const waiting = waitAsync(signals, cell, seen);
    if (waiting.async) void (waiting.value as Promise<string>).then(wake);
    else queueMicrotask(wake);
  }
}

/** The alarm thread's loop (arrival-alarm-worker.ts), until `stopAlarm`. */
export function runAlarm(cells: AlarmCells): void {
  const { signals, deadlines, planned } = cells;
  while (Atomics.load(signals, STOP) === 0) {
    const changes = Atomics.load(signals, CHANGED);
    const now = process.hrtime.bigint() / 1000n;
    let earliest = NO_DEADLINE;
    for (let i = 0; i < deadlines.length; i++) {
      const deadline = Atomics.load(deadlines, i);
      if (deadline === NO_DEADLINE) continue;
      if (deadline - ALARM_LEAD_US <= now) {
        if (Atomics.compareExchange(deadlines, i, deadline, NO_DEADLINE) === deadline) {
          Atomics.add(signals, FIRST_SHARD + i, 1);
          Atomics.notify(signals, FIRST_SHARD + i);
        }
      } else if (earliest === NO_DEADLINE || deadline < earliest) {
        earliest = deadline;
      }
    }
    // Until the earliest alarm, or a change that needs it earlier (or the stop), whichever comes first.
    const wake = earliest === NO_DEADLINE ? NO_DEADLINE : earliest - ALARM_LEAD_US;
    Atomics.store(planned, 0, wake);
    Atomics.wait(signals, CHANGED, changes, wake === NO_DEADLINE ? Number.POSITIVE_INFINITY : Number(wake - now) / 1000);
  }
}

/** The run's alarm thread, and a promise that resolves once it is watching the deadlines. */
export function startAlarmThread(cells: AlarmCells): { thread: Worker; running: Promise<void> } {
  const thread = startWorker(import.meta.url, 'arrival-alarm-worker', { cells });
  const running = new Promise<void>((resolve, reject) => {
    thread.once('message', () => resolve());
    thread.once('error', reject);
  });
  return { thread, running };
}

/** Ends the alarm thread, and wakes every shard still waiting for an alarm (a stopped run's). */
export function stopAlarm(cells: AlarmCells): void {
  const { signals } = cells;
  Atomics.store(signals, STOP, 1);
  for (let cell = CHANGED; cell < signals.length; cell++) {
    if (cell === STOP) continue;
    Atomics.add(signals, cell, 1);
    Atomics.notify(signals, cell);
  }
}
