import { NO_SLOT } from './slot-list.js';

/** Redis's EVPOOL_SIZE. */
export const EVICTION_POOL_SIZE = 16;

/**
 * Redis's eviction pool: the best eviction candidates seen so far, kept between evictions, in ascending
 * score (idle time, or 255 − LFU counter) from left to right, filled from the left. Keys are stored by
 * id and looked up again when taken, as Redis stores key names: a key deleted since it was sampled is
 * skipped, and a score is as old as its sample (a key touched since may still be taken). A key sampled
 * twice may sit in the pool twice, as in Redis.
 * Source: Redis `src/evict.c`, `evictionPoolPopulate` and the pick loop in `performEvictions`.
 */
export class RedisEvictionPool {
  private readonly keys = new Int32Array(EVICTION_POOL_SIZE).fill(NO_SLOT);
  private readonly scores = new Float64Array(EVICTION_POOL_SIZE);

  /** Offers a sampled key; a score below every pooled one is dropped when the pool is full. */
  offer(key: number, score: number): void {
    const keys = this.keys;
    const scores = this.scores;
    const last = EVICTION_POOL_SIZE - 1;
    let k = 0;
    while (k < EVICTION_POOL_SIZE && keys[k] !== NO_SLOT && scores[k] < score) k++;
    if (k === 0 && keys[last] !== NO_SLOT) return;
    if (k < EVICTION_POOL_SIZE && keys[k] === NO_SLOT) {
      // An empty bucket: nothing to move.
    } else if (keys[last] === NO_SLOT) {
      // Room on the right: shift [k, last) one place right.
      keys.copyWithin(k + 1, k, last);
      scores.copyWithin(k + 1, k, last);
    } else {
      // Full: drop the leftmost (smallest score) and insert just before the first larger one.
      k--;
      keys.copyWithin(0, 1, k + 1);
      scores.copyWithin(0, 1, k + 1);
    }
    keys[k] = key;
    scores[k] = score;
  }

  /** Removes and returns the rightmost (best) pooled key, or NO_SLOT when the pool is empty. */
  takeBest(): number {
    for (let k = EVICTION_POOL_SIZE - 1; k >= 0; k--) {
      const key = this.keys[k];
      if (key === NO_SLOT) continue;
      this.keys[k] = NO_SLOT;
      this.scores[k] = 0;
      return key;
    }
    return NO_SLOT;
  }

  /** Throws unless the pool is left-packed and its scores ascend. */
  checkOrder(label: string): void {
    let seenEmpty = false;
    for (let k = 0; k < EVICTION_POOL_SIZE; k++) {
      if (this.keys[k] === NO_SLOT) {
        seenEmpty = true;
        continue;
      }
      if (seenEmpty) throw new Error(`${label}: eviction pool has a key at ${k} after an empty bucket`);
      if (k > 0 && this.scores[k] < this.scores[k - 1]) throw new Error(`${label}: eviction pool scores descend at ${k}`);
    }
  }
}
