import type { RandomSource } from '../../random/random-source.js';
import type { KeyDistribution } from './key-distribution.js';

/** Every key equally likely (YCSB's UniformLongGenerator). */
export class UniformKeys implements KeyDistribution {
  constructor(
    readonly keySpace: number,
    private readonly rng: RandomSource,
  ) {}

  nextKey(): number {
    return this.rng.nextInt(this.keySpace);
  }

  nextWriteKey(): number {
    return this.rng.nextInt(this.keySpace);
  }
}
