import { doubledLength, grownFloat64, grownInt32, grownUint8 } from '../collections/typed-array-growth.js';
import { type AccessBatch, OP_DELETE, OP_GET, OP_SET } from '../workload/access-event.js';
import { type Log2Bucket, LogLinearHistogram } from './log-linear-histogram.js';
import { type WorkingSetWindow, WorkingSetWindows } from './working-set-windows.js';
import { fitZipf, type ZipfFit } from './zipf-fit.js';

/** Percentiles of a distribution; null when it has no samples. */
export interface Percentiles {
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export interface Distribution {
  samples: number;
  percentiles: Percentiles;
  /** Counts per power-of-two range: [0, 0], [1, 1], [2, 3], [4, 7], … */
  log2_buckets: Log2Bucket[];
}

/** Everything about a trace that does not need a cache model. */
export interface TraceProfile {
  requests: number;
  reads: number;
  sets: number;
  deletes: number;
  distinct_keys: number;
  /** Timestamps of the first and last request, and the span between them (ms). */
  first_ms: number | null;
  last_ms: number | null;
  duration_ms: number;
  /** Requests and reads per second of trace time; null when the trace spans no time. */
  request_rate_per_s: number | null;
  read_rate_per_s: number | null;
  op_mix: { get: number; set: number; delete: number };
  one_hit_wonders: {
    /** Keys requested exactly once (any operation). */
    keys: number;
    share_of_keys: number;
    /** Those keys' single requests, as a share of all requests. */
    share_of_requests: number;
  };
  /** Requests and trace time between consecutive requests to the same key (any operation). */
  reuse_time: { requests: Distribution; ms: Distribution };
  popularity: {
    zipf: ZipfFit | null;
    /** Share of requests that go to the most requested 1% of keys (at least one key). */
    top_1pct_share: number;
  };
  object_sizes: {
    /** Over distinct keys, each at the size of its last request (bytes). */
    per_key: Distribution & { mean: number | null };
    /** Bytes-weighted: half of the distinct keys' bytes are in objects of at least `p50` bytes, and so on. */
    bytes_weighted: Percentiles;
    /** Sum of every distinct key's size: the bytes an unbounded cache would hold. */
    footprint_bytes: number;
    /** Whether any request carried a size other than 1 (otherwise the trace has no sizes). */
    has_sizes: boolean;
  };
  writes: {
    /** Keys with at least one set or delete. */
    keys_with_writes: number;
    writes: number;
    /** Writes followed by another write to the same key before any read of it. */
    overwritten_before_read: number;
    /** overwritten_before_read ÷ writes. */
    overwrite_share: number;
  };
  working_set: { window_requests: number; windows: WorkingSetWindow[] };
}

const LAST_READ = 1;
const LAST_WRITE = 2;

/**
 * The characterisation pass: per-key counters in typed arrays indexed by key id, so memory grows with
 * distinct keys (about 30 bytes each) and never with requests, and nothing is allocated per request.
 */
export class TraceProfiler {
  private requestCount = new Int32Array(1024);
  /** Index of the key's previous request, -1 before its first. */
  private lastIndex = new Int32Array(1024).fill(-1);
  private lastTime = new Float64Array(1024);
  private lastOp = new Uint8Array(1024);
  private sizeOfKey = new Int32Array(1024);
  private hasWrite = new Uint8Array(1024);
  private keys = 0;
  private requests = 0;
  private reads = 0;
  private sets = 0;
  private deletes = 0;
  private overwritten = 0;
  private firstTime = Number.NaN;
  private lastSeenTime = Number.NaN;
  private sawSizes = false;
  private readonly reuseRequests = new LogLinearHistogram();
  /** Reuse time in microseconds, so sub-millisecond gaps keep their resolution. */
  private readonly reuseMicros = new LogLinearHistogram();
  private readonly workingSet = new WorkingSetWindows();

  observe(batch: AccessBatch, n: number): void {
    const { key: keys, op: ops, size: sizes, time } = batch;
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      if (key >= this.requestCount.length) this.growKeys(key + 1);
      const index = this.requests++;
      const t = time[i];
      if (index === 0) this.firstTime = t;
      this.lastSeenTime = t;
      const op = ops[i];
      const size = sizes[i];
      if (size !== 1) this.sawSizes = true;

      const previous = this.lastIndex[key];
      this.workingSet.observe(index, previous, t);
      if (previous < 0) {
        this.keys++;
      } else {
        this.reuseRequests.record(index - previous);
        this.reuseMicros.record((t - this.lastTime[key]) * 1000);
      }
      this.lastIndex[key] = index;
      this.lastTime[key] = t;
      this.requestCount[key]++;
      this.sizeOfKey[key] = size;

      if (op === OP_GET) {
        this.reads++;
        this.lastOp[key] = LAST_READ;
      } else {
        if (op === OP_SET) this.sets++;
        else if (op === OP_DELETE) this.deletes++;
        if (this.lastOp[key] === LAST_WRITE) this.overwritten++;
        this.lastOp[key] = LAST_WRITE;
        this.hasWrite[key] = 1;
      }
    }
  }

  private growKeys(needed: number): void {
    const length = doubledLength(this.requestCount.length, needed);
    this.requestCount = grownInt32(this.requestCount, length);
    this.lastIndex = grownInt32(this.lastIndex, length, -1);
    this.lastTime = grownFloat64(this.lastTime, length);
    this.lastOp = grownUint8(this.lastOp, length);
    this.sizeOfKey = grownInt32(this.sizeOfKey, length);
    this.hasWrite = grownUint8(this.hasWrite, length);
  }

  finish(): TraceProfile {
    const { requests, reads, sets, deletes } = this;
    const keySpace = this.requestCount.length;
    let oneHit = 0;
    let keysWithWrites = 0;
    let footprint = 0;
    const sizes = new LogLinearHistogram();
    const bytesWeighted = new LogLinearHistogram();
    for (let key = 0; key < keySpace; key++) {
      const count = this.requestCount[key];
      if (count === 0) continue;
      if (count === 1) oneHit++;
      if (this.hasWrite[key] === 1) keysWithWrites++;
      const size = this.sizeOfKey[key];
      footprint += size;
      sizes.record(size);
      bytesWeighted.record(size, size);
    }
    const durationMs = requests > 0 ? this.lastSeenTime - this.firstTime : 0;
    const perSecond = (count: number) => (durationMs > 0 ? (count * 1000) / durationMs : null);
    const writes = sets + deletes;
    const fraction = (part: number, whole: number) => (whole > 0 ? part / whole : 0);
    const { width, windows } = this.workingSet.windows();
    const reuseMs = distributionOf(this.reuseMicros, 1 / 1000);
    return {
      requests,
      reads,
      sets,
      deletes,
      distinct_keys: this.keys,
      first_ms: requests > 0 ? this.firstTime : null,
      last_ms: requests > 0 ? this.lastSeenTime : null,
      duration_ms: durationMs,
      request_rate_per_s: perSecond(requests),
      read_rate_per_s: perSecond(reads),
      op_mix: { get: fraction(reads, requests), set: fraction(sets, requests), delete: fraction(deletes, requests) },
      one_hit_wonders: {
        keys: oneHit,
        share_of_keys: fraction(oneHit, this.keys),
        share_of_requests: fraction(oneHit, requests),
      },
      reuse_time: { requests: distributionOf(this.reuseRequests), ms: reuseMs },
      popularity: {
        zipf: fitZipf(this.requestCount, keySpace),
        top_1pct_share: fraction(topShare(this.requestCount, keySpace, Math.max(1, Math.floor(this.keys / 100))), requests),
      },
      object_sizes: {
        per_key: { ...distributionOf(sizes), mean: this.keys > 0 ? footprint / this.keys : null },
        bytes_weighted: percentilesOf(bytesWeighted),
        footprint_bytes: footprint,
        has_sizes: this.sawSizes,
      },
      writes: {
        keys_with_writes: keysWithWrites,
        writes,
        overwritten_before_read: this.overwritten,
        overwrite_share: fraction(this.overwritten, writes),
      },
      working_set: { window_requests: width, windows },
    };
  }
}

/** Requests to the `top` most requested keys. */
function topShare(counts: Int32Array, keySpace: number, top: number): number {
  const sorted = Int32Array.from(counts.subarray(0, keySpace)).sort();
  let sum = 0;
  for (let r = 1; r <= top && r <= keySpace; r++) sum += sorted[keySpace - r];
  return sum;
}

export function percentilesOf(histogram: LogLinearHistogram, unit = 1): Percentiles {
  const at = (q: number) => {
    const value = histogram.quantile(q);
    return value === null ? null : value * unit;
  };
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: histogram.total > 0 ? histogram.max * unit : null };
}

export function distributionOf(histogram: LogLinearHistogram, unit = 1): Distribution {
  return {
    samples: histogram.total,
    percentiles: percentilesOf(histogram, unit),
    log2_buckets: histogram.log2Buckets().map((b) => ({ from: b.from * unit, to: b.to * unit, count: b.count })),
  };
}
