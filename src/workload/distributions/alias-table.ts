import type { RandomSource } from '../../random/random-source.js';

/**
 * Walker's alias method with Vose's numerically stable construction (M. D. Vose, "A linear algorithm for
 * generating random numbers with a given distribution", IEEE TSE 17(9), 1991): O(n) set-up, then every
 * sample costs one uniform draw, one table lookup and one comparison, whatever the shape of the weights.
 * The sampled distribution is the given one up to float64 rounding of the bucket thresholds.
 */
export class AliasTable {
  /** Probability of keeping bucket i rather than jumping to alias[i]. */
  private readonly keep: Float64Array;
  private readonly alias: Int32Array;
  readonly size: number;

  /** `weights` need not be normalised; they must be finite, ≥ 0 and not all 0. */
  constructor(weights: Float64Array) {
    const n = weights.length;
    this.size = n;
    this.keep = new Float64Array(n);
    this.alias = new Int32Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i];
    // Scaled so that the average bucket holds exactly 1.
    const scaled = this.keep;
    for (let i = 0; i < n; i++) scaled[i] = (weights[i] * n) / total;
    // Two stacks in one array: small buckets grow up from 0, large ones down from n−1.
    const work = new Int32Array(n);
    let small = 0;
    let large = n;
    for (let i = 0; i < n; i++) {
      if (scaled[i] < 1) work[small++] = i;
      else work[--large] = i;
    }
    while (small > 0 && large < n) {
      const s = work[--small];
      const l = work[large++];
      this.alias[s] = l;
      // `keep[s]` stays as scaled[s]; the large bucket donates 1 − scaled[s] of its mass to fill s.
      scaled[l] = scaled[l] + scaled[s] - 1;
      if (scaled[l] < 1) work[small++] = l;
      else work[--large] = l;
    }
    // Left-overs differ from 1 only by rounding: they keep themselves (Vose's fix).
    while (large < n) {
      const l = work[large++];
      scaled[l] = 1;
      this.alias[l] = l;
    }
    while (small > 0) {
      const s = work[--small];
      scaled[s] = 1;
      this.alias[s] = s;
    }
  }

  /** An index in [0, size), drawn with probability weights[i] / Σ weights. */
  sample(rng: RandomSource): number {
    // One 53-bit uniform supplies both the bucket (high part) and the coin (the fraction left over).
    const u = rng.nextFloat() * this.size;
    const bucket = Math.floor(u);
    return u - bucket < this.keep[bucket] ? bucket : this.alias[bucket];
  }
}
