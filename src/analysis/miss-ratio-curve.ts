import { grownFloat64 } from '../collections/typed-array-growth.js';
import { type AccessBatch, OP_GET } from '../workload/access-event.js';
import { LogLinearHistogram } from './log-linear-histogram.js';
import { COLD, LruStackDistance } from './lru-stack-distance.js';

/**
 * How a miss-ratio curve is built from a trace. Reads are looked up; a write (set or delete) invalidates the
 * key, as cache-aside with delete-on-write does (cachebench's default invalidation), so the next read of it
 * is a miss. Without writes the curve is exactly LRU at every size; with them it is an upper bound on LRU's
 * hits (a deleted key leaves a gap that LRU only fills on its next miss, while the stack closes it at once).
 */
export interface MissRatioCurveBuilder {
  /** Feeds events [0, n) of the batch. */
  observe(batch: AccessBatch, n: number): void;
  /** Closes the curve; call once, after the last batch. */
  finish(): MissRatioCurve;
}

/** Hit rate of an LRU cache as a function of its size in entries. */
export interface MissRatioCurve {
  readonly method: 'exact' | 'shards-fixed-rate' | 'shards-fixed-size';
  /** Share of reads that hit in an LRU cache of `size` entries. */
  hitRateAt(size: number): number;
  /** Hit rate of an unbounded cache: every read but the first of a key (and the first after a write). */
  readonly maxHitRate: number;
  /** The size beyond which the curve is flat (the keys that were ever live at once, at most). */
  readonly flatFrom: number;
  /** Reuse distances (distinct keys between two reads of a key), for the distribution. */
  readonly reuseDistances: LogLinearHistogram;
  /** Exact distance percentiles where available (exact method), else from the log-linear histogram. */
  reuseDistanceQuantile(q: number): number | null;
  /** Byte-capacity curve, when the trace's objects have sizes (see ByteMissRatioCurve). */
  readonly bytes: ByteMissRatioCurve | null;
  /** The sampling rate at the end (1 for exact). */
  readonly sampleRate: number;
  /** Keys tracked in the stack when the curve was closed (sampled keys for SHARDS). */
  readonly trackedKeys: number;
}

/**
 * Hit rate against a capacity in bytes, from byte stack distances: an access hits an LRU cache of B bytes
 * when its own size plus the sizes of the distinct keys accessed since its previous access fit in B. This
 * is exact (libCacheSim's byte-based LRU: evict until used + size ≤ capacity, no size update on a hit) when
 * every key keeps one size and no object is larger than the cache; distances are binned log-linearly, so a
 * capacity that is not a bin boundary is interpolated within 0.8%.
 */
export interface ByteMissRatioCurve {
  /** Share of reads that hit at `capacity` bytes. */
  hitRateAt(capacity: number): number;
  /** Share of read bytes served from the cache at `capacity` bytes (byte hit rate). */
  byteHitRateAt(capacity: number): number;
  /** The largest byte distance seen: beyond it the curve is flat. */
  readonly flatFrom: number;
}

/**
 * What an object costs against a byte capacity, when not its size: `analyze --memory-model redis` charges
 * each its Redis memory (engine/redis-memory-charge.ts). Byte hit rates still weigh reads by their sizes.
 */
export interface ByteCost {
  bytes(size: number, hasTtl: boolean): number;
}

export interface ExactCurveState {
  stack: LruStackDistance;
  counts: Float64Array;
  cold: number;
  reads: number;
  readBytes: number;
  bytes: ByteDistanceRecorder;
}

/** Exact LRU curve in one pass: a histogram of every read's stack distance, O(log n) per request. */
export class ExactMissRatioCurveBuilder implements MissRatioCurveBuilder {
  private readonly stack = new LruStackDistance();
  /** counts[d] = reads with stack distance d. */
  private counts = new Float64Array(1024);
  private cold = 0;
  private reads = 0;
  private readBytes = 0;
  private maxDistance = -1;
  private maxDepth = 0;
  private readonly bytes: ByteDistanceRecorder;

  /**
   * `byteCapacities`: capacities in bytes whose hit rates must be exact (the rest are read off bins);
   * `cost`: what an object takes of a byte capacity (null: its size).
   */
  constructor(
    byteCapacities: readonly number[] = [],
    private readonly cost: ByteCost | null = null,
  ) {
    this.bytes = new ByteDistanceRecorder(byteCapacities);
  }

  observe(batch: AccessBatch, n: number): void {
    const { key: keys, op: ops, size: sizes, ttl: ttls } = batch;
    const stack = this.stack;
    const bytes = this.bytes;
    const cost = this.cost;
    let counts = this.counts;
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      if (ops[i] !== OP_GET) {
        stack.remove(key);
        continue;
      }
      const size = sizes[i];
      const charged = cost === null ? size : bytes.charged(cost, size, ttls[i]);
      if (charged !== bytes.uniformSize && !stack.tracksBytes) bytes.sizesDiffer(stack, charged, size);
      this.reads++;
      const distance = stack.access(key, charged);
      this.readBytes += size;
      if (distance === COLD) {
        this.cold++;
      } else {
        if (distance >= counts.length) counts = this.counts = grownFloat64(counts, Math.max(counts.length * 2, distance + 1));
        counts[distance]++;
        if (distance > this.maxDistance) this.maxDistance = distance;
        bytes.reuse(stack.tracksBytes ? stack.lastByteDistance : (distance + 1) * charged, size, 1);
      }
      if (stack.depth > this.maxDepth) this.maxDepth = stack.depth;
    }
  }

  /** The state so far, for a sampled curve that takes over (see ShardsMissRatioCurveBuilder.continuing). */
  handOver(): ExactCurveState {
    return {
      stack: this.stack,
      counts: this.counts.subarray(0, this.maxDistance + 1),
      cold: this.cold,
      reads: this.reads,
      readBytes: this.readBytes,
      bytes: this.bytes,
    };
  }

  finish(): MissRatioCurve {
    const reads = this.reads;
    const length = this.maxDistance + 1;
    // hitsBelow[c] = reads with distance < c.
    const hitsBelow = new Float64Array(length + 1);
    const distances = new LogLinearHistogram();
    for (let d = 0; d < length; d++) {
      hitsBelow[d + 1] = hitsBelow[d] + this.counts[d];
      if (this.counts[d] > 0) distances.record(d, this.counts[d]);
    }
    const reuses = hitsBelow[length];
    return {
      method: 'exact',
      hitRateAt: (size) => (reads === 0 ? 0 : hitsBelow[Math.max(0, Math.min(length, Math.floor(size)))] / reads),
      maxHitRate: reads === 0 ? 0 : reuses / reads,
      flatFrom: Math.max(1, length),
      reuseDistances: distances,
      reuseDistanceQuantile: (q) => {
        if (reuses === 0) return null;
        const target = q * reuses;
        // Binary search the cumulative counts for the first distance reaching the target.
        let lo = 0;
        let hi = length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (hitsBelow[mid + 1] >= target) hi = mid;
          else lo = mid + 1;
        }
        return lo;
      },
      bytes: this.bytes.finish(reads, this.readBytes),
      sampleRate: 1,
      trackedKeys: this.maxDepth,
    };
  }
}

/**
 * Byte distances of reads, log-linearly binned, weighted by requests and by bytes. The stack's second
 * (byte) tree starts only when a size differs from the first one seen: until then every object has that
 * one size and byte distance = (distance + 1) × size.
 */
export class ByteDistanceRecorder {
  uniformSize = Number.NaN;
  private readonly byRequests = new LogLinearHistogram();
  private readonly byBytes = new LogLinearHistogram();
  private sawSizes = false;
  /** Capacities asked for by name, ascending: counted exactly rather than read off the bins. */
  private readonly capacities: Float64Array;
  /** hitsUpTo[j]: weight of distances in (capacities[j−1], capacities[j]]; summed at the end. */
  private readonly hitsUpTo: Float64Array;
  private readonly hitBytesUpTo: Float64Array;

  constructor(exactCapacities: readonly number[] = []) {
    this.capacities = Float64Array.from(new Set(exactCapacities)).sort();
    this.hitsUpTo = new Float64Array(this.capacities.length + 1);
    this.hitBytesUpTo = new Float64Array(this.capacities.length + 1);
  }

  /** Called when `charged` (what the object takes of a capacity) differs from the uniform one so far (or is the first). */
  sizesDiffer(stack: LruStackDistance, charged: number, size: number): void {
    if (Number.isNaN(this.uniformSize)) this.uniformSize = charged;
    else stack.trackBytesFrom(this.uniformSize);
    if (size !== 1) this.sawSizes = true;
  }

  /** What an object of `size` bytes (and a request TTL of `ttlMs`, 0: none) takes under `cost`. */
  charged(cost: ByteCost, size: number, ttlMs: number): number {
    // Charged, every object takes more than a byte, sizes or not: there is a byte curve.
    this.sawSizes = true;
    return cost.bytes(size, ttlMs > 0);
  }

  reuse(byteDistance: number, size: number, weight: number): void {
    this.byRequests.record(byteDistance, weight);
    this.byBytes.record(byteDistance, size * weight);
    const capacities = this.capacities;
    if (capacities.length === 0) return;
    // The first capacity that holds this distance, by binary search (a handful of capacities).
    let lo = 0;
    let hi = capacities.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (capacities[mid] >= byteDistance) hi = mid;
      else lo = mid + 1;
    }
    this.hitsUpTo[lo] += weight;
    this.hitBytesUpTo[lo] += size * weight;
  }

  /** SHARDS_adj: adds the shortfall of sampled reads (and of their bytes) at distance 0. */
  adjustFirstBucket(requests: number, bytes: number): void {
    this.byRequests.record(0, requests);
    this.byBytes.record(0, bytes);
    this.hitsUpTo[0] += requests;
    this.hitBytesUpTo[0] += bytes;
  }

  /** Multiplies every weight (fixed-size SHARDS lowering its rate). */
  scale(factor: number): void {
    this.byRequests.scale(factor);
    this.byBytes.scale(factor);
    for (let j = 0; j < this.hitsUpTo.length; j++) {
      this.hitsUpTo[j] *= factor;
      this.hitBytesUpTo[j] *= factor;
    }
  }

  /**
   * Normalised by the (expected) reads and read bytes. null when every object has size 1 (the trace has no
   * sizes): a byte curve would repeat the entry curve.
   */
  finish(reads: number, readBytes: number): ByteMissRatioCurve | null {
    if (!this.sawSizes) return null;
    const { byRequests, byBytes, capacities } = this;
    const exactHits = new Map<number, number>();
    const exactHitBytes = new Map<number, number>();
    let hits = 0;
    let hitBytes = 0;
    for (let j = 0; j < capacities.length; j++) {
      hits += this.hitsUpTo[j];
      hitBytes += this.hitBytesUpTo[j];
      exactHits.set(capacities[j], hits);
      exactHitBytes.set(capacities[j], hitBytes);
    }
    // A distance ≤ capacity hits: distances are whole bytes, so weigh everything below capacity + 1.
    const hitsAt = (capacity: number) => exactHits.get(capacity) ?? byRequests.weightBelow(capacity + 1);
    const hitBytesAt = (capacity: number) => exactHitBytes.get(capacity) ?? byBytes.weightBelow(capacity + 1);
    return {
      hitRateAt: (capacity) => clampRate(reads === 0 ? 0 : hitsAt(capacity) / reads),
      byteHitRateAt: (capacity) => clampRate(readBytes === 0 ? 0 : hitBytesAt(capacity) / readBytes),
      flatFrom: Math.max(1, byRequests.max),
    };
  }
}

/** Sampling noise can push an estimate a hair outside [0, 1]. */
export function clampRate(rate: number): number {
  return Math.max(0, Math.min(1, rate));
}
