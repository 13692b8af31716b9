/**
 * The result of a run: the public JSON contract (docs/json-result.md). Field names are the
 * metric names of docs/metrics.md; durations are in milliseconds. A value that has no samples
 * (a latency percentile of a run without timing, a hit rate with no reads) is null, never 0.
 */

export interface LatencySummary {
  count: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
}

export interface AgeSummary {
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export interface DbMetrics {
  /** Reads + writes reaching the backend (queries started, timed-out ones included). */
  queries: number;
  reads: number;
  writes: number;
  /** queries ÷ the run's duration in seconds; null without timing. */
  qps_mean: number | null;
  /** Largest number of queries submitted within any 1-second window of the run's clock; null without timing. */
  qps_peak: number | null;
  /** Most queries holding a connection at once. */
  max_inflight: number;
  /** Time spent waiting for a connection in the pool's FIFO queue. */
  queue_wait_ms: AgeSummary & { mean: number | null };
  timeouts: number;
}

export interface HerdMetrics {
  /** DB reads started for a key while another read of that key was already in flight. */
  duplicate_fetches: number;
  max_concurrent_fetches_per_key: number;
}

export interface StalenessMetrics {
  stale_reads: number;
  /** stale_reads ÷ reads */
  stale_rate: number | null;
  age_ms: AgeSummary;
  /** Reads served more than max_staleness after their version was superseded. */
  budget_violations: number;
  max_staleness_ms: number | null;
}

export interface CacheMetrics {
  evictions: number;
  expirations: number;
  /** Cached entries removed or replaced by writes (invalidation: delete | update). */
  invalidations: number;
  entries: number;
  bytes: number;
  peak_entries: number;
  peak_bytes: number;
}

/** One tier of a two-tier topology (L1: per node, summed over nodes — peaks are the sum of each node's peak; L2: shared). */
export interface TierMetrics extends CacheMetrics {
  lookups: number;
  hits: number;
  /** hits ÷ lookups; null without lookups. */
  hit_rate: number | null;
  /** Operations that failed because the tier was down (a cache-down fault). */
  errors: number;
}

/** Pub/sub invalidation messages: one sent per write and receiving node; lost ones never arrive. */
export interface InvalidationMessageMetrics {
  sent: number;
  received: number;
  lost: number;
  /** Live runs only: publish→receive delay of the messages received, measured on the run's clock. */
  delay_ms?: AgeSummary;
}

/** Write-behind: acknowledged writes waiting for their flush to the database. */
export interface WriteBehindMetrics {
  /** Most writes pending at once (over all nodes). */
  max_pending: number;
  /** Writes the database committed from the queue. */
  flushed_writes: number;
  /** Acknowledged writes that never reached the database: pending when their node crashed. */
  lost_writes: number;
}

export interface RunMetrics {
  requests: number;
  reads: number;
  writes: number;
  deletes: number;
  errors: number;
  hits: number;
  misses: number;
  /** hits ÷ reads; null without reads. */
  hit_rate: number | null;
  /** bytes of hits ÷ bytes of reads. */
  byte_hit_rate: number | null;
  /** Run's clock from first arrival to last completion, ms (0 without timing). */
  duration_ms: number;
  /** End to end from each request's intended start; null without timing. */
  latency_ms: LatencySummary | null;
  latency_by_kind_ms: {
    reads: LatencySummary | null;
    writes: LatencySummary | null;
    hits: LatencySummary | null;
    misses: LatencySummary | null;
  };
  db: DbMetrics;
  herd: HerdMetrics;
  staleness: StalenessMetrics;
  /** null for a run without a cache (the baseline). */
  cache: CacheMetrics | null;
  /** 1 − DB reads with cache ÷ DB reads of the no-cache baseline; null on the baseline itself or when the baseline had no DB reads. */
  offload: number | null;
  /** Per tier, when the topology has an L1 (per node) in front of the shared L2; absent for one tier. */
  tiers?: { l1: TierMetrics | null; l2: TierMetrics | null };
  /** Present with pubsub invalidation. */
  invalidation?: InvalidationMessageMetrics;
  /** Present with the write-behind pattern. */
  write_behind?: WriteBehindMetrics;
  /** Live runs only: what the wall-clock load generator saw. */
  live?: LiveMetrics;
  /** Trace workloads only: what the reader skipped (malformed lines under skip_bad_lines; non-cache commands of a MONITOR trace). */
  trace?: { skipped_lines: number; skipped_commands: Record<string, number> };
}

export interface LiveMetrics {
  /** Arrivals not issued because max_in_flight requests were already in flight (not in `requests`). */
  dropped: number;
  /**
   * Failed requests (the `errors` of the metrics: a DB timeout, or a failed Redis command under
   * on_cache_error: fail) in each second of the wall clock since the start, warm-up included.
   */
  errors_per_second: number[];
  /** Failed Redis commands in each second of the wall clock since the start (warm-up included); `redis.client.errors` in all. */
  cache_errors_per_second?: number[];
  /** Times a Redis connection was re-established after dropping. */
  reconnects: number;
  warmup_ms: number;
  /** Event loops that drove the load: 1 is the main thread alone; more are worker threads, each with its share of the keys. */
  workers?: number;
  /** Measured requests each worker issued (its keys' share of the load), in worker order. */
  worker_requests?: number[];
  /**
   * The client's own floor, measured just before the load at the run's rate (live/floor-calibration.ts):
   * `noop`, a request that does nothing through the same open-loop schedule and intended-start
   * accounting (null fields for a closed loop, which has no schedule); `ping`, a Redis PING on the run's
   * connections. A latency within 2× of these measures the client, not the system.
   */
  floor_ms?: { noop: AgeSummary; ping: AgeSummary };
  /**
   * true when the client could not keep its schedule (dropped arrivals, late starts, a stalled or fully
   * busy event loop): the latencies then show the load generator's limit, not the system's, and latency
   * thresholds fail as unreliable. `saturation_reasons` says which signs, `kept_up_rate` is the highest
   * rate (requests/s, per second of the run) the client kept up with.
   */
  saturated?: boolean;
  saturation_reasons?: string[];
  kept_up_rate?: number | null;
  /** How the schedule was kept: measured arrivals started > late_tolerance_ms late, how late starts were, each worker's event loop. */
  schedule?: {
    late_starts: number;
    late_tolerance_ms: number;
    start_lateness_ms: AgeSummary;
    /** Worst worker's monitorEventLoopDelay p99 and max, ms. */
    event_loop_delay_ms: { p99: number; max: number };
    /** Each worker's event-loop utilization over the load (0–1). */
    event_loop_utilization: number[];
  };
}

/**
 * What a key of this run costs in Redis's memory, measured on the live server before the run — so that
 * the simulated prediction of `--allow-config` sizes its cache in the bytes Redis counts against
 * `maxmemory` (`used_memory`), not in bytes of values (live/redis-memory-model.ts). `key_bytes`,
 * `entry_bytes`, `expires_bytes` and the baseline are the constants of the per-key charge
 * (engine/redis-memory-charge.ts): the same constants a simulation reads back with
 * `cache.memory_model: { type: redis, from: <this result> }`.
 */
export interface RedisMemoryModel {
  /**
   * `used_memory` with the run's clients connected and none of its keys (the empty server's, plus
   * whatever else it holds; each connection takes tens of kB), less the bucket arrays the probe grew.
   */
  baseline_used_memory: number;
  /** `maxmemory` − the baseline: what the run's keys can use before Redis evicts. */
  capacity_for_keys: number;
  /** Keys written (then deleted) to measure: the run's own first keys, with their names and sizes. */
  probed_keys: number;
  /** Mean charge of a probed key: what one key of the run costs in used_memory (with its expires entry when the cache has a TTL). */
  bytes_per_key: number;
  /** Mean `MEMORY USAGE` of the probed keys (the key's own allocations, without buckets or `expires`). */
  memory_usage_per_key: number;
  /** Mean value size of the probed keys: what a capacity in bytes of values would have charged. */
  value_bytes_per_key: number;
  /** The most common length of the probed keys' names (the run's prefix and the key id): the charge's key. */
  key_bytes: number;
  /**
   * Per key, beyond the allocations of its name and value (jemalloc size classes): the main dictionary's
   * entry, measured (the median growth per key over the probe's pipelines, less those allocations), and its
   * share of the bucket array in a full table (8 bytes); where the names' lengths differ, the average
   * difference to a `key_bytes` name's allocation too.
   */
  entry_bytes: number;
  /** Per key with a TTL: the `expires` dictionary's entry, measured the same way, and its 8 bytes of buckets. */
  expires_bytes: number;
  /** INFO `redis_version` and `mem_allocator` of the (first) server: the size classes are jemalloc's. */
  redis_version: string;
  mem_allocator: string;
}

/** Redis's own view of a live run, next to the client's (all requests, warm-up included, as Redis saw them). */
export interface RedisView {
  /** The target, password masked. */
  target: string;
  /** Every key of the run was under it; deleted at the end. */
  prefix: string;
  info_before: Record<string, number | string>;
  /** Empty when INFO failed after the run (see info_error). */
  info_after: Record<string, number | string>;
  /** Present when INFO could not be read after the run: the deltas are then 0. */
  info_error?: string;
  /** info_after − info_before; every one null when they cannot be known (see delta_unknown). */
  delta: {
    keyspace_hits: number | null;
    keyspace_misses: number | null;
    evicted_keys: number | null;
    expired_keys: number | null;
    used_memory: number | null;
    total_commands_processed: number | null;
  };
  /** Present when the deltas are null: why (Redis restarted during the run, or its counters were reset). */
  delta_unknown?: string;
  /** The client's count of the same things over the same span: GETs that returned a value, GETs that returned none. */
  client: { gets: number; hits: number; misses: number; errors: number };
  /** What --allow-config set for the run (and restored afterwards); null without it. */
  config_applied: { maxmemory: number | null; maxmemory_policy: string | null } | null;
  /**
   * With --allow-config setting maxmemory and an LRU or LFU policy: what a key of the run costs in Redis's
   * memory, measured on the server before the run (live/redis-memory-model.ts); the prediction is sized with
   * it, and a simulation reads it back with `cache.memory_model: { type: redis, from: <this file> }`.
   */
  memory_model?: RedisMemoryModel;
  /** Keys under the prefix deleted at the end (SCAN + UNLINK). */
  keys_deleted: number;
  /**
   * Present when deleting the prefix's keys still failed after ~10 s of retries (the server paused or gone):
   * keys under the prefix may remain, and the run exits 3.
   */
  cleanup_error?: string;
  /** With cleanup_error: the command that deletes those keys (`cachebench cleanup …`, the password as `***`). */
  cleanup_command?: string;
}

/** What a live run's client saw of its queries to a real database (warm-up included), to set beside the server's counters. */
export interface DatabaseClientCounts {
  /** Read queries the server answered. */
  reads: number;
  /** Write queries the server answered. */
  writes: number;
  /** Write-behind batches the server answered (one statement each). */
  flushes: number;
  /** Queries that failed: the server's error, a lost connection, or a write without a write statement. */
  errors: number;
  /** Queries not answered within database.timeout (one still running then is counted above when it completes). */
  timeouts: number;
  /** Answers without a version (no `version` column, a write that matched no row): staleness is then unknown. */
  unversioned: number;
  /** Reads that found no row. */
  missing_rows: number;
}

/** pg_stat_statements of one statement over the span: executions and rows. */
export interface StatementStats {
  calls: number;
  rows: number;
}

/** The server's own counters over a span (before → after). */
export interface DatabaseServerStats {
  /** pg_stat_database of the run's database: every session's, cachebench's own few statistics queries included. */
  database: Record<string, number>;
  /** pg_stat_statements per statement of the run (null: never run); null when unavailable. */
  statements: { read: StatementStats | null; write: StatementStats | null; flush: StatementStats | null } | null;
  /** Why pg_stat_statements could not be read (not installed in this database, not preloaded). */
  statements_unavailable?: string;
}

/** A live run's real database (database.postgres): the client's counts beside the server's, like `redis` beside INFO. */
export interface DatabaseView {
  kind: 'postgres';
  /** The URL, password masked. */
  target: string;
  /** `table`: cachebench's own table, created, filled and dropped by the run; `statements`: the user's read (and write). */
  mode: 'table' | 'statements';
  table: string | null;
  /** Rows the run inserted into its table before starting (one per key of a synthetic workload). */
  rows_filled: number;
  /** Real connections (database.max_concurrency), split over the worker threads. */
  pool: number;
  /** true: the run had no write statement, and its connections were read-only (default_transaction_read_only). */
  read_only: boolean;
  statements: { read: string; write: string | null; flush: string | null };
  /** `exact`: every answer carried its row's version; `unknown`: some did not, and the staleness metrics are null. */
  staleness: 'exact' | 'unknown';
  /** Why staleness is unknown. */
  staleness_note?: string;
  client: DatabaseClientCounts;
  /** Connections opened again after one broke. */
  reconnects: number;
  /** The first failed query's message (password masked). */
  first_error?: string;
  /** The server's counters over the measured run (warm-up included); null when they could not be read (see server_error). */
  server: DatabaseServerStats | null;
  server_error?: string;
  /** With `baseline: live`: the client's and the server's counts of the baseline's own run. */
  baseline?: { client: DatabaseClientCounts; server: DatabaseServerStats | null; server_error?: string };
  /** Whether the run's table was dropped at the end (false in statements mode). */
  table_dropped: boolean;
  /** Present when dropping the table failed: drop it with `cleanup_command`. */
  cleanup_error?: string;
  /** With cleanup_error: the command that drops the table (`cachebench cleanup --postgres …`, the password as `***`). */
  cleanup_command?: string;
}

export interface TimeseriesPoint {
  /** Window start on the run's clock, ms. */
  t_ms: number;
  requests_per_s: number;
  hit_rate: number | null;
  db_qps: number;
  p99_ms: number | null;
  stale_rate: number | null;
  /** Two-tier runs only: L1 hits ÷ L1 lookups, L2 hits ÷ L2 lookups in the window. */
  l1_hit_rate?: number | null;
  l2_hit_rate?: number | null;
  /** Most DB queries holding a connection at once in the window. */
  db_inflight_max?: number;
  /** Failed requests per second in the window. */
  errors_per_s?: number;
}

/** A fault window of the scenario, on the run's clock (shaded in reports). */
export interface FaultWindow {
  kind: 'cache-down' | 'cache-slow' | 'db-slow' | 'db-down' | 'pubsub-partition' | 'node-crash';
  start_ms: number;
  end_ms: number;
  /** e.g. "db latency × 5", "node 2" */
  detail: string;
}

export interface ThresholdResult {
  expr: string;
  /** The metric's value, in the unit the expression used (ms for latencies, fraction for rates); null: no samples (a failure). */
  actual: number | null;
  pass: boolean;
  /** Present when the value cannot be judged, and so fails: "client saturated" for a latency of a live run whose client could not keep its schedule. */
  unreliable?: string;
  /** Present when the value is an estimate (`run --approximate`): how it was estimated, e.g. "miniature simulation, 1% of keys". */
  approximate?: string;
}

export interface RunResult {
  name: string;
  /** The matrix parameters of this run (empty without a matrix). */
  params: Record<string, unknown>;
  /**
   * Present (true) when the run stopped before its end — Ctrl-C or SIGTERM, or a live run under
   * `on_cache_error: fail` — and its metrics cover only the requests until then.
   */
  partial?: true;
  /** Why a partial run stopped, e.g. "interrupted (SIGINT) after 12,288 requests". */
  partial_reason?: string;
  metrics: RunMetrics;
  baseline: RunMetrics;
  thresholds: ThresholdResult[];
  /**
   * Every request's end-to-end latency, with the cache and in the baseline, as HdrHistogram's compressed
   * base64 encoding of microsecond values (3 significant digits): any HdrHistogram library decodes and
   * merges them losslessly. Empty strings for a run without timing.
   */
  histograms: { latency_us: string; baseline_latency_us: string };
  /** Width of one time-series window: the scenario's, doubled as often as a long run needed to stay within 10,000 windows. */
  timeseries_window_ms: number;
  timeseries: TimeseriesPoint[];
  /** The scenario's fault windows (absent without faults). */
  faults?: FaultWindow[];
  /** Live runs only: Redis's INFO over the run. */
  redis?: RedisView;
  /** Live runs against database.postgres: the real database's view, beside the client's. */
  database?: DatabaseView;
  /**
   * Live runs only: where `baseline` comes from — `simulated`: the no-cache workload on the virtual clock
   * with the database model; `live`: the same workload at the same rate straight to the real database,
   * measured after the cached run; `simulated-from-measured`: on the virtual clock with the query
   * latencies the cached run measured on the real database (`database.baseline: simulated`).
   */
  baseline_source?: 'simulated' | 'live' | 'simulated-from-measured';
  /** Live runs with --allow-config setting a policy: the same scenario simulated with Redis's approximated policy. */
  prediction?: RunMetrics;
  /**
   * `run --approximate R` only: the cache's metrics (hits, misses, hit rates, DB reads, stale reads, cache
   * churn) are estimates by miniature simulation — the run's cache scaled down to `sample_rate` of its
   * capacity (`scaled_capacity`), fed the requests to that share of the keys; the workload's counts are exact.
   */
  approximate?: ApproximateRun;
}

export interface ApproximateRun {
  method: 'miniature-simulation';
  /** The share of keys sampled for this run (above the asked rate for a small cache: see docs/json-result.md). */
  sample_rate: number;
  /** The miniature cache's capacity, in the run's capacity unit. */
  scaled_capacity: number;
}

/** `run --shard index/count`: this result covers only the requests whose key hashes to `index`. */
export interface ShardInfo {
  index: number;
  count: number;
}

/** `cachebench merge`: what the merged result was made of (docs/across-machines.md). */
export interface MergeInfo {
  /** The shards' count (null when --force merged results that were not shards of one run). */
  count: number | null;
  /** The shard index of each merged result, in the order given (null for a result without one). */
  indexes: (number | null)[];
  /** true when --force merged results the checks refused (other scenarios, missing or repeated shards). */
  forced: boolean;
}

export interface Result {
  schema_version: 1;
  scenario: unknown;
  /** Present on the result of one shard (`run --shard`). */
  shard?: ShardInfo;
  /** Present on the result of `cachebench merge`. */
  merged?: MergeInfo;
  /**
   * Present (true) when the result is not the whole of what the scenario asks for: a run stopped early
   * (that run is `partial` too), or a matrix that ended before its last run.
   */
  partial?: true;
  /** Why, e.g. "interrupted (SIGINT) during run 2 of 4". */
  partial_reason?: string;
  runs: RunResult[];
}
