import { formatBytes } from '../report/byte-format.js';
import { formatCount, formatDuration, formatPercentInProse, formatRate } from '../report/number-format.js';
import type { MissRatioCurve } from './miss-ratio-curve.js';
import type { Finding, Verdict } from './trace-analysis.js';
import type { TraceProfile } from './trace-profile.js';

/**
 * When each finding applies. Rules of thumb, stated so a reader can disagree with them:
 * - low reuse: most keys are requested once, or even an unbounded cache would miss half the reads;
 * - changes faster than it is read: most writes are overwritten before anyone reads them (each such write
 *   is an invalidation that buys nothing), among traces where writes are not negligible;
 * - large objects: half of the bytes are in objects of 100 KiB or more (Redis's docs call values this big
 *   a latency risk; every miss moves that much);
 * - write-heavy: a quarter or more of requests are writes (fewer than 3 reads per write).
 */
export const VERDICT_RULES = {
  oneHitWonderShareOfKeys: 0.5,
  maxHitRateBelow: 0.5,
  overwriteShare: 0.5,
  minWriteShareForOverwrites: 0.01,
  largeObjectBytes: 100 * 1024,
  writeShare: 0.25,
} as const;

export interface VerdictOptions {
  targetHitRate: number;
  dbLatencyMs: number;
  cacheLatencyMs: number;
}

/** `memory`: with Redis memory, the smallest cache in bytes is a maxmemory (the server's baseline added). */
export function judgeTrace(profile: TraceProfile, curve: MissRatioCurve, options: VerdictOptions, memory: { baseline: number } | null = null): Verdict {
  const rules = VERDICT_RULES;
  const oneHit = profile.one_hit_wonders;
  const writes = profile.writes;
  const writeShare = profile.requests > 0 ? writes.writes / profile.requests : 0;
  const halfBytesIn = profile.object_sizes.bytes_weighted.p50;
  const findings: Finding[] = [
    {
      id: 'low-reuse',
      label: 'low reuse / personalised',
      applies: oneHit.share_of_keys >= rules.oneHitWonderShareOfKeys || curve.maxHitRate < rules.maxHitRateBelow,
      evidence:
        `${formatPercentInProse(oneHit.share_of_keys)} of keys are requested once ` +
        `(${formatPercentInProse(oneHit.share_of_requests)} of requests); ` +
        `an unbounded cache would hit ${formatPercentInProse(curve.maxHitRate)} of reads`,
    },
    {
      id: 'changes-faster-than-read',
      label: 'changes faster than it is read',
      applies: writeShare >= rules.minWriteShareForOverwrites && writes.overwrite_share >= rules.overwriteShare,
      evidence:
        writes.writes === 0
          ? 'no writes'
          : `${formatPercentInProse(writes.overwrite_share)} of writes are overwritten before the key is read ` +
            `(${formatCount(writes.overwritten_before_read)} of ${formatCount(writes.writes)}, over ${formatCount(writes.keys_with_writes)} keys)`,
    },
    {
      id: 'large-objects',
      label: 'large objects',
      applies: profile.object_sizes.has_sizes && halfBytesIn !== null && halfBytesIn >= rules.largeObjectBytes,
      evidence: profile.object_sizes.has_sizes
        ? `half of the bytes are in objects of ${formatBytes(halfBytesIn ?? 0)} or more`
        : 'the trace has no object sizes',
    },
    {
      id: 'write-heavy',
      label: 'write-heavy',
      applies: writeShare >= rules.writeShare,
      evidence: `${formatPercentInProse(writeShare)} of requests are writes (sets and deletes)`,
    },
  ];

  const target = options.targetHitRate;
  const reachable = curve.maxHitRate >= target && profile.reads > 0;
  const entries = reachable ? smallestSize(1, Math.ceil(curve.flatFrom), (size) => curve.hitRateAt(size) >= target) : null;
  const hitRate = entries === null ? curve.maxHitRate : curve.hitRateAt(entries);
  let bytes: number | null = null;
  const byteCurve = curve.bytes;
  // Byte distances are binned (0.8% wide): past the largest one, by a bin, the curve is surely flat.
  const byteCeiling = byteCurve === null ? 0 : Math.ceil(byteCurve.flatFrom * 1.01) + 1;
  if (entries !== null && byteCurve !== null && byteCurve.hitRateAt(byteCeiling) >= target) {
    bytes = smallestSize(1, byteCeiling, (capacity) => byteCurve.hitRateAt(capacity) >= target) + (memory?.baseline ?? 0);
  }

  const { cacheLatencyMs: cache, dbLatencyMs: db } = options;
  const readRate = profile.read_rate_per_s;
  const expected = {
    hit_rate: hitRate,
    cache_latency_ms: cache,
    db_latency_ms: db,
    mean_latency_ms: hitRate * cache + (1 - hitRate) * (cache + db),
    mean_latency_no_cache_ms: db,
    db_reads_per_s: readRate === null ? null : (1 - hitRate) * readRate,
    db_reads_per_s_no_cache: readRate,
  };

  const applying = findings.filter((f) => f.applies).map((f) => f.label);
  const caveats = applying.length === 0 ? '' : ` Watch: ${applying.join('; ')}.`;
  const load =
    expected.db_reads_per_s === null || expected.db_reads_per_s_no_cache === null
      ? ''
      : `, DB reads ${formatRate(expected.db_reads_per_s_no_cache)} → ${formatRate(expected.db_reads_per_s)}`;
  const effect = `mean read latency ${formatDuration(db)} → ${formatDuration(expected.mean_latency_ms)}${load}`;
  const summary =
    profile.reads === 0
      ? `The trace has no reads: a cache has nothing to serve.${caveats}`
      : entries === null
        ? `A hit rate of ${formatPercentInProse(target)} is out of reach even with an unbounded cache (at most ` +
          `${formatPercentInProse(curve.maxHitRate)}, holding all ${formatCount(profile.distinct_keys)} keys): ${effect}.${caveats}`
        : `An LRU cache of ${formatCount(entries)} entries${bytes === null ? '' : ` (${formatBytes(bytes)}${memory === null ? '' : ' of Redis memory'})`} reaches ` +
          `${formatPercentInProse(hitRate)} hits: ${effect}.${caveats}`;

  return {
    findings,
    target_hit_rate: target,
    smallest_cache: entries === null ? null : { entries, bytes, hit_rate: hitRate },
    max_hit_rate: curve.maxHitRate,
    expected,
    summary,
  };
}

/** The smallest integer in [lo, hi] where a monotone predicate holds (hi when only there). */
function smallestSize(lo: number, hi: number, holds: (size: number) => boolean): number {
  let low = lo;
  let high = hi;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (holds(mid)) high = mid;
    else low = mid + 1;
  }
  return low;
}
