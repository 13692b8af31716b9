import { InputError } from '../../errors.js';
import type { RandomSource } from '../../random/random-source.js';
import type { KeyDistribution } from './key-distribution.js';
import { ZipfRejectionInversion } from './zipf-rejection-inversion.js';

/**
 * YCSB's SkewedLatestGenerator ("workload D": read what was just written), defined here as:
 *
 * - The keyspace starts with `keys` loaded keys, 0..keys−1, key keys−1 being the newest.
 * - A read (get or delete) draws a Zipf rank k ∈ 1..n over the current keyspace size n (exact Zipf, the
 *   scenario's α) and returns key n − k: rank 1 is the newest key, rank n the oldest.
 * - A write (set) inserts the next new key, n, and the keyspace grows to n + 1 — so `keySpace` grows
 *   over the run, like a trace's.
 *
 * YCSB reads `max − zipf(max)` with its approximate Zipfian over [0, max), which never returns key 0;
 * ranking from 1 over all n keys keeps the pmf exact and reaches every key. The sampler is
 * rejection-inversion because its only n-dependent constant updates in O(1) when a write grows n.
 */
export class LatestKeys implements KeyDistribution {
  private readonly ranks: ZipfRejectionInversion;
  private count: number;

  constructor(
    initialKeys: number,
    alpha: number,
    private readonly rng: RandomSource,
  ) {
    if (!(alpha > 0) || !Number.isFinite(alpha)) {
      throw new InputError(`latest distribution alpha must be a number > 0, got ${alpha}`);
    }
    this.count = initialKeys;
    this.ranks = new ZipfRejectionInversion(initialKeys, alpha);
  }

  get keySpace(): number {
    return this.count;
  }

  nextKey(): number {
    return this.count - this.ranks.sample(this.rng);
  }

  nextWriteKey(): number {
    const key = this.count;
    if (key === 0x7fffffff) {
      throw new InputError('latest distribution: more than 2^31−1 keys inserted; lower requests or the set fraction');
    }
    this.count = key + 1;
    this.ranks.setCount(this.count);
    return key;
  }
}
