import { doubledLength, grownUint8 } from '../collections/typed-array-growth.js';
import { type AccessBatch, OP_GET } from '../workload/access-event.js';
import { LogLinearHistogram } from './log-linear-histogram.js';
import { COLD, LruStackDistance } from './lru-stack-distance.js';
import {
  type ByteCost,
  ByteDistanceRecorder,
  clampRate,
  type ExactCurveState,
  type MissRatioCurve,
  type MissRatioCurveBuilder,
} from './miss-ratio-curve.js';

/** The hash space: a key is sampled while hash(key) < threshold, so the rate is threshold / 2^32. */
const HASH_SPACE = 2 ** 32;

/** murmur3's 32-bit finaliser over the key id: ids are dense, so any good mixer samples keys uniformly. */
export function keyHash(key: number): number {
  let h = key ^ 0x9e3779b9;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export type ShardsOptions = { mode: 'fixed-rate'; rate: number } | { mode: 'fixed-size'; maxKeys: number };

/**
 * SHARDS (Waldspurger, Park, Garthwaite and Ahmad, "Efficient MRC Construction with SHARDS", FAST 2015):
 * spatially hashed sampling. A key is sampled when hash(key) < T, so every access to a sampled key is kept
 * and a sampled key's reuse distance, counted among sampled keys only, estimates the full one when divided
 * by the rate R = T / 2^32.
 *
 * - fixed-rate: T is fixed by the rate; memory grows with R × distinct keys.
 * - fixed-size: at most `maxKeys` sampled keys. When one more would enter, the keys with the largest hash
 *   leave and T drops to that hash, lowering R; the histogram so far is rescaled by R_new / R_old so that
 *   every count stands for references sampled at the current rate (the paper's §4.2; done lazily).
 *
 * Both apply SHARDS_adj (§4.3): the expected number of sampled reads is reads × R; the difference between
 * it and the sampled count (a popular key sampled or not shifts the whole curve) is added to the first
 * histogram bucket, distance 0, before the curve is normalised by the expected count.
 *
 * Writes invalidate sampled keys, as in the exact curve. Byte distances are scaled the same way.
 */
export class ShardsMissRatioCurveBuilder implements MissRatioCurveBuilder {
  private stack = new LruStackDistance(1 << 12);
  private readonly distances = new LogLinearHistogram();
  private bytes = new ByteDistanceRecorder();
  /** Sampled reads that were cold (first access or after a write), scaled like the histogram. */
  private coldWeight = 0;
  /** Bytes of sampled reads, cold or not, scaled like the histogram. */
  private sampledBytes = 0;
  /**
   * The weight of one sampled read, in the histogram's units. Rather than rescaling every bin by
   * R_new / R_old each time fixed-size SHARDS lowers its rate (tens of thousands of times on a large trace),
   * later reads weigh R_old / R_new more, and the histogram is rescaled once, at the end, by 1 / weight.
   */
  private sampleWeight = 1;
  private reads = 0;
  private readBytes = 0;
  private threshold: number;
  private rate: number;
  private readonly maxKeys: number;
  /** Fixed-size only: a max-heap of the sampled keys by hash. */
  private heapKeys: Int32Array;
  private heapHashes: Float64Array;
  private heapSize = 0;
  private inSample = new Uint8Array(1024);

  constructor(
    private readonly options: ShardsOptions,
    /** What an object takes of a byte capacity (null: its size). */
    private readonly cost: ByteCost | null = null,
  ) {
    if (options.mode === 'fixed-rate') {
      this.rate = options.rate;
      this.threshold = Math.round(options.rate * HASH_SPACE);
      this.maxKeys = Number.POSITIVE_INFINITY;
      this.heapKeys = new Int32Array(0);
      this.heapHashes = new Float64Array(0);
    } else {
      this.rate = 1;
      this.threshold = HASH_SPACE;
      this.maxKeys = options.maxKeys;
      this.heapKeys = new Int32Array(options.maxKeys + 1);
      this.heapHashes = new Float64Array(options.maxKeys + 1);
    }
  }

  /**
   * A fixed-rate curve that takes over from an exact one mid-trace (the automatic mode, past a request
   * count): the stack keeps only the sampled keys, and the exact distances so far enter the histogram at
   * weight R, the expected share of them sampling would have kept.
   */
  static continuing(exact: ExactCurveState, rate: number, cost: ByteCost | null = null): ShardsMissRatioCurveBuilder {
    const builder = new ShardsMissRatioCurveBuilder({ mode: 'fixed-rate', rate }, cost);
    const threshold = builder.threshold;
    exact.stack.retainOnly((key) => keyHash(key) < threshold);
    builder.stack = exact.stack;
    for (let d = 0; d < exact.counts.length; d++) if (exact.counts[d] > 0) builder.distances.record(d, exact.counts[d] * rate);
    builder.coldWeight = exact.cold * rate;
    builder.sampledBytes = exact.readBytes * rate;
    builder.reads = exact.reads;
    builder.readBytes = exact.readBytes;
    exact.bytes.scale(rate);
    builder.bytes = exact.bytes;
    return builder;
  }

  observe(batch: AccessBatch, n: number): void {
    const { key: keys, op: ops, size: sizes, ttl: ttls } = batch;
    const stack = this.stack;
    const fixedSize = this.options.mode === 'fixed-size';
    const cost = this.cost;
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      const isRead = ops[i] === OP_GET;
      const size = sizes[i];
      if (isRead) {
        this.reads++;
        this.readBytes += size;
      }
      const hash = keyHash(key);
      if (hash >= this.threshold) continue;
      if (!isRead) {
        stack.remove(key);
        continue;
      }
      if (fixedSize) {
        if (key >= this.inSample.length) this.inSample = grownUint8(this.inSample, doubledLength(this.inSample.length, key + 1));
        if (this.inSample[key] === 0) {
          this.admit(key, hash);
          if (hash >= this.threshold) continue; // it was the largest hash: it left at once
        }
      }
      this.record(key, size, cost === null ? size : this.bytes.charged(cost, size, ttls[i]));
    }
  }

  /** A sampled read of an object of `size` bytes that takes `charged` of a byte capacity. */
  private record(key: number, size: number, charged: number): void {
    const stack = this.stack;
    const bytes = this.bytes;
    if (charged !== bytes.uniformSize && !stack.tracksBytes) bytes.sizesDiffer(stack, charged, size);
    const distance = stack.access(key, charged);
    const weight = this.sampleWeight;
    this.sampledBytes += size * weight;
    if (distance === COLD) {
      this.coldWeight += weight;
      return;
    }
    const scaled = distance / this.rate;
    this.distances.record(scaled, weight);
    // Own size is exact; the bytes of the sampled keys in between stand for 1/R times as many.
    const between = stack.tracksBytes ? stack.lastByteDistance - charged : distance * charged;
    bytes.reuse(between / this.rate + charged, size, weight);
  }

  /** Adds a key to the sample set; past `maxKeys`, the largest hashes leave and the rate drops. */
  private admit(key: number, hash: number): void {
    this.inSample[key] = 1;
    this.heapPush(key, hash);
    if (this.heapSize <= this.maxKeys) return;
    const newThreshold = this.heapHashes[0];
    while (this.heapSize > 0 && this.heapHashes[0] >= newThreshold) {
      const evicted = this.heapPop();
      this.inSample[evicted] = 0;
      this.stack.remove(evicted);
    }
    const oldRate = this.rate;
    this.threshold = newThreshold;
    this.rate = newThreshold / HASH_SPACE;
    this.sampleWeight *= oldRate / this.rate;
  }

  private heapPush(key: number, hash: number): void {
    const keys = this.heapKeys;
    const hashes = this.heapHashes;
    let i = this.heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (hashes[parent] >= hash) break;
      keys[i] = keys[parent];
      hashes[i] = hashes[parent];
      i = parent;
    }
    keys[i] = key;
    hashes[i] = hash;
  }

  private heapPop(): number {
    const keys = this.heapKeys;
    const hashes = this.heapHashes;
    const top = keys[0];
    const size = --this.heapSize;
    const lastKey = keys[size];
    const lastHash = hashes[size];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && hashes[child + 1] > hashes[child]) child++;
      if (hashes[child] <= lastHash) break;
      keys[i] = keys[child];
      hashes[i] = hashes[child];
      i = child;
    }
    keys[i] = lastKey;
    hashes[i] = lastHash;
    return top;
  }

  finish(): MissRatioCurve {
    // Every weight so far in units of the current rate (see sampleWeight).
    const factor = 1 / this.sampleWeight;
    this.distances.scale(factor);
    this.bytes.scale(factor);
    this.coldWeight *= factor;
    this.sampledBytes *= factor;
    this.sampleWeight = 1;
    const rate = this.rate;
    const expected = this.reads * rate;
    const distances = this.distances;
    const reuses = distances.total;
    // SHARDS_adj: the shortfall (or excess) of sampled reads against the expectation goes to distance 0.
    const adjustment = expected - (reuses + this.coldWeight);
    this.bytes.adjustFirstBucket(adjustment, this.readBytes * rate - this.sampledBytes);
    const adjusted = new LogLinearHistogram();
    adjusted.weights.set(distances.weights);
    adjusted.weights[0] += adjustment;
    adjusted.total = distances.total + adjustment;
    adjusted.max = distances.max;
    const flatFrom = Math.max(1, distances.max + 1);
    return {
      method: this.options.mode === 'fixed-rate' ? 'shards-fixed-rate' : 'shards-fixed-size',
      hitRateAt: (size) => clampRate(expected > 0 ? adjusted.weightBelow(Math.min(size, flatFrom)) / expected : 0),
      maxHitRate: clampRate(expected > 0 ? adjusted.total / expected : 0),
      flatFrom,
      reuseDistances: distances,
      reuseDistanceQuantile: (q) => distances.quantile(q),
      bytes: this.bytes.finish(expected, this.readBytes * rate),
      sampleRate: rate,
      trackedKeys: this.stack.depth,
    };
  }
}
