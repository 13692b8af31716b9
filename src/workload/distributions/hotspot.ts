import type { RandomSource } from '../../random/random-source.js';
import type { KeyDistribution } from './key-distribution.js';

/**
 * YCSB's HotspotIntegerGenerator: with probability `hotProbability` a request picks uniformly among the
 * first ⌊hotFraction·N⌋ keys (the hot set), otherwise uniformly among the rest. As in YCSB, an empty hot
 * or cold set sends every request to the other one.
 */
export class HotspotKeys implements KeyDistribution {
  private readonly hotCount: number;
  private readonly coldCount: number;

  constructor(
    readonly keySpace: number,
    hotFraction: number,
    private readonly hotProbability: number,
    private readonly rng: RandomSource,
  ) {
    this.hotCount = Math.floor(keySpace * hotFraction);
    this.coldCount = keySpace - this.hotCount;
  }

  nextKey(): number {
    const rng = this.rng;
    const hot = this.coldCount === 0 || (this.hotCount > 0 && rng.nextFloat() < this.hotProbability);
    return hot ? rng.nextInt(this.hotCount) : this.hotCount + rng.nextInt(this.coldCount);
  }

  nextWriteKey(): number {
    return this.nextKey();
  }
}
