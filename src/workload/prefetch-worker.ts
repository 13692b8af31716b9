import { type MessagePort, workerData } from 'node:worker_threads';
import type { WorkloadSpec } from '../scenario/scenario.js';
import type { AccessBatch, AccessStream } from './access-event.js';
import { createWorkload } from './create-workload.js';
import {
  CLOSE_REQUESTED,
  CLOSED_ACK,
  consumerDue,
  DOORBELL,
  FLAG_END,
  FLAG_FAILED,
  HEADER_FLAGS,
  HEADER_KEY_SPACE,
  HEADER_LENGTH,
  HEADER_WORDS,
  INITIAL_KEY_SPACE,
  leastConsumed,
  NAME_ID,
  NAME_REQUEST,
  NAME_RESPONSE,
  NEVER,
  OPEN_FAILED,
  OPEN_OK,
  OPEN_STATE,
  PRODUCED,
  PRODUCER_WAKE_AT,
  type ProducerMessage,
  type RingBuffers,
  RingViews,
  serializeError,
  TIMED,
  wakeBatch,
} from './prefetch-ring.js';

/**
 * The producer side of a prefetched workload (see prefetched-stream.ts), run in a worker thread: builds the
 * real access stream and fills the shared ring with it, a slot at a time, ahead of the consumer. It stays
 * alive after the stream ends or fails, to answer keyName requests (a trace's key names live in its
 * interner, here), until the consumer closes it.
 */

export interface PrefetchWorkerData {
  spec: WorkloadSpec;
  seed: number;
  ring: RingBuffers;
  port: MessagePort;
}

const { spec, seed, ring, port } = workerData as PrefetchWorkerData;
const views = new RingViews(ring);
const control = views.control;
const headers = views.headers;
let answeredNameRequests = 0;

function post(message: ProducerMessage): void {
  port.postMessage(message);
}

/** Answers a pending keyName request, if any. Cheap when there is none: one atomic load. */
function serveNameRequest(stream: AccessStream | null): void {
  const request = Atomics.load(control, NAME_REQUEST);
  if (request === answeredNameRequests) return;
  try {
    if (stream === null) throw new Error('key names are not available: the workload failed to open');
    post({ type: 'name', name: stream.keyName(control[NAME_ID]), error: null });
  } catch (error) {
    post({ type: 'name', name: null, error: serializeError(error) });
  }
  answeredNameRequests = request;
  Atomics.store(control, NAME_RESPONSE, request);
  Atomics.notify(control, NAME_RESPONSE);
}

/** Sleeps until the consumer rings, unless `ready()` already holds (checked after reading the bell, so no ring is lost). */
function waitForConsumer(ready: () => boolean): void {
  const bell = Atomics.load(control, DOORBELL);
  if (ready()) return;
  Atomics.wait(control, DOORBELL, bell);
}

function closeRequested(): boolean {
  return Atomics.load(control, CLOSE_REQUESTED) !== 0;
}

function nameRequested(): boolean {
  return Atomics.load(control, NAME_REQUEST) !== answeredNameRequests;
}

/** Publishes slot `index` of the ring as the `produced`-th slot. */
function publish(index: number, produced: number, length: number, keySpace: number, flags: number): void {
  const header = index * HEADER_WORDS;
  headers[HEADER_LENGTH + header] = length;
  headers[HEADER_KEY_SPACE + header] = keySpace;
  headers[HEADER_FLAGS + header] = flags;
  // The atomic store orders every plain write to the slot and its header before it.
  Atomics.store(control, PRODUCED, produced);
  if (flags !== 0 || consumerDue(control, produced)) Atomics.notify(control, PRODUCED);
}

/** Fills the ring until the stream ends, fails or the consumer closes. */
function produce(stream: AccessStream): void {
  const slots = ring.slots;
  const batches: AccessBatch[] = [];
  for (let i = 0; i < slots; i++) batches.push(views.slotBatch(i));
  const batch = wakeBatch(slots);
  let produced = 0;
  const free = () => slots - (produced - leastConsumed(control, produced));
  for (;;) {
    serveNameRequest(stream);
    if (closeRequested()) return;
    if (free() === 0) {
      Atomics.store(control, PRODUCER_WAKE_AT, produced - slots + batch);
      waitForConsumer(() => free() >= batch || nameRequested() || closeRequested());
      Atomics.store(control, PRODUCER_WAKE_AT, NEVER);
      continue;
    }
    const index = produced % slots;
    let n: number;
    try {
      n = stream.next(batches[index]);
    } catch (error) {
      // Events before the failure were published in earlier slots, so the consumer sees them first. The
      // message goes out before the slot that announces it, so it is waiting when the consumer looks.
      post({ type: 'failure', error: serializeError(error) });
      publish(index, ++produced, 0, stream.keySpace, FLAG_FAILED);
      return;
    }
    // Like a failure, the end's message (what a trace skipped) goes out before the slot announcing it.
    if (n === 0) post({ type: 'end', traceStats: stream.traceStats?.() ?? null });
    publish(index, ++produced, n, stream.keySpace, n === 0 ? FLAG_END : 0);
    if (n === 0) return;
  }
}

function run(): void {
  let stream: AccessStream | null = null;
  try {
    stream = createWorkload(spec, seed);
    control[TIMED] = stream.timed ? 1 : 0;
    control[INITIAL_KEY_SPACE] = stream.keySpace;
    Atomics.store(control, OPEN_STATE, OPEN_OK);
  } catch (error) {
    post({ type: 'failure', error: serializeError(error) });
    Atomics.store(control, OPEN_STATE, OPEN_FAILED);
  }
  Atomics.notify(control, OPEN_STATE);
  if (stream !== null) produce(stream);
  // Ended, failed or closed: stay to answer key names until the consumer closes.
  while (!closeRequested()) {
    serveNameRequest(stream);
    waitForConsumer(() => nameRequested() || closeRequested());
  }
  stream?.close();
  port.close();
  Atomics.store(control, CLOSED_ACK, 1);
  Atomics.notify(control, CLOSED_ACK);
}

run();
