import { parentPort, workerData } from 'node:worker_threads';
import { failureReply, type WorkerReply } from '../threads/worker-reply.js';
import type { ReplayOutcome } from './replay.js';
import type { RingBuffers } from '../workload/prefetch-ring.js';
import { ringReader } from '../workload/prefetched-stream.js';
import { SharedStopLimit, StoppableStream } from '../workload/stoppable-stream.js';
import { replayLanes, type SweepLane } from './sweep-lanes.js';

export interface SweepWorkerData {
  ring: RingBuffers;
  /** This thread's reader index in the ring (≥ 1; reader 0 is the thread that started the sweep). */
  reader: number;
  /** The replays this thread runs: runs' caches (and a timed sweep's baseline). */
  lanes: SweepLane[];
  /** The limit that stops every thread of the sweep at the same request (this thread claims as reader − 1). */
  stopLimit: SharedArrayBuffer;
}

/** Worker entry: one thread's share of a sweep's lanes (sweep.ts), posted back as their outcomes. */
const { ring, reader, lanes, stopLimit } = workerData as SweepWorkerData;
let stream = null;
let reply: WorkerReply<ReplayOutcome[]>;
try {
  stream = new StoppableStream(ringReader(ring, reader), new SharedStopLimit(stopLimit), reader - 1);
  reply = { outcome: replayLanes(stream, lanes) };
} catch (error) {
  reply = failureReply(error);
}
// Releases the ring before replying, whatever happened: a reader that stopped must not hold the others back.
stream?.close();
parentPort!.postMessage(reply);
