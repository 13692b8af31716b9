import type {
  AgeSummary,
  CacheMetrics,
  LatencySummary,
  LiveMetrics,
  RunMetrics,
  TierMetrics,
  WriteBehindMetrics,
} from '../result/run-result.js';
import type { HistogramUnion } from './histogram-union.js';

/**
 * The metrics of one run whose requests were split among shards (disjoint key sets, one clock), from each
 * shard's metrics. Which numbers come out exact and which are bounds is the table in docs/across-machines.md
 * ("What is exact after merging"); in short:
 *
 * - counters are summed, and every ratio is recomputed from the sums (hit_rate = Σhits ÷ Σreads, …): exact;
 * - latency percentiles come from the union of the encoded histograms (`latency`): exact to HDR precision;
 *   means are count-weighted and maxima are maxima: exact;
 * - a maximum per key (max_concurrent_fetches_per_key) is exact as the largest, since no key is in two shards;
 * - a peak of a total over the system (db.qps_peak, db.max_inflight, cache.peak_*, write-behind
 *   max_pending) is the sum of the shards' peaks: an upper bound, reached only if the peaks coincided;
 * - percentiles that travel without a histogram (by kind, queue wait, staleness age) are the largest
 *   shard's: an upper bound, since a merged percentile never exceeds the largest of the parts'.
 */
export function mergeRunMetrics(parts: readonly RunMetrics[], latency: HistogramUnion | null): RunMetrics {
  const total = (read: (m: RunMetrics) => number): number => parts.reduce((sum, m) => sum + read(m), 0);
  const reads = total((m) => m.reads);
  const hits = total((m) => m.hits);
  const durationMs = Math.max(0, ...parts.map((m) => m.duration_ms));
  const queries = total((m) => m.db.queries);
  const timed = parts.some((m) => m.db.qps_mean !== null || m.latency_ms !== null);
  const staleReads = total((m) => m.staleness.stale_reads);
  const merged: RunMetrics = {
    requests: total((m) => m.requests),
    reads,
    writes: total((m) => m.writes),
    deletes: total((m) => m.deletes),
    errors: total((m) => m.errors),
    hits,
    misses: total((m) => m.misses),
    hit_rate: reads > 0 ? hits / reads : null,
    // Bytes are not in the result: the shards' byte hit rates are weighted by their reads.
    byte_hit_rate: weightedMean(parts.map((m) => [m.byte_hit_rate, m.reads])),
    duration_ms: durationMs,
    latency_ms: mergeLatency(
      parts.map((m) => m.latency_ms),
      latency,
    ),
    latency_by_kind_ms: {
      reads: mergeLatency(
        parts.map((m) => m.latency_by_kind_ms.reads),
        null,
      ),
      writes: mergeLatency(
        parts.map((m) => m.latency_by_kind_ms.writes),
        null,
      ),
      hits: mergeLatency(
        parts.map((m) => m.latency_by_kind_ms.hits),
        null,
      ),
      misses: mergeLatency(
        parts.map((m) => m.latency_by_kind_ms.misses),
        null,
      ),
    },
    db: {
      queries,
      reads: total((m) => m.db.reads),
      writes: total((m) => m.db.writes),
      // Σ queries over the longest shard's duration: the shards ran on one clock.
      qps_mean: timed && durationMs > 0 ? queries / (durationMs / 1000) : null,
      qps_peak: sumOfPresent(parts.map((m) => m.db.qps_peak)),
      max_inflight: total((m) => m.db.max_inflight),
      queue_wait_ms: {
        mean: weightedMean(parts.map((m) => [m.db.queue_wait_ms.mean, m.db.queries])),
        p50: largest(parts.map((m) => m.db.queue_wait_ms.p50)),
        p99: largest(parts.map((m) => m.db.queue_wait_ms.p99)),
        max: largest(parts.map((m) => m.db.queue_wait_ms.max)),
      },
      timeouts: total((m) => m.db.timeouts),
    },
    herd: {
      duplicate_fetches: total((m) => m.herd.duplicate_fetches),
      max_concurrent_fetches_per_key: Math.max(0, ...parts.map((m) => m.herd.max_concurrent_fetches_per_key)),
    },
    staleness: {
      stale_reads: staleReads,
      stale_rate: reads > 0 ? staleReads / reads : null,
      age_ms: {
        p50: largest(parts.map((m) => m.staleness.age_ms.p50)),
        p99: largest(parts.map((m) => m.staleness.age_ms.p99)),
        max: largest(parts.map((m) => m.staleness.age_ms.max)),
      },
      budget_violations: total((m) => m.staleness.budget_violations),
      max_staleness_ms: parts[0]?.staleness.max_staleness_ms ?? null,
    },
    cache: mergeCache(parts.map((m) => m.cache)),
    offload: null,
  };
  if (parts.some((m) => m.tiers !== undefined)) {
    merged.tiers = {
      l1: mergeTier(parts.map((m) => m.tiers?.l1 ?? null)),
      l2: mergeTier(parts.map((m) => m.tiers?.l2 ?? null)),
    };
  }
  const invalidations = parts.flatMap((m) => (m.invalidation === undefined ? [] : [m.invalidation]));
  if (invalidations.length > 0) {
    merged.invalidation = {
      sent: invalidations.reduce((sum, i) => sum + i.sent, 0),
      received: invalidations.reduce((sum, i) => sum + i.received, 0),
      lost: invalidations.reduce((sum, i) => sum + i.lost, 0),
    };
  }
  const writeBehind = parts.flatMap((m) => (m.write_behind === undefined ? [] : [m.write_behind]));
  if (writeBehind.length > 0) merged.write_behind = mergeWriteBehind(writeBehind);
  const live = parts.flatMap((m) => (m.live === undefined ? [] : [m.live]));
  if (live.length > 0) merged.live = mergeLive(live);
  // Every shard reads the whole trace before keeping its part: what the reader skipped is the same in each.
  const trace = parts.find((m) => m.trace !== undefined)?.trace;
  if (trace !== undefined) merged.trace = trace;
  return merged;
}

/**
 * offload = 1 − DB reads with the cache ÷ DB reads of the baseline, from the summed counts. A live run's
 * baseline replays its warm-up too, so there it compares DB reads per read (as live/live-run.ts does).
 */
export function mergedOffload(metrics: RunMetrics, baseline: RunMetrics, parts: readonly RunMetrics[]): number | null {
  if (parts.every((m) => m.offload === null) || baseline.db.reads === 0) return null;
  if (parts.some((m) => m.live !== undefined)) {
    if (metrics.reads === 0 || baseline.reads === 0) return null;
    return 1 - metrics.db.reads / metrics.reads / (baseline.db.reads / baseline.reads);
  }
  return 1 - metrics.db.reads / baseline.db.reads;
}

/** Count-weighted mean and the largest max are exact; percentiles come from `union`, else the largest part's. */
function mergeLatency(parts: readonly (LatencySummary | null)[], union: HistogramUnion | null): LatencySummary | null {
  const present = parts.filter((p): p is LatencySummary => p !== null);
  if (present.length === 0) return null;
  const count = present.reduce((sum, p) => sum + p.count, 0);
  const max = largest(present.map((p) => p.max));
  const percentile = (p: number, read: (s: LatencySummary) => number | null): number | null =>
    union !== null && union.count > 0 ? union.percentileMs(p, max) : largest(present.map(read));
  return {
    count,
    mean: weightedMean(present.map((p) => [p.mean, p.count])),
    p50: percentile(50, (s) => s.p50),
    p90: percentile(90, (s) => s.p90),
    p99: percentile(99, (s) => s.p99),
    p999: percentile(99.9, (s) => s.p999),
    max,
  };
}

function mergeCache(parts: readonly (CacheMetrics | null)[]): CacheMetrics | null {
  const present = parts.filter((p): p is CacheMetrics => p !== null);
  if (present.length === 0) return null;
  const total = (read: (c: CacheMetrics) => number): number => present.reduce((sum, c) => sum + read(c), 0);
  return {
    evictions: total((c) => c.evictions),
    expirations: total((c) => c.expirations),
    invalidations: total((c) => c.invalidations),
    entries: total((c) => c.entries),
    bytes: total((c) => c.bytes),
    peak_entries: total((c) => c.peak_entries),
    peak_bytes: total((c) => c.peak_bytes),
  };
}

function mergeTier(parts: readonly (TierMetrics | null)[]): TierMetrics | null {
  const present = parts.filter((p): p is TierMetrics => p !== null);
  const cache = mergeCache(present);
  if (cache === null) return null;
  const lookups = present.reduce((sum, t) => sum + t.lookups, 0);
  const hits = present.reduce((sum, t) => sum + t.hits, 0);
  const errors = present.reduce((sum, t) => sum + t.errors, 0);
  return { ...cache, lookups, hits, hit_rate: lookups > 0 ? hits / lookups : null, errors };
}

function mergeWriteBehind(parts: readonly WriteBehindMetrics[]): WriteBehindMetrics {
  return {
    max_pending: parts.reduce((sum, w) => sum + w.max_pending, 0),
    flushed_writes: parts.reduce((sum, w) => sum + w.flushed_writes, 0),
    lost_writes: parts.reduce((sum, w) => sum + w.lost_writes, 0),
  };
}

/** Each shard counts errors per second of its own wall clock; shards started together line them up. */
function mergeLive(parts: readonly LiveMetrics[]): LiveMetrics {
  const seconds = Math.max(0, ...parts.map((l) => l.errors_per_second.length));
  const errorsPerSecond = Array.from({ length: seconds }, (_, s) => parts.reduce((sum, l) => sum + (l.errors_per_second[s] ?? 0), 0));
  const cacheSeconds = Math.max(0, ...parts.map((l) => l.cache_errors_per_second?.length ?? 0));
  const cacheErrorsPerSecond = Array.from({ length: cacheSeconds }, (_, s) => parts.reduce((sum, l) => sum + (l.cache_errors_per_second?.[s] ?? 0), 0));
  return {
    dropped: parts.reduce((sum, l) => sum + l.dropped, 0),
    errors_per_second: errorsPerSecond,
    ...(parts.some((l) => l.cache_errors_per_second !== undefined) ? { cache_errors_per_second: cacheErrorsPerSecond } : {}),
    reconnects: parts.reduce((sum, l) => sum + l.reconnects, 0),
    warmup_ms: Math.max(...parts.map((l) => l.warmup_ms)),
    ...mergeSchedule(parts),
  };
}

/**
 * The shards' floors and schedules: the floor is the worst shard's (each statistic its largest: a bound);
 * the run is saturated when any shard was (its latencies are in the merged histogram); the rate kept up
 * with is the sum of the shards' (each kept its own share), unknown when one of them has none.
 */
function mergeSchedule(parts: readonly LiveMetrics[]): Partial<LiveMetrics> {
  const merged: Partial<LiveMetrics> = {};
  const worst = (summaries: readonly AgeSummary[]): AgeSummary => ({
    p50: largest(summaries.map((f) => f.p50)),
    p99: largest(summaries.map((f) => f.p99)),
    max: largest(summaries.map((f) => f.max)),
  });
  const floors = parts.flatMap((l) => (l.floor_ms === undefined ? [] : [l.floor_ms]));
  if (floors.length === parts.length) merged.floor_ms = { noop: worst(floors.map((f) => f.noop)), ping: worst(floors.map((f) => f.ping)) };
  if (parts.every((l) => l.saturated !== undefined)) {
    merged.saturated = parts.some((l) => l.saturated === true);
    merged.saturation_reasons = [...new Set(parts.flatMap((l) => l.saturation_reasons ?? []))];
    const rates = parts.map((l) => l.kept_up_rate ?? null);
    merged.kept_up_rate = rates.includes(null) ? null : (rates as number[]).reduce((sum, r) => sum + r, 0);
  }
  const schedules = parts.flatMap((l) => (l.schedule === undefined ? [] : [l.schedule]));
  if (schedules.length === parts.length) {
    merged.schedule = {
      late_starts: schedules.reduce((sum, s) => sum + s.late_starts, 0),
      late_tolerance_ms: Math.max(...schedules.map((s) => s.late_tolerance_ms)),
      start_lateness_ms: worst(schedules.map((s) => s.start_lateness_ms)),
      event_loop_delay_ms: {
        p99: Math.max(...schedules.map((s) => s.event_loop_delay_ms.p99)),
        max: Math.max(...schedules.map((s) => s.event_loop_delay_ms.max)),
      },
      event_loop_utilization: schedules.flatMap((s) => s.event_loop_utilization),
    };
  }
  return merged;
}

/** Σ value × weight ÷ Σ weight over the parts that have a value; null when none has (or no weight). */
export function weightedMean(pairs: readonly (readonly [number | null, number])[]): number | null {
  let weighted = 0;
  let weights = 0;
  for (const [value, weight] of pairs) {
    if (value === null || !(weight > 0)) continue;
    weighted += value * weight;
    weights += weight;
  }
  return weights > 0 ? weighted / weights : null;
}

function largest(values: readonly (number | null)[]): number | null {
  let max: number | null = null;
  for (const value of values) if (value !== null && (max === null || value > max)) max = value;
  return max;
}

function sumOfPresent(values: readonly (number | null)[]): number | null {
  let sum: number | null = null;
  for (const value of values) if (value !== null) sum = (sum ?? 0) + value;
  return sum;
}
