import { build, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { doubledLength, grownFloat64 } from '../collections/typed-array-growth.js';

/**
 * A latency histogram with HdrHistogram's log-linear layout (Gil Tene's HdrHistogram: buckets of
 * doubling width, each split into `subBucketCount` linear sub-buckets), recording integer microseconds.
 * We keep our own copy of the layout in a typed array because recording is the engine's hottest call:
 * an index computation and an increment, ~10× faster than hdr-histogram-js's recordValue. The layout is
 * the same, so `encode()` hands it to hdr-histogram-js without loss, in HdrHistogram's standard compressed
 * base64 form (values in microseconds) that any HdrHistogram library can decode and merge.
 *
 * With `significantDigits = 3` every recorded value is kept to within 0.1%; percentiles report the
 * highest value equivalent to the bucket holding the percentile, as HdrHistogram does. Mean and max are
 * tracked exactly.
 */
/** Every sample of a histogram as plain data, for another thread (structured clone); `LatencyHistogram.addState` takes it in. */
export interface LatencyHistogramState {
  significantDigits: 1 | 2 | 3;
  /** Counts per bucket, up to the last non-empty one. */
  counts: Float64Array;
  count: number;
  sumMicros: number;
  maxMicros: number;
  minMicros: number;
}

export class LatencyHistogram {
  private counts: Float64Array;
  private readonly subBucketHalfCountMagnitude: number;
  private readonly subBucketHalfCount: number;
  private readonly subBucketMask: number;
  count = 0;
  private sum = 0;
  private maxMicros = 0;
  private minMicros = Number.POSITIVE_INFINITY;

  constructor(readonly significantDigits: 1 | 2 | 3 = 3) {
    const largestSingleUnitResolution = 2 * 10 ** significantDigits;
    const subBucketCountMagnitude = Math.ceil(Math.log2(largestSingleUnitResolution));
    this.subBucketHalfCountMagnitude = subBucketCountMagnitude - 1;
    this.subBucketHalfCount = 1 << this.subBucketHalfCountMagnitude;
    this.subBucketMask = (1 << subBucketCountMagnitude) - 1;
    // Room for values up to 2^24 µs (~16.8 s); grows on demand.
    this.counts = new Float64Array(this.indexOf(2 ** 24) + 1);
  }

  /** Records one latency given in milliseconds (rounded to the nearest microsecond, at least 0). */
  recordMs(ms: number): void {
    let micros = Math.round(ms * 1000);
    if (!(micros > 0)) micros = 0;
    this.recordMicros(micros);
  }

  recordMicros(micros: number): void {
    const index = this.indexOf(micros);
    if (index >= this.counts.length) this.grow(index);
    this.counts[index]++;
    this.count++;
    this.sum += micros;
    if (micros > this.maxMicros) this.maxMicros = micros;
    if (micros < this.minMicros) this.minMicros = micros;
  }

  /** Mean in ms, null without samples. */
  meanMs(): number | null {
    return this.count === 0 ? null : this.sum / this.count / 1000;
  }

  maxMs(): number | null {
    return this.count === 0 ? null : this.maxMicros / 1000;
  }

  minMs(): number | null {
    return this.count === 0 ? null : this.minMicros / 1000;
  }

  /** The value at a percentile (0–100) in ms, as HdrHistogram's getValueAtPercentile; null without samples. */
  percentileMs(percentile: number): number | null {
    if (this.count === 0) return null;
    const wanted = Math.max(1, Math.ceil((Math.min(percentile, 100) / 100) * this.count));
    let seen = 0;
    const counts = this.counts;
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= wanted) {
        const value = Math.min(this.highestEquivalentValue(i), this.maxMicros);
        return Math.max(value, this.minMicros) / 1000;
      }
    }
    return this.maxMicros / 1000;
  }

  /** Adds every sample of another histogram of the same precision. */
  add(other: LatencyHistogram): void {
    if (other.significantDigits !== this.significantDigits) throw new Error('histogram precision differs');
    if (other.counts.length > this.counts.length) this.grow(other.counts.length - 1);
    for (let i = 0; i < other.counts.length; i++) this.counts[i] += other.counts[i];
    this.count += other.count;
    this.sum += other.sum;
    if (other.maxMicros > this.maxMicros) this.maxMicros = other.maxMicros;
    if (other.minMicros < this.minMicros) this.minMicros = other.minMicros;
  }

  /** Every sample as plain data (the counts up to the last non-empty bucket), exactly: `addState` adds it to another histogram. */
  state(): LatencyHistogramState {
    let used = this.counts.length;
    while (used > 0 && this.counts[used - 1] === 0) used--;
    return {
      significantDigits: this.significantDigits,
      counts: this.counts.slice(0, used),
      count: this.count,
      sumMicros: this.sum,
      maxMicros: this.maxMicros,
      minMicros: this.minMicros,
    };
  }

  /** Adds every sample of a histogram of the same precision given as its state (as `add`). */
  addState(other: LatencyHistogramState): void {
    if (other.significantDigits !== this.significantDigits) throw new Error('histogram precision differs');
    if (other.counts.length > this.counts.length) this.grow(other.counts.length - 1);
    for (let i = 0; i < other.counts.length; i++) this.counts[i] += other.counts[i];
    this.count += other.count;
    this.sum += other.sumMicros;
    if (other.maxMicros > this.maxMicros) this.maxMicros = other.maxMicros;
    if (other.minMicros < this.minMicros) this.minMicros = other.minMicros;
  }

  /** HdrHistogram's compressed base64 encoding of every sample (µs); the empty string without samples. */
  encode(): string {
    if (this.count === 0) return '';
    const hdr = build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: Math.max(2, this.maxMicros),
      numberOfSignificantValueDigits: this.significantDigits,
      bitBucketSize: 64,
    });
    this.forEachBucket((micros, count) => hdr.recordValueWithCount(micros, count));
    const encoded = encodeIntoCompressedBase64(hdr);
    hdr.destroy();
    return encoded;
  }

  /** Visits every non-empty bucket with a value equivalent to it (µs) and its count. */
  forEachBucket(visit: (micros: number, count: number) => void): void {
    for (let i = 0; i < this.counts.length; i++) {
      if (this.counts[i] > 0) visit(this.lowestEquivalentValue(i), this.counts[i]);
    }
  }

  private indexOf(value: number): number {
    // HdrHistogram's countsArrayIndex for unitMagnitude 0; values beyond 2^31 take the float path.
    if (value < 2147483648) {
      const bucketIndex = Math.max(0, 31 - Math.clz32(value | this.subBucketMask) - this.subBucketHalfCountMagnitude);
      const subBucketIndex = value >>> bucketIndex;
      return ((bucketIndex + 1) << this.subBucketHalfCountMagnitude) + (subBucketIndex - this.subBucketHalfCount);
    }
    const bucketIndex = Math.floor(Math.log2(value)) - this.subBucketHalfCountMagnitude;
    const subBucketIndex = Math.floor(value / 2 ** bucketIndex);
    return (bucketIndex + 1) * this.subBucketHalfCount + (subBucketIndex - this.subBucketHalfCount);
  }

  private lowestEquivalentValue(index: number): number {
    let bucketIndex = (index >> this.subBucketHalfCountMagnitude) - 1;
    let subBucketIndex = (index & (this.subBucketHalfCount - 1)) + this.subBucketHalfCount;
    if (bucketIndex < 0) {
      subBucketIndex -= this.subBucketHalfCount;
      bucketIndex = 0;
    }
    return subBucketIndex * 2 ** bucketIndex;
  }

  private highestEquivalentValue(index: number): number {
    const bucketIndex = Math.max(0, (index >> this.subBucketHalfCountMagnitude) - 1);
    return this.lowestEquivalentValue(index) + 2 ** bucketIndex - 1;
  }

  private grow(index: number): void {
    this.counts = grownFloat64(this.counts, doubledLength(this.counts.length, index + 1));
  }
}
