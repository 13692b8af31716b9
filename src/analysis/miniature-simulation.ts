import type { RedisMemoryCharge } from '../engine/redis-memory-charge.js';
import type { EvictionPolicy } from '../policies/eviction-policy.js';
import { createPolicy } from '../policies/registry.js';
import { type AccessBatch, OP_GET } from '../workload/access-event.js';
import { type CacheSize, capacityFor } from './policy-replay.js';
import { keyHash } from './shards.js';
import { doubledLength, grownUint8 } from '../collections/typed-array-growth.js';

/** The hash space of keyHash: a key is in a sample of rate r when its hash is below r × 2^32. */
const HASH_SPACE = 2 ** 32;

/**
 * A miniature cache smaller than this many entries is given a higher sampling rate (up to 1, the exact
 * replay): with a handful of entries, which keys happen to be sampled decides too much (the paper's
 * §5 discusses the error of small scaled-down caches). What it costs and keeps is measured by
 * `node bench/miniature.js` (mean absolute error per policy against the exact sweep, and the time of both).
 */
export const MIN_MINIATURE_ENTRIES = 100;

/**
 * The miniature cache of a cache of `size` sampled at `rate`: the rate it uses (raised for a small cache, so
 * that it keeps MIN_MINIATURE_ENTRIES entries; up to 1, the exact replay) and its capacity at that rate.
 */
export function miniatureScale(size: CacheSize, rate: number): { rate: number; capacity: number } {
  const floor = size.unit === 'entries' ? MIN_MINIATURE_ENTRIES / size.value : 0;
  const sizeRate = Math.min(1, Math.max(rate, floor));
  const capacity = size.unit === 'entries' ? Math.max(1, Math.round(size.value * sizeRate)) : size.value * sizeRate;
  return { rate: sizeRate, capacity };
}

/** One policy's approximate hit rate at one size, from its miniature cache. */
export interface ApproximatePoint {
  size: number;
  unit: 'entries' | 'bytes';
  hit_rate: number;
  byte_hit_rate: number;
  /** The sampling rate of this size's miniature cache (above the curve's rate for small sizes). */
  sample_rate: number;
  /** The miniature cache's capacity, in the size's unit. */
  scaled_size: number;
  /** Reads of sampled keys: what the estimate rests on. */
  sampled_reads: number;
}

/** One policy's approximate miss-ratio curve (as hit rates). */
export interface ApproximateCurve {
  policy: string;
  method: 'miniature-simulation';
  /** The sampling rate asked for (`--sample-rate`); small sizes may use more (see ApproximatePoint). */
  sample_rate: number;
  points: ApproximatePoint[];
}

interface MiniatureCache {
  policy: string;
  size: CacheSize;
  rate: number;
  /** Keys whose hash is below this are in this cache's sample. */
  threshold: number;
  /** The sample this cache reads: an index into MiniatureSimulation's thresholds. */
  sample: number;
  scaledSize: number;
  cache: EvictionPolicy;
  reads: number;
  hits: number;
  readBytes: number;
  hitBytes: number;
  /** Sampled misses that any cache would have (cold reads), and their bytes. */
  coldMisses: number;
  coldMissBytes: number;
}

/**
 * Miniature simulation (Waldspurger, Saemundsson, Ahmad and Park, "Cache Modeling and Optimization using
 * Miniature Simulations", USENIX ATC 2017): the miss ratio of any policy at cache size C is estimated by
 * the same policy at size C × R, fed only the requests to keys in a spatially hashed sample of rate R —
 * SHARDS's sample (shards.ts, the same hash), so a key is in or out for the whole trace. Each size is its own
 * miniature cache; they all read the trace in the same pass and each sees about R of it, so a curve of
 * many sizes costs a fraction of one exact replay.
 *
 * The replay model is PolicyReplay's (the exact points it approximates): a read looks up and fills on a
 * miss, a set or delete removes the key, TTLs are not applied. Sizes in bytes scale the capacity in bytes.
 */
export class MiniatureSimulation {
  private readonly caches: MiniatureCache[] = [];
  /** The distinct sample thresholds, largest first: each sample is a subset of the one before it. */
  private readonly thresholds: number[];
  /** Per sample, the positions in the current batch of its requests (the first `sampleLengths[s]`). */
  private samples: Int32Array[] = [];
  private readonly sampleLengths: Int32Array;
  private hashes = new Float64Array(0);
  /** Per request of the batch: 1 when it is a cold read (see `present`). */
  private cold = new Uint8Array(0);
  /**
   * Per key id: 1 while the key is in an infinite cache under the replay model (read once, not written or
   * deleted since). A read of a key not present is a miss for every policy at every size: a cold read.
   */
  private present = new Uint8Array(0);
  /** Every read of the trace, sampled or not, and their bytes: what the sample's share is expected of. */
  private reads = 0;
  private readBytes = 0;
  /** Every cold read of the trace and their bytes: counted exactly, not estimated from the sample. */
  private coldReads = 0;
  private coldReadBytes = 0;

  constructor(
    policies: readonly string[],
    sizes: readonly CacheSize[],
    private readonly rate: number,
    keySpaceHint: number,
    /** `--memory-model redis`: a size in bytes is Redis memory, each object charged its Redis bytes (null: its size). */
    private readonly memory: RedisMemoryCharge | null = null,
  ) {
    for (const policy of policies) {
      for (const size of sizes) {
        // In Redis memory, what is scaled down is what the keys may use: the miniature has no baseline of its own.
        const { rate: sizeRate, capacity: scaled } = miniatureScale({ value: capacityFor(size, memory), unit: size.unit }, rate);
        this.caches.push({
          policy,
          size,
          rate: sizeRate,
          threshold: Math.round(sizeRate * HASH_SPACE),
          sample: 0,
          scaledSize: scaled,
          cache: createPolicy(policy, { capacity: scaled, unit: size.unit, keySpaceHint: Math.ceil(keySpaceHint * sizeRate) + 16, seed: 1 }),
          reads: 0,
          hits: 0,
          readBytes: 0,
          hitBytes: 0,
          coldMisses: 0,
          coldMissBytes: 0,
        });
      }
    }
    this.thresholds = [...new Set(this.caches.map((mini) => mini.threshold))].sort((a, b) => b - a);
    for (const mini of this.caches) mini.sample = this.thresholds.indexOf(mini.threshold);
    this.sampleLengths = new Int32Array(this.thresholds.length);
  }

  observe(batch: AccessBatch, n: number): void {
    if (this.hashes.length < n) {
      const length = Math.max(n, 2 * this.hashes.length);
      this.hashes = new Float64Array(length);
      this.cold = new Uint8Array(length);
      this.samples = this.thresholds.map(() => new Int32Array(length));
    }
    const { hashes, cold } = this;
    const { key: keys, op: ops, size: sizes, ttl: ttls } = batch;
    const memory = this.memory;
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      hashes[i] = keyHash(key);
      if (key >= this.present.length) this.present = grownUint8(this.present, doubledLength(this.present.length, key + 1));
      if (ops[i] === OP_GET) {
        this.reads++;
        this.readBytes += sizes[i];
        if (this.present[key] === 0) {
          cold[i] = 1;
          this.present[key] = 1;
          this.coldReads++;
          this.coldReadBytes += sizes[i];
        } else {
          cold[i] = 0;
        }
      } else {
        this.present[key] = 0;
      }
    }
    // Each sample once per batch, narrowed from the one before it: the caches then walk only their sample's
    // requests instead of every request of the batch.
    for (let s = 0; s < this.thresholds.length; s++) {
      const threshold = this.thresholds[s];
      const into = this.samples[s];
      let length = 0;
      if (s === 0) {
        for (let i = 0; i < n; i++) if (hashes[i] < threshold) into[length++] = i;
      } else {
        const from = this.samples[s - 1];
        const fromLength = this.sampleLengths[s - 1];
        for (let j = 0; j < fromLength; j++) {
          const i = from[j];
          if (hashes[i] < threshold) into[length++] = i;
        }
      }
      this.sampleLengths[s] = length;
    }
    for (const mini of this.caches) {
      const { cache } = mini;
      const sample = this.samples[mini.sample];
      const length = this.sampleLengths[mini.sample];
      let reads = 0;
      let hits = 0;
      let readBytes = 0;
      let hitBytes = 0;
      let coldMisses = 0;
      let coldMissBytes = 0;
      for (let j = 0; j < length; j++) {
        const i = sample[j];
        const key = keys[i];
        if (ops[i] !== OP_GET) {
          cache.delete(key);
          continue;
        }
        reads++;
        readBytes += sizes[i];
        if (cache.get(key, 0)) {
          hits++;
          hitBytes += sizes[i];
        } else {
          cache.set(key, memory === null ? sizes[i] : memory.bytes(sizes[i], ttls[i] > 0), Number.POSITIVE_INFINITY, 0);
          if (cold[i] === 1) {
            coldMisses++;
            coldMissBytes += sizes[i];
          }
        }
      }
      mini.coldMisses += coldMisses;
      mini.coldMissBytes += coldMissBytes;
      mini.reads += reads;
      mini.hits += hits;
      mini.readBytes += readBytes;
      mini.hitBytes += hitBytes;
    }
  }

  /** One curve per policy, in the order given, its points in the order of the sizes. */
  finish(): ApproximateCurve[] {
    const curves = new Map<string, ApproximateCurve>();
    for (const mini of this.caches) {
      mini.cache.checkInvariants();
      let curve = curves.get(mini.policy);
      if (curve === undefined) {
        curve = { policy: mini.policy, method: 'miniature-simulation', sample_rate: this.rate, points: [] };
        curves.set(mini.policy, curve);
      }
      // Cold reads (a key's first read, or its first since a write or delete) miss at every size under every
      // policy: the trace's own count is exact, so only the other misses are estimated from the sample, as
      // SHARDS_adj does (shards.ts): scaled by the sampling rate, so a popular key in or out of the sample,
      // whose reads are nearly all hits, does not move the estimate of the misses.
      const warmMisses = (mini.reads - mini.hits - mini.coldMisses) / mini.rate;
      const warmMissBytes = (mini.readBytes - mini.hitBytes - mini.coldMissBytes) / mini.rate;
      const hits = this.reads - this.coldReads - warmMisses;
      const hitBytes = this.readBytes - this.coldReadBytes - warmMissBytes;
      const hitRate = this.reads > 0 ? hits / this.reads : 0;
      const byteHitRate = this.readBytes > 0 ? hitBytes / this.readBytes : 0;
      curve.points.push({
        size: mini.size.value,
        unit: mini.size.unit,
        hit_rate: clamp(hitRate),
        byte_hit_rate: clamp(byteHitRate),
        sample_rate: mini.rate,
        scaled_size: mini.scaledSize,
        sampled_reads: mini.reads,
      });
    }
    return [...curves.values()];
  }
}

function clamp(rate: number): number {
  return Math.min(1, Math.max(0, rate));
}
