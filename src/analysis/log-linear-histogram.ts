/**
 * A histogram of non-negative values in log-linear bins, after HdrHistogram's layout: values below
 * 2^SUB_BITS get one bin per whole unit (exact for small integers); above, each power-of-two range is split
 * into 2^SUB_BITS equal bins, so a bin's width is at most 1/128 (0.8%) of its lower bound. Memory is fixed
 * (64 octaves × 128 bins), recording allocates nothing, and weights may be fractional (SHARDS scales them).
 */

const SUB_BITS = 7;
const SUB = 1 << SUB_BITS;
const OCTAVES = 64;
const BINS = SUB + (OCTAVES - SUB_BITS) * SUB;

/** One power-of-two range of a histogram: values in [from, to], with their total weight. */
export interface Log2Bucket {
  from: number;
  to: number;
  count: number;
}

export class LogLinearHistogram {
  readonly weights = new Float64Array(BINS);
  total = 0;
  /** The largest value recorded (exact, not binned). */
  max = 0;

  record(value: number, weight = 1): void {
    this.weights[binOf(value)] += weight;
    this.total += weight;
    if (value > this.max) this.max = value;
  }

  /** Multiplies every weight by `factor` (fixed-size SHARDS lowers its sampling rate this way). */
  scale(factor: number): void {
    const weights = this.weights;
    for (let i = 0; i < BINS; i++) weights[i] *= factor;
    this.total *= factor;
  }

  /**
   * The value below which a `q` share of the weight lies: the lower bound of the bin that crosses it
   * (exact for values below 128, within 0.8% above). null when empty.
   */
  quantile(q: number): number | null {
    if (!(this.total > 0)) return null;
    const target = q * this.total;
    let cumulative = 0;
    for (let bin = 0; bin < BINS; bin++) {
      cumulative += this.weights[bin];
      if (cumulative >= target && this.weights[bin] > 0) return Math.min(binLowerBound(bin), this.max);
    }
    return this.max;
  }

  /** Weight of values strictly below `limit`, interpolating linearly inside the bin that straddles it. */
  weightBelow(limit: number): number {
    if (limit <= 0) return 0;
    const last = binOf(limit);
    let sum = 0;
    for (let bin = 0; bin < last; bin++) sum += this.weights[bin];
    const lower = binLowerBound(last);
    const width = binLowerBound(last + 1) - lower;
    return sum + (this.weights[last] * (limit - lower)) / width;
  }

  /** The weights regrouped by powers of two: [0, 1), [1, 2), [2, 4), [4, 8), … — trailing empty ranges dropped. */
  log2Buckets(): Log2Bucket[] {
    const buckets: Log2Bucket[] = [];
    const weights = this.weights;
    let lastNonEmpty = -1;
    for (let bin = 0; bin < BINS; bin++) {
      if (weights[bin] === 0) continue;
      const lower = binLowerBound(bin);
      const index = lower < 1 ? 0 : Math.floor(Math.log2(lower)) + 1;
      while (buckets.length <= index) {
        const i = buckets.length;
        buckets.push({ from: i === 0 ? 0 : 2 ** (i - 1), to: i === 0 ? 0 : 2 ** i - 1, count: 0 });
      }
      buckets[index].count += weights[bin];
      lastNonEmpty = Math.max(lastNonEmpty, index);
    }
    return buckets.slice(0, lastNonEmpty + 1);
  }
}

/** The bin of a value ≥ 0: integer arithmetic below 2^31 (the hot path), logarithms above. */
export function binOf(value: number): number {
  if (value < 2147483648) {
    const v = value > 0 ? value | 0 : 0;
    if (v < SUB) return v;
    // v in [2^e, 2^(e+1)): bin = (e − SUB_BITS) × SUB + v / 2^(e − SUB_BITS), the quotient in [SUB, 2·SUB).
    const shift = 31 - Math.clz32(v) - SUB_BITS;
    return (shift << SUB_BITS) + (v >>> shift);
  }
  const exponent = Math.floor(Math.log2(value));
  if (exponent >= OCTAVES) return BINS - 1;
  const shift = exponent - SUB_BITS;
  return shift * SUB + Math.floor(value / 2 ** shift);
}

/** The smallest value that falls in `bin`. */
export function binLowerBound(bin: number): number {
  if (bin < SUB) return bin;
  const octave = Math.floor((bin - SUB) / SUB);
  const exponent = octave + SUB_BITS;
  return 2 ** exponent + (bin - SUB - octave * SUB) * 2 ** (exponent - SUB_BITS);
}
