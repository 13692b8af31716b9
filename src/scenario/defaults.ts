import type { LatencySpec, OperationMix, ValueSizeSpec } from './scenario.js';

/**
 * Every default a scenario file may leave out, in one place (docs/scenario-reference.md lists the same).
 * Units as in the resolved scenario: ms, bytes, per second, fractions.
 */
export const SCENARIO_DEFAULTS = {
  seed: 1,
  mode: 'simulate' as const,
  /** Width of one time-series window: 1s, the window `db.qps_peak` is defined over. */
  timeseriesWindowMs: 1000,

  /** YCSB's default Zipfian constant (zipfian, scrambled-zipf and latest alike). */
  zipfAlpha: 0.99,
  /** YCSB's HotspotIntegerGenerator defaults: 80% of requests go to the hottest 20% of keys. */
  hotFraction: 0.2,
  hotProbability: 0.8,
  /** A read-only workload unless a mix says otherwise. */
  mix: { get: 1, set: 0, delete: 0 } satisfies OperationMix,
  valueSize: { type: 'fixed', size: 1024 } satisfies ValueSizeSpec,
  /** Trace replay speed with `arrival: trace`: 1 = the trace's own pace. */
  traceSpeed: 1,

  /** A typical indexed primary-key query on a networked SQL database. */
  databaseLatency: { type: 'constant', value: 5 } satisfies LatencySpec,
  /** One round trip to a shared cache (Redis) in the same data centre. */
  cacheLatency: { type: 'constant', value: 0.2 } satisfies LatencySpec,
  /** An in-process lookup (a hash map and a copy) on an application server: the local tier (L1). */
  localCacheLatency: { type: 'constant', value: 0.01 } satisfies LatencySpec,
  policy: 'lru',
  pattern: 'cache-aside' as const,
  invalidation: 'delete' as const,
  /** Write-through and write-behind write the value into the cache. */
  writingPatternInvalidation: 'update' as const,
  onCacheError: 'fallback' as const,
  /**
   * `memory_model: redis` without a live result: measured on redis-server 7.0.15 (jemalloc 5.3.0, x86-64,
   * standalone) by the growth of used_memory over 4,000 SETs (`node bench/redis-memory.js`; docs/scenario-reference.md, "Redis memory").
   * baseline: used_memory of a fresh server with one client connected; entry: the dict entry (24 bytes,
   * allocated 32) and a bucket (8) per key; expires: the same in the expires dict; key: a 24-byte name
   * (any of 15 to 30 bytes costs the same 32-byte allocation).
   */
  redisMemory: { baseline: 989_400, key_bytes: 24, entry_bytes: 40, expires_bytes: 40 },

  nodes: 1,
  routing: 'round-robin' as const,
  /** Redis pub/sub within one data centre. */
  pubsubDelay: { type: 'constant', value: 1 } satisfies LatencySpec,
  pubsubLoss: 0,
  writeBehind: { delay: 1000, batch_size: 100, max_pending: 10_000 },
  stampede: {
    protection: 'none' as const,
    /** The sleep most lock tutorials use between looks. */
    retry: 50,
    lock_ttl: 5000,
    refresh_ahead: 0.2,
    grace: 30_000,
    beta: 1,
    ttl_jitter: 0,
  },
} as const;
