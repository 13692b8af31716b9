import type { LatencySummary, RunMetrics, RunResult } from '../../src/result/run-result.js';

/** A latency summary with every statistic set from one p99 unless given: enough for reporters and gates. */
export function latency(values: Partial<LatencySummary> = {}): LatencySummary {
  return { count: 1000, mean: 1, p50: 0.8, p90: 1.5, p99: 2.1, p999: 4, max: 9, ...values };
}

/**
 * A plausible cache run: 10,000 reads at a 91.2% hit rate, timed, with a little staleness. Tests override
 * the fields they are about; nested objects are replaced whole.
 */
export function runMetrics(overrides: Partial<RunMetrics> = {}): RunMetrics {
  return {
    requests: 10_500,
    reads: 10_000,
    writes: 500,
    deletes: 0,
    errors: 0,
    hits: 9_120,
    misses: 880,
    hit_rate: 0.912,
    byte_hit_rate: 0.85,
    duration_ms: 2_100,
    latency_ms: latency(),
    latency_by_kind_ms: {
      reads: latency(),
      writes: latency({ p99: 6 }),
      hits: latency({ p99: 0.85 }),
      misses: latency({ p99: 48 }),
    },
    db: {
      queries: 1_380,
      reads: 880,
      writes: 500,
      qps_mean: 657.1,
      qps_peak: 1_234,
      max_inflight: 12,
      queue_wait_ms: { mean: 0.1, p50: 0, p99: 3.5, max: 10 },
      timeouts: 0,
    },
    herd: { duplicate_fetches: 7, max_concurrent_fetches_per_key: 3 },
    staleness: {
      stale_reads: 30,
      stale_rate: 0.003,
      age_ms: { p50: 120, p99: 1_800, max: 2_500 },
      budget_violations: 2,
      max_staleness_ms: 1_000,
    },
    cache: {
      evictions: 4_321,
      expirations: 17,
      invalidations: 250,
      entries: 1_000,
      bytes: 1_024_000,
      peak_entries: 1_000,
      peak_bytes: 1_048_576,
    },
    offload: 0.912,
    ...overrides,
  };
}

/** The same workload without a cache: every read goes to the database. */
export function baselineMetrics(overrides: Partial<RunMetrics> = {}): RunMetrics {
  const base = runMetrics();
  return {
    ...base,
    hits: 0,
    misses: 10_000,
    hit_rate: 0,
    byte_hit_rate: 0,
    latency_ms: latency({ mean: 20, p50: 15, p90: 35, p99: 48, p999: 70, max: 120 }),
    latency_by_kind_ms: {
      reads: latency({ p99: 48 }),
      writes: latency({ p99: 50 }),
      hits: null,
      misses: latency({ p99: 48 }),
    },
    db: { ...base.db, queries: 10_500, reads: 10_000, qps_mean: 5_000, qps_peak: 5_600, max_inflight: 32 },
    herd: { duplicate_fetches: 0, max_concurrent_fetches_per_key: 1 },
    staleness: {
      stale_reads: 0,
      stale_rate: 0,
      age_ms: { p50: null, p99: null, max: null },
      budget_violations: 0,
      max_staleness_ms: 1_000,
    },
    cache: null,
    offload: null,
    ...overrides,
  };
}

export function runResult(overrides: Partial<RunResult> = {}): RunResult {
  return {
    name: 'product-prices',
    params: {},
    metrics: runMetrics(),
    baseline: baselineMetrics(),
    thresholds: [],
    histograms: { latency_us: '', baseline_latency_us: '' },
    timeseries_window_ms: 1000,
    timeseries: [],
    ...overrides,
  };
}

/**
 * A live run against Redis and a real PostgreSQL (table mode, a live baseline): each server's counters
 * differ from the client's counts, so a test can tell which column a number came from.
 */
export function liveRunResult(overrides: Partial<RunResult> = {}): RunResult {
  const metrics = runMetrics({ cache: null, live: { dropped: 0, errors_per_second: [], reconnects: 0, warmup_ms: 1_000 } });
  return runResult({
    metrics,
    redis: {
      target: 'redis://127.0.0.1:6390/0',
      prefix: 'cachebench:5eed:',
      info_before: { used_memory: 1_048_576, total_commands_processed: 100 },
      info_after: { used_memory: 2_097_152, total_commands_processed: 12_445 },
      delta: {
        keyspace_hits: 9_124,
        keyspace_misses: 882,
        evicted_keys: 77,
        expired_keys: 5,
        used_memory: 1_048_576,
        total_commands_processed: 12_345,
      },
      client: { gets: 10_000, hits: 9_120, misses: 880, errors: 3 },
      config_applied: null,
      keys_deleted: 950,
    },
    database: {
      kind: 'postgres',
      target: 'postgres://app:***@127.0.0.1:5432/app',
      mode: 'table',
      table: 'cachebench_items_5eed',
      rows_filled: 1_000,
      pool: 8,
      read_only: false,
      statements: { read: 'SELECT version, payload FROM t WHERE id = $1', write: 'UPDATE t SET version = version + 1 WHERE id = $1', flush: null },
      staleness: 'exact',
      client: { reads: 880, writes: 500, flushes: 0, errors: 2, timeouts: 1, unversioned: 0, missing_rows: 0 },
      reconnects: 0,
      server: {
        database: {
          xact_commit: 1_391,
          xact_rollback: 4,
          tup_returned: 2_600,
          tup_fetched: 1_380,
          tup_inserted: 0,
          tup_updated: 500,
          tup_deleted: 0,
          blks_read: 10,
          blks_hit: 3_990,
        },
        statements: { read: { calls: 878, rows: 877 }, write: { calls: 499, rows: 498 }, flush: null },
      },
      baseline: {
        client: { reads: 10_000, writes: 500, flushes: 0, errors: 0, timeouts: 0, unversioned: 0, missing_rows: 0 },
        server: {
          database: { xact_commit: 10_512, xact_rollback: 0, blks_read: 0, blks_hit: 30_000 },
          statements: { read: { calls: 10_001, rows: 10_001 }, write: { calls: 501, rows: 501 }, flush: null },
        },
      },
      table_dropped: true,
    },
    baseline_source: 'live',
    ...overrides,
  });
}
