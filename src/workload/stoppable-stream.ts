import type { AccessBatch, AccessStream } from './access-event.js';
import { WrappedStream } from './wrapped-stream.js';

/**
 * A stream a run can stop (Ctrl-C): after `stopAt(n)` it hands out no event past the n-th, cutting a batch
 * there. `taken` counts what it handed out: a stopped run's with-cache replay and its no-cache baseline
 * are cut at the same count, so they still compare the same requests. With a `SharedStopLimit`, the limit
 * comes from another thread (the baseline replayed in a worker).
 */
export class StoppableStream extends WrappedStream {
  taken = 0;
  private limit = Number.POSITIVE_INFINITY;

  constructor(
    source: AccessStream,
    private readonly shared?: SharedStopLimit,
    /** Which of the shared limit's worker threads reads this stream (a sweep has several). */
    private readonly claimant = 0,
  ) {
    super(source);
  }

  /** Hands out at most `count` events in all (more than the stream holds: it ends at its end). */
  stopAt(count: number): void {
    this.limit = count;
  }

  next(batch: AccessBatch): number {
    const room = Math.min(this.limit, this.shared?.allowance(this.taken, batch.capacity, this.claimant) ?? Number.POSITIVE_INFINITY) - this.taken;
    if (room <= 0) {
      batch.length = 0;
      return 0;
    }
    let n = this.source.next(batch);
    if (n > room) {
      n = room;
      batch.length = n;
    }
    this.taken += n;
    return n;
  }
}

const NO_LIMIT = -1n;
const LIMIT_PENDING = -2n;

/**
 * A stop limit shared by threads through shared memory: the main thread's replay with the cache and
 * the worker's no-cache baseline (or a sweep's lane threads, each a claimant of its own) stop at the same
 * request count, whichever of them was ahead. Before each
 * batch the worker publishes how far that batch may take it (its claim), then reads the limit; to stop,
 * the main thread marks the limit pending, reads the claim and sets the limit to at least both threads'
 * positions. With sequentially consistent atomics, either the worker sees the mark (and waits for the
 * limit) or the main thread sees the worker's claim: no batch runs past the limit unseen.
 */
export class SharedStopLimit {
  /** [0]: the limit (−1 none, −2 being set); [1 + i]: worker i's claim. */
  private readonly cells: BigInt64Array;

  /** Over the memory `create()` made, in either thread. */
  constructor(readonly buffer: SharedArrayBuffer) {
    this.cells = new BigInt64Array(buffer);
  }

  static create(claimants = 1): SharedStopLimit {
    const limit = new SharedStopLimit(new SharedArrayBuffer(8 * (1 + claimants)));
    Atomics.store(limit.cells, 0, NO_LIMIT);
    return limit;
  }

  /** Worker side: how far the next batch (up to `capacity` events) may take a stream that has handed out `taken`. */
  allowance(taken: number, capacity: number, claimant = 0): number {
    Atomics.store(this.cells, 1 + claimant, BigInt(taken + capacity));
    let limit = Atomics.load(this.cells, 0);
    while (limit === LIMIT_PENDING) {
      Atomics.wait(this.cells, 0, LIMIT_PENDING, 1000);
      limit = Atomics.load(this.cells, 0);
    }
    return limit === NO_LIMIT ? Number.POSITIVE_INFINITY : Number(limit);
  }

  /** Main side: stops every thread at a count at least `taken` (the main thread's) and each worker's position; returns it. */
  stop(taken: number): number {
    Atomics.store(this.cells, 0, LIMIT_PENDING);
    let limit = taken;
    for (let i = 1; i < this.cells.length; i++) limit = Math.max(limit, Number(Atomics.load(this.cells, i)));
    Atomics.store(this.cells, 0, BigInt(limit));
    Atomics.notify(this.cells, 0);
    return limit;
  }
}
