import { doubledLength, grownInt32, grownUint8 } from '../collections/typed-array-growth.js';
import { type AccessBatch, OP_GET } from '../workload/access-event.js';

/** Next use of a request that has none (no later read before the key is written again). */
const NEVER = 0x7fffffff;

/**
 * The request sequence kept in memory for Belady (which needs the future) and for replaying policies
 * without reading the trace again: 9 bytes per request (key, op, size), plus 4 (next use) while Belady
 * runs — 130 MB for 10M requests. The one part of `analyze` whose memory grows with the trace's length,
 * so it is capped (see analyze-trace.ts).
 */
export class RequestSequence {
  keys = new Int32Array(1 << 16);
  ops = new Uint8Array(1 << 16);
  sizes = new Int32Array(1 << 16);
  length = 0;
  keySpace = 0;

  append(batch: AccessBatch, n: number): void {
    if (this.length + n > this.keys.length) {
      const length = doubledLength(this.keys.length, this.length + n);
      this.keys = grownInt32(this.keys, length);
      this.ops = grownUint8(this.ops, length);
      this.sizes = grownInt32(this.sizes, length);
    }
    const { key, op, size } = batch;
    const at = this.length;
    this.keys.set(key.subarray(0, n), at);
    this.ops.set(op.subarray(0, n), at);
    this.sizes.set(size.subarray(0, n), at);
    for (let i = 0; i < n; i++) if (key[i] >= this.keySpace) this.keySpace = key[i] + 1;
    this.length += n;
  }

  /** Replays the sequence as batches (for the policy replays). */
  forEachBatch(batch: AccessBatch, visit: (batch: AccessBatch, n: number) => void): void {
    for (let at = 0; at < this.length; at += batch.capacity) {
      const n = Math.min(batch.capacity, this.length - at);
      batch.key.set(this.keys.subarray(at, at + n));
      batch.op.set(this.ops.subarray(at, at + n));
      batch.size.set(this.sizes.subarray(at, at + n));
      batch.length = n;
      visit(batch, n);
    }
  }
}

/**
 * For each read, the index of the next read of the same key, or NEVER when the key is written (set or
 * deleted) first or never read again: a write invalidates the cached copy, so a later read cannot use it.
 * One backward pass with the next read of every key in hand.
 */
export function nextUses(sequence: RequestSequence): Int32Array {
  const { keys, ops, length } = sequence;
  const next = new Int32Array(length);
  const nextReadOf = new Int32Array(sequence.keySpace).fill(NEVER);
  for (let i = length - 1; i >= 0; i--) {
    const key = keys[i];
    if (ops[i] === OP_GET) {
      next[i] = nextReadOf[key];
      nextReadOf[key] = i;
    } else {
      next[i] = NEVER;
      nextReadOf[key] = NEVER;
    }
  }
  return next;
}

/**
 * Belady's MIN (Belady, "A study of replacement algorithms for a virtual-storage computer", IBM Systems
 * Journal, 1966): on a miss with the cache full, evict the cached key whose next use is furthest away.
 * The optimum hit count for a cache of `capacity` entries, an upper bound for every policy.
 *
 * Semantics of libCacheSim's Belady (cache/eviction/Belady.c), whose counts test/policies.test.ts checks:
 * every missed object is admitted, even one never used again (its next use is "infinity", so it is the
 * next victim) — an optimum that may bypass the cache would count the same hits here, since such an
 * object is evicted before anything useful. Eviction happens before insertion, so the incoming object is
 * never its own victim. A write removes the key (delete-on-write), as in the curve and the replays.
 *
 * A max-heap of cached keys by next use: O(log capacity) per request.
 */
export function beladyHits(sequence: RequestSequence, next: Int32Array, capacity: number): { hits: number; hitBytes: number } {
  const { keys, ops, sizes, length } = sequence;
  const slots = Math.min(capacity, sequence.keySpace) + 1;
  const heapKey = new Int32Array(slots);
  const heapNext = new Int32Array(slots);
  const heapIndexOf = new Int32Array(sequence.keySpace).fill(-1);
  let size = 0;
  let hits = 0;
  let hitBytes = 0;

  const siftUp = (start: number, key: number, nextUse: number) => {
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heapNext[parent] >= nextUse) break;
      heapKey[i] = heapKey[parent];
      heapNext[i] = heapNext[parent];
      heapIndexOf[heapKey[i]] = i;
      i = parent;
    }
    heapKey[i] = key;
    heapNext[i] = nextUse;
    heapIndexOf[key] = i;
  };
  const siftDown = (start: number, key: number, nextUse: number) => {
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && heapNext[child + 1] > heapNext[child]) child++;
      if (heapNext[child] <= nextUse) break;
      heapKey[i] = heapKey[child];
      heapNext[i] = heapNext[child];
      heapIndexOf[heapKey[i]] = i;
      i = child;
    }
    heapKey[i] = key;
    heapNext[i] = nextUse;
    heapIndexOf[key] = i;
  };
  /** Removes the entry at heap index `i`. */
  const removeAt = (i: number) => {
    heapIndexOf[heapKey[i]] = -1;
    size--;
    if (i === size) return;
    const key = heapKey[size];
    const nextUse = heapNext[size];
    if (i > 0 && heapNext[(i - 1) >> 1] < nextUse) siftUp(i, key, nextUse);
    else siftDown(i, key, nextUse);
  };

  for (let r = 0; r < length; r++) {
    const key = keys[r];
    const at = heapIndexOf[key];
    if (ops[r] !== OP_GET) {
      if (at >= 0) removeAt(at);
      continue;
    }
    const nextUse = next[r];
    if (at >= 0) {
      hits++;
      hitBytes += sizes[r];
      // The next use only moves later: the entry rises in the max-heap.
      siftUp(at, key, nextUse);
      continue;
    }
    if (size >= capacity) removeAt(0);
    siftUp(size++, key, nextUse);
  }
  return { hits, hitBytes };
}
