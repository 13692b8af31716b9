import type { ShardSpec } from '../workload/key-shard.js';

/**
 * The resolved scenario: what `scenario/load.ts` produces from a YAML file after validation, defaults and
 * unit conversion. Every duration is in milliseconds, every size in bytes, every rate per second,
 * every percentage a fraction in [0, 1]. Downstream stages read only this type.
 */

export type LatencySpec =
  | { type: 'constant'; value: number }
  | { type: 'uniform'; min: number; max: number }
  | { type: 'normal'; mean: number; stddev: number }
  | { type: 'exponential'; mean: number }
  | { type: 'lognormal'; p50: number; p99: number };

export type KeyDistributionSpec =
  | { type: 'uniform' }
  /** Exact Zipf over ranks 1..keys: P(rank k) ∝ k^-alpha, any alpha > 0 (alpha = 1 included). */
  | { type: 'zipf'; alpha: number }
  /** YCSB's ScrambledZipfianGenerator: Zipf ranks hashed over the keyspace (hot keys are spread out). */
  | { type: 'scrambled-zipf'; alpha: number }
  /** YCSB's HotspotIntegerGenerator: `hot_probability` of requests go to the first `hot_fraction` of keys. */
  | { type: 'hotspot'; hot_fraction: number; hot_probability: number }
  /** YCSB's "latest": Zipf over recency, most recently inserted/written keys most popular. */
  | { type: 'latest'; alpha: number }
  /** Keys 0, 1, 2, … wrapping around: a sequential scan. */
  | { type: 'sequential' };

export type ValueSizeSpec =
  | { type: 'fixed'; size: number }
  | { type: 'uniform'; min: number; max: number }
  | { type: 'lognormal'; p50: number; p99: number };

export type ArrivalSpec =
  /** Exponential inter-arrival times at `rate` per second. */
  | { type: 'poisson'; rate: number }
  /** Evenly spaced arrivals at `rate` per second. */
  | { type: 'constant'; rate: number }
  /** A trace's own timestamps, sped up by `speed` (2 = twice as fast). */
  | { type: 'trace'; speed: number }
  /** No timing: every request completes instantly; a pure hit-ratio run. */
  | { type: 'none' };

export interface OperationMix {
  get: number;
  set: number;
  delete: number;
}

export interface SyntheticWorkloadSpec {
  kind: 'synthetic';
  keys: number;
  distribution: KeyDistributionSpec;
  /** Stop after this many requests (one of requests/duration is set). */
  requests: number | null;
  /** Stop when the run's clock passes this many ms (needs a timed arrival). */
  duration: number | null;
  arrival: ArrivalSpec;
  mix: OperationMix;
  value_size: ValueSizeSpec;
}

/**
 * Trace formats (src/workload/trace/, one reader each): `csv` and `jsonl` are the canonical format;
 * `delimited` any delimited text with a column mapping; `oracleGeneral` libCacheSim's binary records;
 * `twitter` Twitter's cache-trace CSV; `redis-monitor` the output of `redis-cli monitor`; `key-per-line`
 * one key per line (LIRS-style traces). Any of them may be gzip-compressed.
 */
export type TraceFormat = 'csv' | 'jsonl' | 'delimited' | 'oracleGeneral' | 'twitter' | 'redis-monitor' | 'key-per-line';

export type TimeUnit = 's' | 'ms' | 'us' | 'ns';

/** A column of a delimited trace: its 0-based index, or its name in the header line. */
export type DelimitedColumn = number | string;

/** How to read a `delimited` trace. */
export interface DelimitedTraceSpec {
  /** One character (a byte): "," "\t" " " "|" ";" … */
  delimiter: string;
  /** Whether the first line names the columns (then it is not a request). */
  header: boolean;
  columns: {
    key: DelimitedColumn;
    /** Absent: the request's index in the trace, as ms. */
    time: DelimitedColumn | null;
    /** Absent: 1 byte. */
    size: DelimitedColumn | null;
    /** Absent: every request is a get. */
    op: DelimitedColumn | null;
    /** Absent: no per-request TTL. */
    ttl: DelimitedColumn | null;
  };
  /** Unit of the time column. */
  time_unit: TimeUnit;
  /** Unit of the ttl column (default: the time unit). */
  ttl_unit: TimeUnit;
  /** Op column value (exact text) → operation; null: get, set, delete in any letter case. */
  ops: Record<string, 'get' | 'set' | 'delete'> | null;
}

export interface TraceWorkloadSpec {
  kind: 'trace';
  /** Absolute path (resolved against the scenario file's folder). */
  path: string;
  /** As written in the scenario, for messages. */
  path_as_written: string;
  format: TraceFormat | 'auto';
  /** Replay at most this many requests (null: the whole trace). */
  requests: number | null;
  /** Stop when the run's clock passes this many ms. */
  duration: number | null;
  /** Default for traces: 'none' (timestamps still drive TTL expiry). */
  arrival: ArrivalSpec;
  /** Present (true) when malformed lines are skipped and counted instead of stopping the run. */
  skip_bad_lines?: boolean;
  /** Present exactly when format is `delimited`. */
  delimited?: DelimitedTraceSpec;
}

/**
 * `run --shard i/N` sets `shard` on the workload of each run (never the scenario file): this process drives
 * only the requests whose key hashes to shard i (workload/key-shard.ts). Absent: the whole workload.
 */
export type WorkloadSpec = (SyntheticWorkloadSpec | TraceWorkloadSpec) & { shard?: ShardSpec; warmup?: WarmupSpec };

/**
 * `workload.warmup`: the start of the run that is run but not measured, so the metrics and thresholds see
 * a warm cache — requests whose intended start is within `ms` of the run's start, or the first `requests`
 * requests. The workload's `requests` and `duration` include it. Absent: none.
 */
export type WarmupSpec = { kind: 'duration'; ms: number } | { kind: 'requests'; requests: number };

export interface DatabaseSpec {
  /** Latency of a read query (its service time once it holds a connection). */
  latency: LatencySpec;
  /** Latency of a write query; defaults to `latency`. */
  write_latency: LatencySpec;
  /** Connection pool size; queries beyond it wait in a FIFO queue. Infinity: no limit. */
  max_concurrency: number;
  /** A query that has not completed this long after it was submitted fails (counted in db.timeouts and errors). null: none. */
  timeout: number | null;
  /** Live mode only: a real PostgreSQL instead of the model (then `latency` and `write_latency` do not apply). Absent: the model. */
  postgres?: PostgresSpec;
  /**
   * Present exactly with `postgres`: how the no-cache baseline is measured — `live`, the same workload at the
   * same rate straight to the database after the cached run; `simulated`, on the virtual clock with the
   * query latencies the cached run measured.
   */
  baseline?: 'live' | 'simulated';
  /** Live mode: what a failed or timed-out query does — `continue` counts it (the default), `fail` stops the run (exit 3). Absent: continue. */
  on_db_error?: 'continue' | 'fail';
}

/**
 * A real PostgreSQL behind the cache (live mode). Either the user's statements (`read`, and `write` when the
 * workload writes; $1 is the key id, $2 the value as text of the request's size) or `table`: cachebench
 * creates `<table>_<run id>`, fills it with one row per key, and drops it at the end.
 */
export interface PostgresSpec {
  /** postgres://user:password@host:port/database (the password is masked in every output). */
  url: string;
  /** The user's read statement; null with `table`. */
  read: string | null;
  /** The user's write statement; null: the run never writes (and its connections are read-only). */
  write: string | null;
  /** The name cachebench's own table starts with; null with `read`. */
  table: string | null;
  /** ms; an unreachable server is exit 3 within it. */
  connect_timeout: number;
}

export type PolicyName = 'lru' | 'fifo' | 'lfu' | 'clock' | 'sieve' | 'random' | 'ttl';
/** What a committed write does to cached copies (docs/scenario-reference.md, "Patterns"). */
export type InvalidationSpec = 'delete' | 'update' | 'ttl-only' | 'pubsub';
/** How the application uses the cache (docs/scenario-reference.md, "Patterns"). */
export type PatternName = 'cache-aside' | 'read-through' | 'write-through' | 'write-behind';
export type StampedeProtection = 'none' | 'lock' | 'coalesce' | 'refresh-ahead' | 'stale-while-revalidate' | 'xfetch';

/** One cache tier: the shared one (L2, `cache:` itself) or the per-node local one (L1, `cache.local`). */
export interface TierSpec {
  policy: string;
  /** Entries or bytes; Infinity: unbounded. */
  capacity: number;
  capacity_unit: 'entries' | 'bytes';
  /** Default TTL of an entry, ms; null: none (a per-request ttl in a trace overrides it). */
  ttl: number | null;
  /** The policy's tunables, every one resolved (given or default): e.g. { 'maxmemory-samples': 5 } for redis-lru. */
  parameters: Record<string, number>;
  /** Latency of one operation on this tier (lookup, fill, delete). */
  latency: LatencySpec;
}

/** What concurrent misses of one key do (docs/scenario-reference.md, "Stampede protection"). */
export interface StampedeSpec {
  protection: StampedeProtection;
  /** lock: how long a request that found the lock taken sleeps before it looks again, ms. */
  retry: number;
  /** lock: the lock's expiry (SET NX PX), ms — a fetch slower than this lets a second fetcher in. */
  lock_ttl: number;
  /** refresh-ahead: refresh when the remaining TTL falls below this fraction of the TTL. */
  refresh_ahead: number;
  /** stale-while-revalidate: how long past its TTL an entry is still served while it is refreshed, ms. */
  grace: number;
  /** xfetch: β of probabilistic early expiration (Vattani et al., VLDB 2015); 1 is the paper's default. */
  beta: number;
  /** Every TTL is drawn uniformly from ttl × [1 − jitter, 1 + jitter]; 0: exact TTLs. */
  ttl_jitter: number;
}

/** Pub/sub invalidation: a broadcast from the writing node to every other node's local tier. */
export interface PubsubSpec {
  /** Delay from publish to delivery, per message. */
  delay: LatencySpec;
  /** Probability that one message (to one node) is lost. */
  loss: number;
}

/** Write-behind: writes are acknowledged once in the cache and flushed to the database later, in batches. */
export interface WriteBehindSpec {
  /** A write waits at most this long (ms) before its batch is flushed. */
  delay: number;
  /** A batch is flushed as soon as it holds this many writes (one DB query per batch). */
  batch_size: number;
  /** Most acknowledged-but-not-persisted writes per node; a write beyond it waits for room. */
  max_pending: number;
}

export interface CacheSpec extends TierSpec {
  /** Whether the shared tier (L2, the fields above) exists; false: only the local tiers. */
  shared: boolean;
  /** The local tier of every node (L1); null: none. */
  local: TierSpec | null;
  pattern: PatternName;
  invalidation: InvalidationSpec;
  /** Present exactly with `invalidation: pubsub`. */
  pubsub: PubsubSpec | null;
  /** Present exactly with `pattern: write-behind`. */
  write_behind: WriteBehindSpec | null;
  stampede: StampedeSpec;
  /**
   * `memory_model: redis`: the shared tier's byte capacity is Redis memory (maxmemory), each entry charged
   * what Redis charges it (engine/redis-memory-charge.ts). Absent: an entry costs its value's size.
   */
  memory_model?: RedisMemorySpec;
  /** Live mode only: the Redis the shared tier lives in (absent: a built-in tier). */
  redis?: RedisTargetSpec;
  /** What a failed shared-tier operation does (a cache-down fault, a lost Redis): `fallback` counts it and goes to the DB, `fail` fails the request (live: stops the run, exit 3). */
  on_cache_error: 'fallback' | 'fail';
}

/**
 * What Redis charges an entry against maxmemory, beyond its value (docs/scenario-reference.md, "Redis
 * memory"): every field in bytes, from Redis 7.0's measured defaults, a live run's result, or the scenario.
 */
export interface RedisMemorySpec {
  type: 'redis';
  /** used_memory of the server without any key: taken off the capacity. */
  baseline: number;
  /** Length of a key's name (its allocation is rounded to jemalloc's size classes). */
  key_bytes: number;
  /** Per key: the main dictionary's entry and its share of the buckets. */
  entry_bytes: number;
  /** Per key with a TTL: the expires dictionary's entry and its share of the buckets. */
  expires_bytes: number;
  /** The live result (`run --json` with --allow-config) the constants were read from, as written; null: none. */
  from: string | null;
}

/** Application servers in front of the cache (docs/scenario-reference.md, "Topology"). */
export interface TopologySpec {
  nodes: number;
  /** How requests reach nodes: in turn, at random, or by a hash of the key (sticky). */
  routing: 'round-robin' | 'random' | 'sticky';
}

/** A fault window on the run's clock (docs/scenario-reference.md, "Faults": cache down, DB slow or down, pub/sub partition, node crash). */
export type FaultSpec =
  | { type: 'cache-down'; at: number; duration: number }
  /** Every shared-tier operation started in the window takes `latency` ms longer. */
  | { type: 'cache-slow'; at: number; duration: number; latency: number }
  | { type: 'db-slow'; at: number; duration: number; factor: number }
  | { type: 'db-down'; at: number; duration: number }
  | { type: 'pubsub-partition'; at: number; duration: number }
  /** The node's local tier and its write-behind queue are lost at `at`; it takes no requests for `duration` (0: restarts at once). */
  | { type: 'node-crash'; at: number; duration: number; node: number };

/** Where a live run's cache lives (docs/live-redis.md). */
export interface RedisTargetSpec {
  /** Standalone server, `redis://[user:password@]host:port[/db]` or `rediss://`; null with `cluster`. */
  url: string | null;
  /** Seed nodes of a Redis Cluster; null for a standalone server. */
  cluster: string[] | null;
  /** ioredis clients, requests spread round-robin. */
  connections: number;
  auto_pipelining: boolean;
  /** Every key of the run is this prefix + the key id; null: `cachebench:<random run id>:`, chosen at start. */
  prefix: string | null;
  /** false: refuse to start when the prefix already holds keys. */
  reuse_keys: boolean;
  /** ms; an unreachable server is exit 3 within it. */
  connect_timeout: number;
  /** ms; a command without a reply after it fails (counted as an error). */
  command_timeout: number;
  /** What `--allow-config` sets for the run (from cache.capacity in bytes); null: left alone. */
  maxmemory: number | null;
  /** What `--allow-config` sets (from cache.policy, e.g. allkeys-lru); null: left alone. */
  maxmemory_policy: string | null;
}

/** Live mode only: how load is offered on the wall clock. */
export interface LiveLoadSpec {
  /** ms from the start whose requests run but are not measured. */
  warmup: number;
  /** Open loop: arrivals beyond this many requests in flight are dropped and counted. */
  max_in_flight: number;
  /** Closed loop: this many clients, each issuing its next request `think_time` ms after the last completed; null: open loop at the rate. */
  clients: number | null;
  think_time: number;
  /** Worker threads driving the load, each with its own connections and its share of the keys; null: chosen from the rate and the cores. */
  workers: number | null;
}

export interface Scenario {
  name: string;
  /** Absolute path of the scenario file, or '<inline>' */
  file: string;
  /** How time passes: 'simulate' runs built-in targets on a virtual clock; 'live' runs against Redis on the wall clock. */
  mode: 'simulate' | 'live';
  /** Present exactly in live mode. */
  live?: LiveLoadSpec;
  seed: number;
  workload: WorkloadSpec;
  database: DatabaseSpec;
  /** null: no cache at all (the run is its own baseline). */
  cache: CacheSpec | null;
  topology: TopologySpec;
  /** Fault windows, in time order. */
  faults: FaultSpec[];
  /** Reads served older than this are budget violations (ms). null: no budget. */
  max_staleness: number | null;
  /** Width of one time-series window, ms. */
  timeseries_window: number;
  /** Threshold expressions as written, e.g. "latency.p99 < 20ms". */
  thresholds: string[];
  /**
   * Rules for `cachebench compare` as written, e.g. "hit_rate -2%" (src/compare/compare-rule.ts). They travel
   * in the JSON result's scenario, so `compare` reads them from the current result.
   */
  compare: string[];
  /** Sweep: field path → values; every combination is one run. null: one run. */
  matrix: Record<string, unknown[]> | null;
}
