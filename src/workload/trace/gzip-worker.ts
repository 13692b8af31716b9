import * as fs from 'node:fs';
import { pipeline, Writable } from 'node:stream';
import { workerData } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import {
  CLOSE_REQUESTED,
  CLOSED_ACK,
  CONSUMED,
  DOORBELL,
  ENDED,
  FAILED,
  type GzipRingBuffers,
  GzipRingViews,
  PRODUCED,
  SLOT_BYTES,
  SLOTS,
  STARTED,
  STATE,
} from './gzip-ring.js';

/**
 * The producer side of a gzip trace (see gzip-ring.ts): inflates the file with zlib's streaming Gunzip
 * (which also reads concatenated gzip members, as `gzip -d` does) and copies its output into the ring,
 * blocking in Atomics.wait while the ring is full. Blocking the thread is what pauses the stream: no
 * more output is produced until the reader has made room.
 */

interface GzipWorkerData {
  path: string;
  ring: GzipRingBuffers;
}

const { path, ring } = workerData as GzipWorkerData;
const views = new GzipRingViews(ring);
const { control, lengths, data } = views;
let produced = 0;
/** Bytes written into the slot being filled (slot produced % SLOTS). */
let filled = 0;
let decompressed = 0;
let finished = false;

function closeRequested(): boolean {
  return Atomics.load(control, CLOSE_REQUESTED) !== 0;
}

/** Waits until the slot to fill next is free; false if the reader closed meanwhile. */
function awaitFreeSlot(): boolean {
  for (;;) {
    const bell = Atomics.load(control, DOORBELL);
    if (closeRequested()) return false;
    if (produced - Atomics.load(control, CONSUMED) < SLOTS) return true;
    Atomics.wait(control, DOORBELL, bell);
  }
}

function publish(): void {
  lengths[produced % SLOTS] = filled;
  filled = 0;
  Atomics.store(control, PRODUCED, ++produced);
  Atomics.notify(control, PRODUCED);
}

function finish(state: number, message: string | null): void {
  if (finished) return;
  finished = true;
  if (message !== null) views.writeError(message);
  Atomics.store(control, STATE, state);
  Atomics.notify(control, PRODUCED);
}

const sink = new Writable({
  highWaterMark: 0,
  write(chunk: Buffer, _encoding, callback) {
    let offset = 0;
    while (offset < chunk.length) {
      if (filled === 0 && !awaitFreeSlot()) {
        callback(new Error('closed by the reader'));
        return;
      }
      const n = Math.min(SLOT_BYTES - filled, chunk.length - offset);
      data.set(chunk.subarray(offset, offset + n), (produced % SLOTS) * SLOT_BYTES + filled);
      filled += n;
      offset += n;
      if (filled === SLOT_BYTES) publish();
    }
    decompressed += chunk.length;
    callback();
  },
  final(callback) {
    if (filled > 0 && awaitFreeSlot()) publish();
    finish(ENDED, null);
    callback();
  },
});

function acknowledgeClose(): void {
  Atomics.store(control, CLOSED_ACK, 1);
  Atomics.notify(control, CLOSED_ACK);
}

process.on('uncaughtException', (error) => {
  finish(FAILED, `the gunzip thread failed: ${error.message}`);
  acknowledgeClose();
});

const input = fs.createReadStream(path, { highWaterMark: 1 << 20 });
input.once('open', () => {
  Atomics.store(control, STARTED, 1);
  Atomics.notify(control, PRODUCED);
});
pipeline(input, zlib.createGunzip({ chunkSize: 128 * 1024 }), sink, (error) => {
  if (error && !closeRequested()) {
    const code = (error as NodeJS.ErrnoException).code;
    const what =
      code?.startsWith('Z_') || /header|unexpected end|invalid/i.test(error.message)
        ? 'not a valid gzip stream'
        : 'could not be read';
    finish(FAILED, `${what} (${error.message}) after ${decompressed.toLocaleString('en-US')} decompressed bytes`);
  } else {
    finish(ENDED, null);
  }
  acknowledgeClose();
});
