import { keyHash } from '../analysis/shards.js';
import { doubledLength, grownUint8 } from '../collections/typed-array-growth.js';
import type { RunRecorder, RunRecorderState } from '../metrics/run-recorder.js';
import type { CacheMetrics, RunMetrics } from '../result/run-result.js';
import type { InvalidationSpec } from '../scenario/scenario.js';
import { AccessBatch, OP_GET } from '../workload/access-event.js';
import type { CacheTier } from './cache-tier.js';
import { HitRatioLane, type LaneAccounting } from './hit-ratio-replay.js';

/** The hash space of keyHash: a key is in a sample of rate r when its hash is below r × 2^32. */
const HASH_SPACE = 2 ** 32;

/**
 * What every miniature lane of a sweep reads of each batch (computed once for all of them): each request's
 * key hash, which picks the keys of a sample (SHARDS's spatial sampling, analysis/shards.ts), and whether it
 * is a cold read — the first request of its key in the whole stream, a read: nothing can have cached the
 * key before it, so it misses whatever the policy, size, TTL or pattern. Cold reads are counted exactly here.
 */
export class KeySample {
  hashes = new Float64Array(0);
  cold = new Uint8Array(0);
  private seen = new Uint8Array(0);
  /** Measured cold reads of the whole stream, and their bytes. */
  coldReads = 0;
  coldReadBytes = 0;

  observe(batch: AccessBatch, n: number, firstMeasured: number): void {
    if (this.hashes.length < n) {
      this.hashes = new Float64Array(n);
      this.cold = new Uint8Array(n);
    }
    const { hashes, cold } = this;
    const { key: keys, op: ops, size: sizes } = batch;
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      hashes[i] = keyHash(key);
      if (key >= this.seen.length) this.seen = grownUint8(this.seen, doubledLength(this.seen.length, key + 1));
      const first = this.seen[key] === 0;
      this.seen[key] = 1;
      const isCold = first && ops[i] === OP_GET;
      cold[i] = isCold ? 1 : 0;
      if (isCold && i >= firstMeasured) {
        this.coldReads++;
        this.coldReadBytes += sizes[i];
      }
    }
  }
}

/** How a run is approximated: its cache scaled down to `rate`, fed the sample's requests. */
export interface MiniatureScale {
  rate: number;
  /** The scaled cache's capacity, in the run's capacity unit. */
  capacity: number;
}

/**
 * One run of an untimed sweep by miniature simulation (Waldspurger et al., USENIX ATC 2017; see
 * analysis/miniature-simulation.ts for the same estimate in `analyze`): the run's cache at its capacity ×
 * rate, under the run's own replay (HitRatioLane: its pattern, invalidation and TTLs), fed only the requests
 * to keys of the sample. The workload's own counts (requests, reads, writes, bytes) come exact from the
 * sweep's accounting; the cache's are estimated from the sample: cold reads miss and are counted exactly,
 * the other misses, stale reads and cache churn are the sample's scaled by 1 / rate.
 */
export class MiniatureLane {
  private readonly lane: HitRatioLane;
  private readonly threshold: number;
  private sub = new AccessBatch(0);
  private readonly subAccounting: LaneAccounting = { version: new Int32Array(0), window: new Int32Array(0), windowMs: 0, writesSeen: false, firstMeasured: 0 };
  /** Measured sampled reads that were cold, and their bytes. */
  private coldReads = 0;
  private coldReadBytes = 0;
  /** Measured sampled reads' bytes (the lane counts hits and misses, not read bytes). */
  private readBytes = 0;

  constructor(
    readonly cache: CacheTier | null,
    invalidation: InvalidationSpec,
    readonly recorder: RunRecorder,
    readonly scale: MiniatureScale,
  ) {
    this.lane = new HitRatioLane(cache, invalidation, recorder);
    this.threshold = Math.round(scale.rate * HASH_SPACE);
  }

  observe(batch: AccessBatch, n: number, accounting: LaneAccounting, sample: KeySample): void {
    if (this.sub.capacity < n) {
      this.sub = new AccessBatch(n);
      this.subAccounting.version = new Int32Array(n);
      this.subAccounting.window = new Int32Array(n);
    }
    const { sub, subAccounting, threshold } = this;
    const { hashes, cold } = sample;
    const firstMeasured = accounting.firstMeasured;
    let m = 0;
    let subFirstMeasured = -1;
    for (let i = 0; i < n; i++) {
      if (hashes[i] >= threshold) continue;
      if (i >= firstMeasured) {
        if (subFirstMeasured < 0) subFirstMeasured = m;
        if (batch.op[i] === OP_GET) {
          this.readBytes += batch.size[i];
          if (cold[i] === 1) {
            this.coldReads++;
            this.coldReadBytes += batch.size[i];
          }
        }
      }
      sub.time[m] = batch.time[i];
      sub.key[m] = batch.key[i];
      sub.op[m] = batch.op[i];
      sub.size[m] = batch.size[i];
      sub.ttl[m] = batch.ttl[i];
      subAccounting.version[m] = accounting.version[i];
      subAccounting.window[m] = accounting.window[i];
      m++;
    }
    sub.length = m;
    subAccounting.windowMs = accounting.windowMs;
    subAccounting.writesSeen = accounting.writesSeen;
    subAccounting.firstMeasured = subFirstMeasured < 0 ? m : subFirstMeasured;
    if (m > 0) this.lane.observe(sub, m, subAccounting);
  }

  /**
   * The run's metrics: `shared` (the sweep's accounting: the whole stream's arrivals, reads, writes) added
   * to the sample's cache outcomes, scaled up. No time series: it would need every request's outcome.
   */
  metrics(shared: RunRecorderState, sample: KeySample): RunMetrics {
    const recorder = this.recorder;
    const rate = this.scale.rate;
    // The lane's own counts, the sample's: hits, misses (and as many DB reads), hit bytes, stale reads.
    const { misses: sampledMisses, hitBytes: sampledHitBytes } = recorder.state().counts;
    recorder.add(shared);
    const reads = shared.counts.reads;
    const readBytes = shared.counts.readBytes;
    const warmMisses = (sampledMisses - this.coldReads) / rate;
    const warmMissBytes = (this.readBytes - sampledHitBytes - this.coldReadBytes) / rate;
    const hits = clamp(Math.round(reads - sample.coldReads - warmMisses), 0, reads);
    const hitBytes = clamp(Math.round(readBytes - sample.coldReadBytes - warmMissBytes), 0, readBytes);
    recorder.replaceReadOutcomes(hits, reads - hits, hitBytes, 1 / rate);
    return recorder.metrics(this.cache === null ? null : scaledCacheMetrics(this.cache.metrics(), 1 / rate));
  }
}

function scaledCacheMetrics(m: CacheMetrics, factor: number): CacheMetrics {
  const scaled = (value: number) => Math.round(value * factor);
  return {
    evictions: scaled(m.evictions),
    expirations: scaled(m.expirations),
    invalidations: scaled(m.invalidations),
    entries: scaled(m.entries),
    bytes: scaled(m.bytes),
    peak_entries: scaled(m.peak_entries),
    peak_bytes: scaled(m.peak_bytes),
  };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
