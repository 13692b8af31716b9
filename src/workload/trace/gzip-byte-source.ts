import type { Worker } from 'node:worker_threads';
import { InputError, RunFailure } from '../../errors.js';
import { startWorker } from '../../threads/worker-script.js';
import type { ByteSource } from './byte-source.js';
import {
  allocateGzipRing,
  CLOSE_REQUESTED,
  CLOSED_ACK,
  CONSUMED,
  DOORBELL,
  ENDED,
  FAILED,
  GzipRingViews,
  PRODUCED,
  RUNNING,
  SLOT_BYTES,
  SLOTS,
  STARTED,
  STATE,
} from './gzip-ring.js';

/** Generous: the thread only loads three modules and opens the file. */
const START_TIMEOUT_MS = 60_000;
/** How long close() lets the thread close its file before terminating it. */
const CLOSE_GRACE_MS = 1_000;

/**
 * The decompressed content of a gzip file, pulled synchronously: a worker thread inflates it into a
 * shared ring (gzip-ring.ts) and `read` takes bytes out of it, sleeping in Atomics.wait while the
 * thread is behind. Memory is the ring (1 MiB) whatever the file's size. A corrupt or truncated file
 * is an InputError naming it, after every byte before the damage has been read.
 */
export class GzipByteSource implements ByteSource {
  private readonly views: GzipRingViews;
  private readonly worker: Worker;
  private acquired = 0;
  private readFrom = 0;
  private unread = 0;
  private holding = false;
  private closed = false;

  constructor(
    path: string,
    private readonly displayName: string,
  ) {
    const ring = allocateGzipRing();
    this.views = new GzipRingViews(ring);
    this.worker = startWorker(import.meta.url, 'gzip-worker', { path, ring });
    // A reader left open must not keep the process alive.
    this.worker.unref();
  }

  read(into: Uint8Array, offset: number, length: number): number {
    if (this.unread === 0 && !this.acquireSlot()) return 0;
    const n = Math.min(length, this.unread);
    into.set(this.views.data.subarray(this.readFrom, this.readFrom + n), offset);
    this.readFrom += n;
    this.unread -= n;
    if (this.unread === 0) this.releaseSlot();
    return n;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const control = this.views.control;
    Atomics.store(control, CLOSE_REQUESTED, 1);
    this.ringDoorbell();
    // Let the thread close its file descriptor (it belongs to the process and would outlive the thread).
    Atomics.wait(control, CLOSED_ACK, 0, CLOSE_GRACE_MS);
    void this.worker.terminate();
  }

  /** Waits for the next slot; false at the end of the stream. */
  private acquireSlot(): boolean {
    if (this.closed) throw new RunFailure(`${this.displayName}: read after the trace was closed`);
    const control = this.views.control;
    const started = Date.now();
    for (;;) {
      const produced = Atomics.load(control, PRODUCED);
      if (produced !== this.acquired) break;
      const state = Atomics.load(control, STATE);
      // The state is stored after the last slot is published: look at PRODUCED once more before ending.
      if (state !== RUNNING && Atomics.load(control, PRODUCED) === this.acquired) {
        if (state === ENDED) return false;
        if (state === FAILED) throw new InputError(`${this.displayName}: ${this.views.readError()}`);
      }
      if (Atomics.load(control, STARTED) === 0 && Date.now() - started > START_TIMEOUT_MS) {
        throw new RunFailure(`${this.displayName}: the gunzip thread did not start within ${START_TIMEOUT_MS / 1000} s`);
      }
      Atomics.wait(control, PRODUCED, produced, 1000);
    }
    const index = this.acquired % SLOTS;
    this.acquired++;
    this.readFrom = index * SLOT_BYTES;
    this.unread = this.views.lengths[index];
    this.holding = true;
    if (this.unread === 0) {
      this.releaseSlot();
      return this.acquireSlot();
    }
    return true;
  }

  private releaseSlot(): void {
    if (!this.holding) return;
    this.holding = false;
    Atomics.store(this.views.control, CONSUMED, this.acquired);
    this.ringDoorbell();
  }

  private ringDoorbell(): void {
    Atomics.add(this.views.control, DOORBELL, 1);
    Atomics.notify(this.views.control, DOORBELL);
  }
}
