/**
 * The shared memory between the gunzip thread (producer: gzip-worker.ts) and the trace reader that pulls
 * decompressed bytes synchronously (consumer: gzip-byte-source.ts). Node's zlib inflates incrementally
 * only through its asynchronous streams — the synchronous API (gunzipSync) takes a whole buffer — so the
 * inflating runs on a worker thread's event loop and its output crosses over in a ring of fixed-size
 * slots: memory stays constant (SLOTS × SLOT_BYTES), and inflating overlaps parsing on a second core.
 *
 * Slot i lives at index i % SLOTS. PRODUCED and CONSUMED count slots published and released; each side
 * writes its counter with Atomics.store after touching the slot, which orders the plain writes before it.
 * The consumer sleeps on PRODUCED; the producer sleeps on DOORBELL, which the consumer rings when it
 * releases a slot or asks the producer to stop.
 */

export const PRODUCED = 0;
export const CONSUMED = 1;
export const DOORBELL = 2;
/** RUNNING until the producer has published its last slot, then ENDED or FAILED. */
export const STATE = 3;
/** Set by the consumer to stop the producer early. */
export const CLOSE_REQUESTED = 4;
/** Set by the producer once its file is closed. */
export const CLOSED_ACK = 5;
/** Set by the producer once its modules are loaded and the file is open. */
export const STARTED = 6;
/** Byte length of the UTF-8 failure message in `error`. */
export const ERROR_LENGTH = 7;
const CONTROL_WORDS = 8;

export const RUNNING = 0;
export const ENDED = 1;
export const FAILED = 2;

/** 4 × 256 KiB: a slot holds thousands of trace lines, so the per-slot handshake is rare. */
export const SLOTS = 4;
export const SLOT_BYTES = 256 * 1024;
const ERROR_BYTES = 2048;

export interface GzipRingBuffers {
  control: SharedArrayBuffer;
  lengths: SharedArrayBuffer;
  data: SharedArrayBuffer;
  error: SharedArrayBuffer;
}

export function allocateGzipRing(): GzipRingBuffers {
  return {
    control: new SharedArrayBuffer(CONTROL_WORDS * 4),
    lengths: new SharedArrayBuffer(SLOTS * 4),
    data: new SharedArrayBuffer(SLOTS * SLOT_BYTES),
    error: new SharedArrayBuffer(ERROR_BYTES),
  };
}

export class GzipRingViews {
  readonly control: Int32Array;
  readonly lengths: Int32Array;
  readonly data: Uint8Array;
  readonly error: Uint8Array;

  constructor(buffers: GzipRingBuffers) {
    this.control = new Int32Array(buffers.control);
    this.lengths = new Int32Array(buffers.lengths);
    this.data = new Uint8Array(buffers.data);
    this.error = new Uint8Array(buffers.error);
  }

  /** Writes the failure message (truncated to fit) for the consumer to read. */
  writeError(message: string): void {
    const bytes = Buffer.from(message, 'utf8').subarray(0, this.error.length);
    this.error.set(bytes);
    Atomics.store(this.control, ERROR_LENGTH, bytes.length);
  }

  readError(): string {
    return Buffer.from(this.error.slice(0, Atomics.load(this.control, ERROR_LENGTH))).toString('utf8');
  }
}
