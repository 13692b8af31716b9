import { doubledLength, grownFloat64, grownFreeList, grownInt32 } from '../collections/typed-array-growth.js';

/**
 * Write-behind's queues, one per node: writes the cache has taken (and the client has been told are
 * written) waiting for their flush to the database. Entries live in one pool of typed-array columns;
 * each node's queue is a FIFO list through `next`, and all pending entries of a key — on any node —
 * form a list through `olderOfKey`/`newerOfKey`, so that when a newer write is acknowledged, the
 * pending older versions learn the moment they were superseded (their staleness clock once persisted).
 */
export class WriteBehindQueues {
  key = new Int32Array(0);
  version = new Int32Array(0);
  /** The value's size in bytes (a real database's flush writes payloads of it). */
  size = new Int32Array(0);
  enqueuedAt = new Float64Array(0);
  /** When an acknowledged newer write superseded this entry's version; +Infinity: not yet. */
  supersededAt = new Float64Array(0);
  /** Next entry in its node's queue or flush batch; -1: none. */
  next = new Int32Array(0);
  private olderOfKey = new Int32Array(0);
  private newerOfKey = new Int32Array(0);
  private freeEntries = new Int32Array(0);
  private freeCount = 0;
  private capacity = 0;
  /** Newest pending entry of each key, or -1. */
  private newestOfKey = new Int32Array(0);

  /** Per node: queue head and tail (-1: empty), entries queued (not yet in a flush), entries pending (queued + in a flush not yet committed). */
  readonly head: Int32Array;
  readonly tail: Int32Array;
  readonly queued: Int32Array;
  readonly pending: Int32Array;
  /** Per node: the flush in flight (a request slot), or -1. One flusher per node, as a write-behind worker runs. */
  readonly flushing: Int32Array;
  /** Per node: time of the flush timer scheduled (+Infinity: none). */
  readonly timerAt: Float64Array;
  totalPending = 0;
  maxPending = 0;
  flushedWrites = 0;
  lostWrites = 0;

  constructor(nodes: number) {
    this.head = new Int32Array(nodes).fill(-1);
    this.tail = new Int32Array(nodes).fill(-1);
    this.queued = new Int32Array(nodes);
    this.pending = new Int32Array(nodes);
    this.flushing = new Int32Array(nodes).fill(-1);
    this.timerAt = new Float64Array(nodes).fill(Number.POSITIVE_INFINITY);
    this.grow(1024);
  }

  ensureKeySpace(keySpace: number): void {
    if (keySpace > this.newestOfKey.length) this.newestOfKey = grownInt32(this.newestOfKey, doubledLength(this.newestOfKey.length, keySpace), -1);
  }

  /** Queues a write of `version` of `key` (`size` bytes) on `node`, taken by the cache at `now`. */
  enqueue(node: number, key: number, version: number, size: number, now: number): void {
    if (this.freeCount === 0) this.grow(this.capacity * 2);
    const e = this.freeEntries[--this.freeCount];
    this.key[e] = key;
    this.version[e] = version;
    this.size[e] = size;
    this.enqueuedAt[e] = now;
    this.supersededAt[e] = Number.POSITIVE_INFINITY;
    this.next[e] = -1;
    const newest = this.newestOfKey[key];
    this.olderOfKey[e] = newest;
    this.newerOfKey[e] = -1;
    if (newest !== -1) this.newerOfKey[newest] = e;
    this.newestOfKey[key] = e;
    if (this.tail[node] === -1) this.head[node] = e;
    else this.next[this.tail[node]] = e;
    this.tail[node] = e;
    this.queued[node]++;
    this.pending[node]++;
    if (++this.totalPending > this.maxPending) this.maxPending = this.totalPending;
  }

  /** Takes up to `max` entries from the head of `node`'s queue as one batch; returns its first entry (linked through `next`) and sets `batchSize`. */
  takeBatch(node: number, max: number): number {
    const first = this.head[node];
    let last = first;
    let n = 1;
    while (n < max && this.next[last] !== -1) {
      last = this.next[last];
      n++;
    }
    this.head[node] = this.next[last];
    if (this.head[node] === -1) this.tail[node] = -1;
    this.next[last] = -1;
    this.queued[node] -= n;
    this.batchSize = n;
    return first;
  }

  batchSize = 0;

  /** A batch the database refused goes back to the front of its node's queue, in order. */
  requeueFront(node: number, first: number): void {
    let last = first;
    let n = 1;
    while (this.next[last] !== -1) {
      last = this.next[last];
      n++;
    }
    this.next[last] = this.head[node];
    if (this.head[node] === -1) this.tail[node] = last;
    this.head[node] = first;
    this.queued[node] += n;
  }

  /** A newer version of `key` was acknowledged at `now`: every pending older version is superseded from then on. */
  superseded(key: number, version: number, now: number): void {
    for (let e = this.newestOfKey[key]; e !== -1; e = this.olderOfKey[e]) {
      if (this.version[e] < version && this.supersededAt[e] === Number.POSITIVE_INFINITY) this.supersededAt[e] = now;
    }
  }

  /** An entry reached the database (`lost` false) or never will (its node crashed first); frees it. */
  settle(node: number, e: number, lost: boolean): void {
    const key = this.key[e];
    const older = this.olderOfKey[e];
    const newer = this.newerOfKey[e];
    if (older !== -1) this.newerOfKey[older] = newer;
    if (newer !== -1) this.olderOfKey[newer] = older;
    else this.newestOfKey[key] = older;
    this.pending[node]--;
    this.totalPending--;
    if (lost) this.lostWrites++;
    else this.flushedWrites++;
    this.freeEntries[this.freeCount++] = e;
  }

  /** The node crashed: everything still queued on it is lost; returns how many. (A flush already handed to the database is the engine's to settle.) */
  dropQueued(node: number): number {
    let lost = 0;
    for (let e = this.head[node]; e !== -1; ) {
      const next = this.next[e];
      this.settle(node, e, true);
      lost++;
      e = next;
    }
    this.head[node] = -1;
    this.tail[node] = -1;
    this.queued[node] = 0;
    return lost;
  }

  private grow(capacity: number): void {
    const old = this.capacity;
    this.key = grownInt32(this.key, capacity);
    this.version = grownInt32(this.version, capacity);
    this.size = grownInt32(this.size, capacity);
    this.enqueuedAt = grownFloat64(this.enqueuedAt, capacity);
    this.supersededAt = grownFloat64(this.supersededAt, capacity);
    this.next = grownInt32(this.next, capacity);
    this.olderOfKey = grownInt32(this.olderOfKey, capacity);
    this.newerOfKey = grownInt32(this.newerOfKey, capacity);
    this.freeEntries = grownFreeList(this.freeEntries, this.freeCount, old, capacity);
    this.freeCount += capacity - old;
    this.capacity = capacity;
  }
}
