import { InputError, RunFailure } from '../errors.js';
import type { AccessBatch, TraceSkips } from './access-event.js';

/**
 * The shared memory between a prefetching worker (the producer, which runs the real access stream) and
 * the thread that replays it (the consumer). Events travel through a ring of `slots` batches, each
 * `slotEvents` long, laid out column by column in SharedArrayBuffers exactly like an AccessBatch, so the
 * producer's stream writes straight into shared memory and the consumer copies a slot out with one
 * memcpy per column.
 *
 * Synchronisation is monotonic counters in `control`: PRODUCED (slots published) and, per consumer, its
 * CONSUMED count (slots released). Slot i lives at index i % slots. The producer may fill a slot while
 * PRODUCED − (the least CONSUMED) < slots; a consumer may read one while its CONSUMED < PRODUCED. Each
 * side writes its counter with Atomics.store after touching the slot, which orders the plain typed-array
 * writes before it. Several consumers (a sweep's threads, src/run/sweep.ts) each read every slot; the
 * first of them (index 0) owns the worker: it alone receives the port's messages and closes the ring.
 *
 * A side that runs out (the consumer of events, the producer of free slots) sleeps in Atomics.wait until
 * WAKE_BATCH slots are available again, not just one: it posts the count it waits for in its WAKE_AT word
 * and the other side notifies only when it gets there. Waking a sleeping thread costs tens of µs on the
 * thread that notifies, and one side is always the bottleneck, so notifying per slot would slow down the
 * faster side's partner — the bottleneck itself. Consumers sleep on PRODUCED (each posts its own WAKE_AT);
 * the producer sleeps on DOORBELL, which consumers also ring to ask for a key's name or to close.
 */

/** Control word indices (Int32Array). */
export const PRODUCED = 0;
/** How many consumers read the ring (each reads every slot; their counters are at consumedWord(i)). */
export const CONSUMERS = 1;
/** Bumped by the consumer whenever the producer has something to do: a freed slot, a name request, close. */
export const DOORBELL = 2;
/** OPEN_PENDING until the producer has built its stream, then OPEN_OK or OPEN_FAILED. */
export const OPEN_STATE = 3;
/** 1 when the stream's `time` carries arrival times (the stream's own `timed`), written before OPEN_OK. */
export const TIMED = 4;
/** The stream's keySpace right after it was built (synthetic: the whole keyspace; traces: 0). */
export const INITIAL_KEY_SPACE = 5;
/** keyName requests: the consumer writes NAME_ID, then bumps NAME_REQUEST; the producer answers, then sets NAME_RESPONSE to it. */
export const NAME_REQUEST = 6;
export const NAME_ID = 7;
export const NAME_RESPONSE = 8;
/** Set to 1 by the consumer's close(); the producer closes its stream, sets CLOSED_ACK and exits. */
export const CLOSE_REQUESTED = 9;
export const CLOSED_ACK = 10;
/** The CONSUMED count the sleeping producer waits for; NEVER while it is awake. */
export const PRODUCER_WAKE_AT = 11;
const FIXED_CONTROL_WORDS = 12;
export const NEVER = 0x7fffffff;

/** Consumer i's CONSUMED count. A consumer that leaves early (it failed) sets it to NEVER: it holds nothing back. */
export function consumedWord(consumer: number): number {
  return FIXED_CONTROL_WORDS + 2 * consumer;
}

/** The PRODUCED count sleeping consumer i waits for; NEVER while it is awake. */
export function consumerWakeWord(consumer: number): number {
  return FIXED_CONTROL_WORDS + 2 * consumer + 1;
}

/** The least CONSUMED count over the consumers, capped at `produced`: the slots still held back. */
export function leastConsumed(control: Int32Array, produced: number): number {
  let least = produced;
  const consumers = control[CONSUMERS];
  for (let i = 0; i < consumers; i++) {
    const consumed = Atomics.load(control, consumedWord(i));
    if (consumed < least) least = consumed;
  }
  return least;
}

/** Whether some sleeping consumer waits for `produced` slots or fewer (then the producer notifies PRODUCED). */
export function consumerDue(control: Int32Array, produced: number): boolean {
  const consumers = control[CONSUMERS];
  for (let i = 0; i < consumers; i++) if (produced >= Atomics.load(control, consumerWakeWord(i))) return true;
  return false;
}

/** How many slots a sleeping side waits for: half the ring, so the other half keeps the partner busy. */
export function wakeBatch(slots: number): number {
  return Math.max(1, slots >> 1);
}

export const OPEN_PENDING = 0;
export const OPEN_OK = 1;
export const OPEN_FAILED = 2;

/** Slot header words (Int32Array, HEADER_WORDS per slot). */
export const HEADER_LENGTH = 0;
/** The producer's keySpace right after filling the slot: above every key id in it and in earlier slots. */
export const HEADER_KEY_SPACE = 1;
export const HEADER_FLAGS = 2;
export const HEADER_WORDS = 3;

/** The stream is over: this slot is empty and no slot follows. */
export const FLAG_END = 1;
/** The stream threw: this slot is empty, the error waits on the message port, no slot follows. */
export const FLAG_FAILED = 2;

/** The buffers of one ring; structured-cloned to the worker, which sees the same memory. */
export interface RingBuffers {
  slots: number;
  slotEvents: number;
  control: SharedArrayBuffer;
  headers: SharedArrayBuffer;
  time: SharedArrayBuffer;
  key: SharedArrayBuffer;
  op: SharedArrayBuffer;
  size: SharedArrayBuffer;
  ttl: SharedArrayBuffer;
}

export function allocateRing(slots: number, slotEvents: number, consumers = 1): RingBuffers {
  const events = slots * slotEvents;
  const control = new SharedArrayBuffer((FIXED_CONTROL_WORDS + 2 * consumers) * 4);
  const words = new Int32Array(control);
  words[PRODUCER_WAKE_AT] = NEVER;
  words[CONSUMERS] = consumers;
  for (let i = 0; i < consumers; i++) words[consumerWakeWord(i)] = NEVER;
  return {
    slots,
    slotEvents,
    control,
    headers: new SharedArrayBuffer(slots * HEADER_WORDS * 4),
    time: new SharedArrayBuffer(events * 8),
    key: new SharedArrayBuffer(events * 4),
    op: new SharedArrayBuffer(events),
    size: new SharedArrayBuffer(events * 4),
    ttl: new SharedArrayBuffer(events * 8),
  };
}

/** Typed-array views of a ring, the same on both sides. */
export class RingViews {
  readonly control: Int32Array;
  readonly headers: Int32Array;
  readonly time: Float64Array;
  readonly key: Int32Array;
  readonly op: Uint8Array;
  readonly size: Int32Array;
  readonly ttl: Float64Array;

  constructor(readonly buffers: RingBuffers) {
    this.control = new Int32Array(buffers.control);
    this.headers = new Int32Array(buffers.headers);
    this.time = new Float64Array(buffers.time);
    this.key = new Int32Array(buffers.key);
    this.op = new Uint8Array(buffers.op);
    this.size = new Int32Array(buffers.size);
    this.ttl = new Float64Array(buffers.ttl);
  }

  /**
   * Slot `index` as an AccessBatch whose columns are views into shared memory, so the producer's stream
   * fills the slot in place. A plain object rather than `new AccessBatch` because the class allocates its
   * own arrays; the shape is the same, and AccessBatch has no methods.
   */
  slotBatch(index: number): AccessBatch {
    const n = this.buffers.slotEvents;
    const from = index * n;
    return {
      capacity: n,
      length: 0,
      time: this.time.subarray(from, from + n),
      key: this.key.subarray(from, from + n),
      op: this.op.subarray(from, from + n),
      size: this.size.subarray(from, from + n),
      ttl: this.ttl.subarray(from, from + n),
    };
  }
}

/** An error as it crosses the thread boundary: Error subclasses do not survive structured cloning. */
export interface SerializedError {
  kind: 'InputError' | 'RunFailure' | 'Error';
  message: string;
  /** Only for unexpected errors (bugs): the CLI prints their stack, so keep the worker's. */
  stack: string | null;
}

/** Messages on the port from the producer to the consumer, in the order they are needed. */
export type ProducerMessage =
  | { type: 'failure'; error: SerializedError }
  | { type: 'end'; traceStats: TraceSkips | null }
  | { type: 'name'; name: string; error: null }
  | { type: 'name'; name: null; error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof InputError) return { kind: 'InputError', message: error.message, stack: null };
  if (error instanceof RunFailure) return { kind: 'RunFailure', message: error.message, stack: null };
  if (error instanceof Error) return { kind: 'Error', message: error.message, stack: error.stack ?? null };
  return { kind: 'Error', message: String(error), stack: null };
}

/** The error the producer threw, as the same class with the same message, so the CLI treats it the same. */
export function deserializeError(serialized: SerializedError): Error {
  if (serialized.kind === 'InputError') return new InputError(serialized.message);
  if (serialized.kind === 'RunFailure') return new RunFailure(serialized.message);
  const error = new Error(serialized.message);
  if (serialized.stack !== null) error.stack = serialized.stack;
  return error;
}
