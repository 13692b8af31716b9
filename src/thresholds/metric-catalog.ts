import type { AgeSummary, LatencySummary, RunMetrics, TierMetrics } from '../result/run-result.js';

/**
 * What a metric measures decides which threshold values make sense for it:
 * - `ratio`: a fraction (hit_rate, offload), written `0.8` or `80%`;
 * - `duration`: milliseconds, written with a unit (`20ms`, `500us`, `2s`, `1m`);
 * - `count`: a number of events, written `500`, `10k`, `1M`;
 * - `rate`: events per second, written `500` or `500/s`.
 */
export type MetricKind = 'ratio' | 'duration' | 'count' | 'rate';

export interface MetricDefinition {
  /** The name thresholds use, e.g. `latency.p99`. */
  readonly name: string;
  readonly kind: MetricKind;
  readonly description: string;
  /**
   * Which way is an improvement, for reports that show a change between two results (`cachebench compare`):
   * `higher` (hit_rate), `lower` (latency, DB load, staleness). Absent: neither, because the metric describes
   * the workload (requests, writes) or a trade-off (peak_entries).
   */
  readonly better?: 'higher' | 'lower';
  /** The metric's value in its kind's unit (ms for durations); null when it has no samples. */
  read(metrics: RunMetrics): number | null;
}

type MetricEntry = Omit<MetricDefinition, 'name'>;

const LATENCY_STATISTICS = {
  mean: 'mean',
  p50: 'median (p50)',
  p90: 'p90',
  p99: 'p99',
  p999: 'p99.9',
  max: 'maximum',
} as const satisfies Record<keyof Omit<LatencySummary, 'count'>, string>;

function latencyMetrics(
  prefix: string,
  subject: string,
  summaryOf: (metrics: RunMetrics) => LatencySummary | null,
): Record<string, MetricEntry> {
  const entries: Record<string, MetricEntry> = {};
  for (const [statistic, label] of Object.entries(LATENCY_STATISTICS)) {
    const key = statistic as keyof typeof LATENCY_STATISTICS;
    entries[`${prefix}.${statistic}`] = {
      kind: 'duration',
      better: 'lower',
      description: `${label} end-to-end latency of ${subject}, from intended start`,
      read: (metrics) => summaryOf(metrics)?.[key] ?? null,
    };
  }
  return entries;
}

function ageMetrics(
  prefix: string,
  subject: string,
  statistics: readonly (keyof AgeSummary | 'mean')[],
  summaryOf: (metrics: RunMetrics) => (AgeSummary & { mean?: number | null }) | null,
): Record<string, MetricEntry> {
  const entries: Record<string, MetricEntry> = {};
  for (const statistic of statistics) {
    entries[`${prefix}.${statistic}`] = {
      kind: 'duration',
      better: 'lower',
      description: `${statistic} ${subject}`,
      read: (metrics) => summaryOf(metrics)?.[statistic] ?? null,
    };
  }
  return entries;
}

/** Reads a cache counter; the baseline has no cache, so its cache counters have no samples. */
function cacheCounter(field: 'evictions' | 'expirations' | 'invalidations' | 'peak_entries' | 'peak_bytes') {
  return (metrics: RunMetrics): number | null => metrics.cache?.[field] ?? null;
}

/**
 * Every metric a threshold can name, in the order error messages list them. Names and meanings follow
 * docs/metrics.md; this is the one place a threshold name maps to a RunMetrics field.
 */
const CATALOG_ENTRIES: Record<string, MetricEntry> = {
  requests: { kind: 'count', description: 'requests issued', read: (m) => m.requests },
  reads: { kind: 'count', description: 'get requests', read: (m) => m.reads },
  writes: { kind: 'count', description: 'set requests', read: (m) => m.writes },
  deletes: { kind: 'count', description: 'delete requests', read: (m) => m.deletes },
  errors: { kind: 'count', better: 'lower', description: 'requests that failed', read: (m) => m.errors },
  hits: { kind: 'count', better: 'higher', description: 'reads served from a cache tier', read: (m) => m.hits },
  misses: { kind: 'count', better: 'lower', description: 'reads that went to the database', read: (m) => m.misses },
  hit_rate: { kind: 'ratio', better: 'higher', description: 'hits ÷ reads', read: (m) => m.hit_rate },
  byte_hit_rate: { kind: 'ratio', better: 'higher', description: 'bytes of hits ÷ bytes of reads', read: (m) => m.byte_hit_rate },
  offload: {
    kind: 'ratio',
    better: 'higher',
    description: '1 − DB reads with cache ÷ DB reads of the no-cache baseline',
    read: (m) => m.offload,
  },
  ...latencyMetrics('latency', 'all requests', (m) => m.latency_ms),
  ...latencyMetrics('latency.reads', 'reads', (m) => m.latency_by_kind_ms.reads),
  ...latencyMetrics('latency.writes', 'writes', (m) => m.latency_by_kind_ms.writes),
  ...latencyMetrics('latency.hits', 'cache hits', (m) => m.latency_by_kind_ms.hits),
  ...latencyMetrics('latency.misses', 'cache misses', (m) => m.latency_by_kind_ms.misses),
  'db.queries': {
    kind: 'count',
    better: 'lower',
    description: 'reads + writes reaching the database',
    read: (m) => m.db.queries,
  },
  'db.reads': { kind: 'count', better: 'lower', description: 'reads reaching the database', read: (m) => m.db.reads },
  'db.writes': { kind: 'count', better: 'lower', description: 'writes reaching the database', read: (m) => m.db.writes },
  'db.qps_mean': {
    kind: 'rate',
    better: 'lower',
    description: 'database queries per second over the run',
    read: (m) => m.db.qps_mean,
  },
  'db.qps_peak': {
    kind: 'rate',
    better: 'lower',
    description: 'most database queries in any 1-second window',
    read: (m) => m.db.qps_peak,
  },
  'db.max_inflight': {
    kind: 'count',
    better: 'lower',
    description: 'most database queries holding a connection at once',
    read: (m) => m.db.max_inflight,
  },
  'db.timeouts': { kind: 'count', better: 'lower', description: 'database queries that timed out', read: (m) => m.db.timeouts },
  ...ageMetrics(
    'db.queue_wait',
    'wait for a database connection',
    ['mean', 'p50', 'p99', 'max'],
    (m) => m.db.queue_wait_ms,
  ),
  'herd.duplicate_fetches': {
    kind: 'count',
    better: 'lower',
    description: 'DB reads started for a key while another read of it was in flight',
    read: (m) => m.herd.duplicate_fetches,
  },
  'herd.max_concurrent_fetches_per_key': {
    kind: 'count',
    better: 'lower',
    description: 'most DB reads in flight at once for one key',
    read: (m) => m.herd.max_concurrent_fetches_per_key,
  },
  'staleness.stale_reads': {
    kind: 'count',
    better: 'lower',
    description: 'reads that returned a superseded version',
    read: (m) => m.staleness.stale_reads,
  },
  'staleness.stale_rate': {
    kind: 'ratio',
    better: 'lower',
    description: 'stale reads ÷ reads',
    read: (m) => m.staleness.stale_rate,
  },
  ...ageMetrics('staleness.age', 'staleness age of stale reads', ['p50', 'p99', 'max'], (m) => m.staleness.age_ms),
  'staleness.budget_violations': {
    kind: 'count',
    better: 'lower',
    description: 'reads older than max_staleness',
    read: (m) => m.staleness.budget_violations,
  },
  'cache.evictions': {
    kind: 'count',
    better: 'lower',
    description: 'entries evicted for capacity',
    read: cacheCounter('evictions'),
  },
  'cache.expirations': { kind: 'count', description: 'entries expired by TTL', read: cacheCounter('expirations') },
  'cache.invalidations': {
    kind: 'count',
    description: 'entries removed or replaced by writes',
    read: cacheCounter('invalidations'),
  },
  'cache.peak_entries': {
    kind: 'count',
    description: 'most entries cached at once',
    read: cacheCounter('peak_entries'),
  },
  'cache.peak_bytes': { kind: 'count', description: 'most bytes cached at once', read: cacheCounter('peak_bytes') },
  ...tierMetrics('l1', 'the local tiers (L1, all nodes)', (m) => m.tiers?.l1 ?? null),
  ...tierMetrics('l2', 'the shared tier (L2) of a two-tier topology', (m) => m.tiers?.l2 ?? null),
  'invalidation.sent': { kind: 'count', description: 'pub/sub invalidation messages sent (one per write and other node)', read: (m) => m.invalidation?.sent ?? null },
  'invalidation.received': { kind: 'count', description: 'pub/sub invalidation messages delivered', read: (m) => m.invalidation?.received ?? null },
  'invalidation.lost': { kind: 'count', description: 'pub/sub invalidation messages lost (loss, partition, crashed node)', read: (m) => m.invalidation?.lost ?? null },
  'write_behind.lost_writes': {
    kind: 'count',
    description: 'acknowledged writes never persisted because their node crashed first',
    read: (m) => m.write_behind?.lost_writes ?? null,
  },
  'write_behind.max_pending': {
    kind: 'count',
    description: 'most acknowledged writes not yet persisted at once',
    read: (m) => m.write_behind?.max_pending ?? null,
  },
};

/** A tier's hit rate and counters; absent (no samples) without a two-tier topology. */
function tierMetrics(prefix: string, subject: string, tierOf: (metrics: RunMetrics) => TierMetrics | null): Record<string, MetricEntry> {
  return {
    [`${prefix}.hit_rate`]: { kind: 'ratio', description: `hits ÷ lookups in ${subject}`, read: (m) => tierOf(m)?.hit_rate ?? null },
    [`${prefix}.hits`]: { kind: 'count', description: `hits in ${subject}`, read: (m) => tierOf(m)?.hits ?? null },
    [`${prefix}.evictions`]: { kind: 'count', description: `entries evicted from ${subject}`, read: (m) => tierOf(m)?.evictions ?? null },
  };
}

export const METRIC_CATALOG: ReadonlyMap<string, MetricDefinition> = new Map(
  Object.entries(CATALOG_ENTRIES).map(([name, entry]) => [name, { name, ...entry }]),
);

export const METRIC_NAMES: readonly string[] = [...METRIC_CATALOG.keys()];

export function findMetric(name: string): MetricDefinition | undefined {
  return METRIC_CATALOG.get(name);
}
