import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from 'node:worker_threads';
import { RunFailure } from '../errors.js';
import type { WorkloadSpec } from '../scenario/scenario.js';
import type { AccessBatch, AccessStream, TraceSkips } from './access-event.js';
import {
  allocateRing,
  CLOSE_REQUESTED,
  CLOSED_ACK,
  consumedWord,
  consumerWakeWord,
  DOORBELL,
  deserializeError,
  FLAG_END,
  FLAG_FAILED,
  HEADER_FLAGS,
  HEADER_KEY_SPACE,
  HEADER_LENGTH,
  HEADER_WORDS,
  INITIAL_KEY_SPACE,
  NAME_ID,
  NAME_REQUEST,
  NAME_RESPONSE,
  NEVER,
  OPEN_FAILED,
  OPEN_PENDING,
  OPEN_STATE,
  PRODUCED,
  PRODUCER_WAKE_AT,
  type ProducerMessage,
  type RingBuffers,
  RingViews,
  type SerializedError,
  TIMED,
  wakeBatch,
} from './prefetch-ring.js';
import type { PrefetchWorkerData } from './prefetch-worker.js';
import { startWorker } from '../threads/worker-script.js';

/**
 * Ring geometry. Slots a little larger than the engine's 8192-event batches keep the per-slot handshake
 * (two atomic stores and a notify) rare; several slots let the producer run ahead through the consumer's
 * slow stretches. Measured on the 10M-request Zipf and CSV benchmarks: 4 × 16384 is as fast as any larger
 * ring and keeps the shared memory at 1.6 MB.
 */
const RING_SLOTS = 4;
const SLOT_EVENTS = 16384;
/** Read by several threads: more slots absorb the readers' uneven pace (each slot costs 400 kB). */
const SHARED_RING_SLOTS = 16;

/** Generous: the worker only has to load its modules and open the workload (one trace chunk). */
const OPEN_TIMEOUT_MS = 60_000;
/** How long close() lets the worker close its stream (and so its file) before terminating it. */
const CLOSE_GRACE_MS = 1_000;

/**
 * The workload `createWorkload(spec, seed)` describes, produced in a worker thread so that generating or
 * parsing events runs on another core than the replay that consumes them. The events, keySpace, timed flag
 * and errors are exactly those of `createWorkload(spec, seed)`: an InputError or RunFailure the stream
 * throws comes out of `next()` as the same class with the same message, after every event before it (or
 * out of this function, for errors when opening). Worth it for long replays only: starting the worker
 * and loading the workload modules in it costs ~50 ms (~150 ms under tsx), against ~0.035 s saved per
 * million generated events and more per million trace lines; it breaks even near a million requests.
 *
 * `next()` blocks (Atomics.wait) while the worker has nothing ready. `keyName()` asks the worker
 * synchronously — slow (a thread round trip), meant for reports, not for the hot loop — and is available
 * until `close()`, which stops the worker. The worker is unref'd: a stream left open never keeps the
 * process alive.
 */
export function createPrefetchedWorkload(spec: WorkloadSpec, seed: number): AccessStream {
  return openRing(spec, seed, allocateRing(RING_SLOTS, SLOT_EVENTS, 1));
}

/**
 * The same, read by `consumers` readers, each of which sees every event: `stream` is reader 0, on this
 * thread, and owns the worker (close it only after the others are done); `ring` goes to the other threads,
 * where `ringReader(ring, i)` is reader i. A slot is reused once every reader has released it.
 */
export function openSharedPrefetchedWorkload(
  spec: WorkloadSpec,
  seed: number,
  consumers: number,
): { stream: AccessStream; ring: RingBuffers } {
  const ring = allocateRing(SHARED_RING_SLOTS, SLOT_EVENTS, consumers);
  return { stream: openRing(spec, seed, ring), ring };
}

/** Starts the producing worker on `ring` and returns reader 0, once the worker has opened the workload. */
function openRing(spec: WorkloadSpec, seed: number, ring: RingBuffers): AccessStream {
  const views = new RingViews(ring);
  const { port1, port2 } = new MessageChannel();
  const data: PrefetchWorkerData = { spec, seed, ring, port: port2 };
  const worker = startWorker(import.meta.url, 'prefetch-worker', data, [port2]);
  worker.unref();
  // Failures the worker catches arrive as messages. An 'error' event means the thread itself died (it
  // cannot load, or runs out of memory); the listener keeps that from crashing the process as an unhandled
  // event, and its message is added to the RunFailure reported when an expected message is missing.
  const stream = new PrefetchedStream(views, 0, { worker, port: port1 });
  worker.on('error', (error) => stream.workerCrashed(error));
  stream.awaitOpen();
  return stream;
}

/**
 * Reader `consumer` (≥ 1) of a ring that openSharedPrefetchedWorkload opened, on any thread. It sees the
 * same events as reader 0; a failure of the workload ends it with a RunFailure (reader 0 reports the
 * workload's own error), and keyName is not available. `close()` lets the ring go on without it.
 */
export function ringReader(ring: RingBuffers, consumer: number): AccessStream {
  const stream = new PrefetchedStream(new RingViews(ring), consumer, null);
  stream.awaitOpen();
  return stream;
}

/** What reader 0 holds besides the ring: the worker and the port its messages come on. */
interface RingOwner {
  worker: Worker;
  port: MessagePort;
}

class PrefetchedStream implements AccessStream {
  timed = false;
  keySpace = 0;
  private readonly control: Int32Array;
  private readonly slots: number;
  private readonly slotEvents: number;
  private readonly wakeBatch: number;
  /** Slots acquired so far; the current one is (acquired − 1) % slots. */
  private acquired = 0;
  /** Where the unread events of the current slot start (an index into the ring's columns), and how many. */
  private readFrom = 0;
  private unread = 0;
  /** Whether the current slot is held (acquired and not yet released to the producer). */
  private holding = false;
  private ended = false;
  /** What the trace reader skipped, as the worker reported it with the end of the stream. */
  private skips: TraceSkips | null = null;
  /** keyName() may have read the end's message off the port before next() reached the end slot. */
  private endMessageTaken = false;
  private failure: Error | null = null;
  /** A failure message that arrived while keyName was draining the port for its answer. */
  private pendingFailure: SerializedError | null = null;
  private crash: Error | null = null;
  private closed = false;

  private readonly consumedAt: number;
  private readonly wakeAt: number;

  constructor(
    private readonly views: RingViews,
    consumer: number,
    /** null: not reader 0 (see ringReader). */
    private readonly owner: RingOwner | null,
  ) {
    this.consumedAt = consumedWord(consumer);
    this.wakeAt = consumerWakeWord(consumer);
    this.control = views.control;
    this.slots = views.buffers.slots;
    this.slotEvents = views.buffers.slotEvents;
    this.wakeBatch = wakeBatch(this.slots);
  }

  /** Blocks until the worker has built its stream; throws what building it threw. */
  awaitOpen(): void {
    const control = this.control;
    const deadline = Date.now() + OPEN_TIMEOUT_MS;
    while (Atomics.load(control, OPEN_STATE) === OPEN_PENDING) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.close();
        throw new RunFailure(`the workload worker did not start within ${OPEN_TIMEOUT_MS / 1000} s`);
      }
      Atomics.wait(control, OPEN_STATE, OPEN_PENDING, left);
    }
    if (Atomics.load(control, OPEN_STATE) === OPEN_FAILED) {
      const error = deserializeError(this.takeFailure());
      this.close();
      throw error;
    }
    this.timed = control[TIMED] === 1;
    this.keySpace = control[INITIAL_KEY_SPACE];
  }

  next(batch: AccessBatch): number {
    const capacity = batch.capacity;
    let filled = 0;
    while (filled < capacity) {
      if (this.unread === 0) {
        if (this.ended || this.failure !== null) break;
        // Hand over what we have rather than wait for more.
        if (filled > 0 && !this.slotReady()) break;
        this.acquireSlot();
        continue;
      }
      const n = Math.min(capacity - filled, this.unread);
      const from = this.readFrom;
      const to = from + n;
      // One memcpy per column; subarray allocates five small views per batch, never per event.
      const views = this.views;
      batch.time.set(views.time.subarray(from, to), filled);
      batch.key.set(views.key.subarray(from, to), filled);
      batch.op.set(views.op.subarray(from, to), filled);
      batch.size.set(views.size.subarray(from, to), filled);
      batch.ttl.set(views.ttl.subarray(from, to), filled);
      filled += n;
      this.readFrom = to;
      this.unread -= n;
      if (this.unread === 0) this.releaseSlot();
    }
    batch.length = filled;
    if (filled === 0 && this.failure !== null) throw this.failure;
    return filled;
  }

  traceStats(): TraceSkips {
    return this.skips ?? { skippedLines: 0, skippedCommands: new Map() };
  }

  keyName(id: number): string {
    if (this.owner === null) throw new RunFailure(`key name of id ${id} asked of a reader that does not own the workload`);
    if (this.closed) throw new RunFailure(`key name of id ${id} asked after the workload was closed`);
    const control = this.control;
    const request = control[NAME_REQUEST] + 1;
    control[NAME_ID] = id;
    Atomics.store(control, NAME_REQUEST, request);
    this.ringDoorbell();
    for (;;) {
      const answered = Atomics.load(control, NAME_RESPONSE);
      if (answered === request) break;
      Atomics.wait(control, NAME_RESPONSE, answered);
    }
    // A failure the worker posted earlier may be queued ahead of the answer: keep it for next().
    for (;;) {
      const message = this.receive();
      if (message.type === 'failure') {
        this.pendingFailure = message.error;
        continue;
      }
      if (message.type === 'end') {
        this.skips = message.traceStats;
        this.endMessageTaken = true;
        continue;
      }
      if (message.error !== null) throw deserializeError(message.error);
      return message.name;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const control = this.control;
    if (this.owner === null) {
      // Not the owner: only stop holding slots back.
      Atomics.store(control, this.consumedAt, NEVER);
      this.ringDoorbell();
      return;
    }
    Atomics.store(control, CLOSE_REQUESTED, 1);
    this.ringDoorbell();
    // Let the worker close its stream (a trace's file descriptor belongs to the process, not the thread, so
    // terminating the thread would leak it); it notices within one slot's worth of work.
    Atomics.wait(control, CLOSED_ACK, 0, CLOSE_GRACE_MS);
    void this.owner.worker.terminate();
    this.owner.port.close();
  }

  /** Called from the worker's 'error' event: the thread died outside the code that reports failures. */
  workerCrashed(error: Error): void {
    this.crash = error;
  }

  private slotReady(): boolean {
    return Atomics.load(this.control, PRODUCED) !== this.acquired;
  }

  /** Waits for the next slot and takes it: its events, or the end, or the failure it announces. */
  private acquireSlot(): void {
    const control = this.control;
    const acquired = this.acquired;
    if (Atomics.load(control, PRODUCED) === acquired) {
      if (this.closed) throw new RunFailure('the workload was read after it was closed');
      // The worker notifies once this many slots are ready (or the stream ends), not at every slot.
      Atomics.store(control, this.wakeAt, acquired + this.wakeBatch);
      while (Atomics.load(control, PRODUCED) === acquired) Atomics.wait(control, PRODUCED, acquired);
      Atomics.store(control, this.wakeAt, NEVER);
    }
    const index = acquired % this.slots;
    this.acquired = acquired + 1;
    const headers = this.views.headers;
    const header = index * HEADER_WORDS;
    const flags = headers[HEADER_FLAGS + header];
    this.keySpace = headers[HEADER_KEY_SPACE + header];
    if (flags & FLAG_FAILED) {
      this.failure = deserializeError(this.takeFailure());
    } else if (flags & FLAG_END) {
      this.ended = true;
      if (!this.endMessageTaken && this.owner !== null) {
        const message = this.receive();
        if (message.type === 'end') this.skips = message.traceStats;
        this.endMessageTaken = true;
      }
    } else {
      this.holding = true;
      this.readFrom = index * this.slotEvents;
      this.unread = headers[HEADER_LENGTH + header];
      if (this.unread === 0) this.releaseSlot();
    }
  }

  private releaseSlot(): void {
    if (!this.holding) return;
    this.holding = false;
    const control = this.control;
    Atomics.store(control, this.consumedAt, this.acquired);
    if (this.acquired >= Atomics.load(control, PRODUCER_WAKE_AT)) this.ringDoorbell();
  }

  private ringDoorbell(): void {
    Atomics.add(this.control, DOORBELL, 1);
    Atomics.notify(this.control, DOORBELL);
  }

  /** The failure the worker reported (posted before the state or slot that announced it). */
  private takeFailure(): SerializedError {
    if (this.owner === null)
      return { kind: 'RunFailure', message: 'the workload failed (its first reader reports why)', stack: null };
    if (this.pendingFailure !== null) {
      const failure = this.pendingFailure;
      this.pendingFailure = null;
      return failure;
    }
    const message = this.receive();
    if (message.type !== 'failure') throw new RunFailure('the workload worker answered out of turn');
    return message.error;
  }

  private receive(): ProducerMessage {
    const received = this.owner === null ? undefined : receiveMessageOnPort(this.owner.port);
    if (received === undefined) {
      const cause = this.crash === null ? '' : `: ${this.crash.message}`;
      throw new RunFailure(`the workload worker sent nothing where a message was due${cause}`);
    }
    return received.message as ProducerMessage;
  }
}
