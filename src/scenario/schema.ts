import { z } from 'zod';
import { POLICY_NAMES } from '../policies/registry.js';
import { SCENARIO_DEFAULTS } from './defaults.js';
import {
  delimitedColumn,
  delimiter,
  duration,
  durationOrNone,
  factorOf,
  flag,
  fraction,
  hotFraction,
  keyCount,
  leaf,
  objectSize,
  oneOf,
  orNone,
  parseCapacity,
  positiveCount,
  positiveCountOf,
  positiveDuration,
  positiveNumber,
  text,
  warmup,
} from './field-values.js';
import { parseDuration, parseRate, parseSize, UnitError } from './units.js';
import { namesForm, WRITTEN_FORMS } from './written-forms.js';

/**
 * The YAML surface of a scenario file as a zod schema: strict objects (an unknown field is an error),
 * short forms expanded, units converted. What it does not decide — defaults that depend on other fields
 * and rules that span fields — `resolve.ts` does.
 */

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number';
}

/**
 * Short forms: a scalar written where a `{ type, … }` map is expected. `--set` and `matrix` use these too,
 * so `--set database.latency.p99=40ms` can reach into a latency written as `5ms`.
 */
export const SHORT_FORMS: Readonly<Record<string, (value: unknown) => unknown>> = {
  'workload.distribution': (value) => (typeof value === 'string' ? { type: value } : value),
  'workload.value_size': (value) => (isScalar(value) ? { type: 'fixed', size: value } : value),
  'database.latency': latencyShortForm,
  'database.write_latency': latencyShortForm,
  'cache.latency': latencyShortForm,
  'cache.local.latency': latencyShortForm,
  'cache.pubsub.delay': latencyShortForm,
  'cache.stampede': (value) => (typeof value === 'string' ? { protection: value } : value),
  'cache.memory_model': (value) => (typeof value === 'string' ? { type: value } : value),
  cache: (value) => (value === null || value === 'none' ? {} : value),
};

function latencyShortForm(value: unknown): unknown {
  return isScalar(value) ? { type: 'constant', value } : value;
}

const latency = z
  .preprocess(
    latencyShortForm,
    z.discriminatedUnion('type', [
      z.strictObject({ type: z.literal('constant'), value: duration.meta({ description: 'the latency of every operation' }) }),
      z.strictObject({ type: z.literal('uniform'), min: duration.meta({ description: 'shortest' }), max: duration.meta({ description: 'longest' }) }),
      z.strictObject({ type: z.literal('normal'), mean: duration.meta({ description: 'mean (truncated at 0)' }), stddev: duration.meta({ description: 'standard deviation' }) }),
      z.strictObject({ type: z.literal('exponential'), mean: positiveDuration.meta({ description: 'mean' }) }),
      z.strictObject({ type: z.literal('lognormal'), p50: positiveDuration.meta({ description: 'median' }), p99: positiveDuration.meta({ description: '99th percentile' }) }),
    ]),
  )
  .meta({ 'x-short-form': WRITTEN_FORMS.duration })
  .superRefine((spec, ctx) => {
    if (spec.type === 'uniform' && spec.min > spec.max) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: `must be at least min (${spec.min}ms); got ${spec.max}ms` });
    }
    if (spec.type === 'lognormal' && spec.p50 > spec.p99) {
      ctx.addIssue({ code: 'custom', path: ['p99'], message: `must be at least p50 (${spec.p50}ms); got ${spec.p99}ms` });
    }
  });

const ZIPF_ALPHA = { description: 'skew: P(rank k) ∝ k^−alpha (any value above 0)', default: SCENARIO_DEFAULTS.zipfAlpha };

const keyDistribution = z.preprocess(
  SHORT_FORMS['workload.distribution'],
  z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('zipf'), alpha: positiveNumber.default(SCENARIO_DEFAULTS.zipfAlpha).meta(ZIPF_ALPHA) }),
    z.strictObject({ type: z.literal('uniform') }),
    z.strictObject({ type: z.literal('scrambled-zipf'), alpha: positiveNumber.default(SCENARIO_DEFAULTS.zipfAlpha).meta(ZIPF_ALPHA) }),
    z.strictObject({
      type: z.literal('hotspot'),
      hot_fraction: hotFraction
        .default(SCENARIO_DEFAULTS.hotFraction)
        .meta({ description: 'the share of keys that are hot (the first ones)', default: SCENARIO_DEFAULTS.hotFraction }),
      hot_probability: fraction
        .default(SCENARIO_DEFAULTS.hotProbability)
        .meta({ description: 'the share of requests that go to the hot keys', default: SCENARIO_DEFAULTS.hotProbability }),
    }),
    z.strictObject({ type: z.literal('latest'), alpha: positiveNumber.default(SCENARIO_DEFAULTS.zipfAlpha).meta(ZIPF_ALPHA) }),
    z.strictObject({ type: z.literal('sequential') }),
  ]),
).meta({ 'x-short-form': namesForm(['zipf', 'uniform', 'scrambled-zipf', 'hotspot', 'latest', 'sequential']) });

const valueSize = z
  .preprocess(
    SHORT_FORMS['workload.value_size'],
    z.discriminatedUnion('type', [
      z.strictObject({ type: z.literal('fixed'), size: objectSize.meta({ description: 'every value this size' }) }),
      z.strictObject({ type: z.literal('uniform'), min: objectSize.meta({ description: 'smallest' }), max: objectSize.meta({ description: 'largest' }) }),
      z.strictObject({ type: z.literal('lognormal'), p50: objectSize.meta({ description: 'median' }), p99: objectSize.meta({ description: '99th percentile' }) }),
    ]),
  )
  .meta({ 'x-short-form': WRITTEN_FORMS.size })
  .superRefine((spec, ctx) => {
    if (spec.type === 'uniform' && spec.min > spec.max) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: `must be at least min (${spec.min} bytes); got ${spec.max} bytes` });
    }
    if (spec.type === 'lognormal' && spec.p50 > spec.p99) {
      ctx.addIssue({ code: 'custom', path: ['p99'], message: `must be at least p50 (${spec.p50} bytes); got ${spec.p99} bytes` });
    }
  });

const TRACE_FORMAT_NAMES = [
  'auto',
  'csv',
  'jsonl',
  'delimited',
  'oracleGeneral',
  'twitter',
  'redis-monitor',
  'key-per-line',
] as const;
const TIME_UNITS = ['s', 'ms', 'us', 'ns'] as const;

const delimitedOps = z.record(z.string(), oneOf(['get', 'set', 'delete']));

/** Omitted operations are 0; the mix must sum to 1 (checked in resolve.ts, which knows all three). */
const mix = z.strictObject({
  get: fraction.optional().meta({ description: 'the share of reads' }),
  set: fraction.optional().meta({ description: 'the share of writes' }),
  delete: fraction.optional().meta({ description: 'the share of deletes' }),
});

const workload = z.strictObject({
  // synthetic
  keys: keyCount.optional().meta({ description: 'synthetic workload (required there): the size of the keyspace' }),
  distribution: keyDistribution.optional().meta({
    description: 'which keys are requested: zipf, scrambled-zipf, hotspot, latest, uniform or sequential; a bare name takes that type\'s defaults',
    default: 'zipf',
  }),
  mix: mix.optional().meta({ description: 'fractions or percentages of get, set and delete; omitted ones are 0; must sum to 1', default: { get: 1 } }),
  value_size: valueSize.optional().meta({
    description: 'a size (every value that size), { type: uniform, min, max } or { type: lognormal, p50, p99 }; a key keeps one size for the whole run',
    default: '1KB',
  }),
  // recorded
  trace: text.optional().meta({ description: 'a recorded trace: its path, relative to the scenario file\'s folder (or absolute)' }),
  format: oneOf(TRACE_FORMAT_NAMES).optional().meta({ description: 'the trace\'s format; auto detects it from the name and the first line', default: 'auto' }),
  speed: positiveNumber.optional().meta({ description: 'with arrival: trace, the replay speed (2 = twice as fast)', default: 1 }),
  skip_bad_lines: flag.optional().meta({ description: 'skip and count a trace\'s malformed lines instead of stopping the run', default: false }),
  // recorded, format: delimited
  delimiter: delimiter.optional().meta({ description: 'format: delimited: one character; "\\t" or tab is a tab; with " ", a run of spaces is one separator', default: ',' }),
  header: flag.optional().meta({ description: 'format: delimited: whether the first line names the columns (default: true if a column is named, else false)' }),
  columns: z
    .strictObject({
      key: delimitedColumn.meta({ description: 'the key column (required)' }),
      time: delimitedColumn.optional().meta({ description: 'the time column, in time_unit (none: a request\'s time is its 0-based index, in ms)' }),
      size: delimitedColumn.optional().meta({ description: 'the size column, in bytes (none: 1)' }),
      op: delimitedColumn.optional().meta({ description: 'the operation column, read through ops (none: every request is a get)' }),
      ttl: delimitedColumn.optional().meta({ description: 'the TTL column, in ttl_unit (0 or empty: none)' }),
    })
    .optional()
    .meta({ description: 'format: delimited (required there): each column a 0-based index or a header name' }),
  time_unit: oneOf(TIME_UNITS).optional().meta({ description: 'format: delimited: the unit of the time column', default: 'ms' }),
  ttl_unit: oneOf(TIME_UNITS).optional().meta({ description: 'format: delimited: the unit of the ttl column (default: time_unit)' }),
  ops: delimitedOps.optional().meta({ description: 'format: delimited: the op column\'s values, e.g. { read: get, write: set, remove: delete } (default: get, set, delete in any case)' }),
  // both
  requests: positiveCount.optional().meta({ description: 'stop after this many requests (a synthetic workload needs requests or duration; a trace: the whole trace)' }),
  duration: positiveDuration.optional().meta({ description: 'stop when the run\'s clock passes it (synthetic: needs a rate)' }),
  rate: leaf(parseRate).meta(WRITTEN_FORMS.rate).optional().meta({ description: 'the rate of arrivals (none: as fast as possible; live mode: an open loop at this rate)' }),
  arrival: oneOf(['none', 'trace', 'poisson', 'constant']).optional().meta({
    description: 'none: no timing (a pure hit-ratio run); trace: the trace\'s timestamps; poisson or constant gaps (need a rate). Default: poisson with a rate, none without',
  }),
  // both modes: the start of the run that runs but is not measured
  warmup: warmup.optional().meta({
    description: 'the start of the run that runs but is not measured (simulate and live mode alike)',
    default: '0s',
  }),
  // live mode
  max_in_flight: positiveCount.optional().meta({ description: 'live mode, open loop: an arrival finding this many requests in flight is dropped and counted', default: 1000 }),
  clients: positiveCount.optional().meta({ description: 'live mode: a closed loop of this many clients (instead of a rate)' }),
  think_time: duration.optional().meta({ description: 'live mode, closed loop: the pause between a reply and the client\'s next request', default: '0ms' }),
  workers: positiveCount.optional().meta({ description: 'live mode: worker threads driving the load (default: one per 15k requests/s offered, at most the cores but one)' }),
});

const database = z.strictObject({
  latency: latency.optional().meta({ description: 'service time of a read query once it holds a connection: a duration, or a latency model { type, … }', default: '5ms' }),
  write_latency: latency.optional().meta({ description: 'service time of a write query (default: latency)' }),
  max_concurrency: leaf((input) => (input === 'unlimited' || input === null ? Number.POSITIVE_INFINITY : positiveCountOf(input)))
    .meta(WRITTEN_FORMS.countOrUnlimited)
    .optional()
    .meta({ description: 'the connection pool\'s size; queries beyond it wait in a FIFO queue (default: unlimited; with postgres, 10 real connections)' }),
  timeout: durationOrNone.optional().meta({ description: 'a query not complete this long after submission fails (the request is an error); with postgres the default is 2s', default: 'none' }),
  postgres: z
    .strictObject({
      url: text.meta({ description: 'postgres://[user:<password>@]host[:port][/database] (required); the password is shown as *** everywhere' }),
      read: text.optional().meta({ description: 'your read statement: $1 is the key id; return a version column for exact staleness (exactly one of table and read)' }),
      write: text.optional().meta({ description: 'your write statement: $1 the key id, $2 the value; RETURNING version for exact staleness (required when the workload writes)' }),
      table: text.optional().meta({ description: 'cachebench creates <table>_<run id>, fills it with one row per key and drops it at the end (exactly one of table and read)' }),
      connect_timeout: positiveDuration.optional().meta({ description: 'an unreachable server is exit 3 within it', default: '5s' }),
    })
    .optional()
    .meta({ description: 'mode: live only: a real PostgreSQL instead of the model (latency and write_latency then do not apply)' }),
  baseline: oneOf(['live', 'simulated']).optional().meta({
    description: 'with postgres: live measures the no-cache baseline against the database after the cached run; simulated runs it on the virtual clock',
    default: 'live',
  }),
  on_db_error: oneOf(['continue', 'fail']).optional().meta({
    // No `default:` here: the resolved scenario leaves the field out unless it is written.
    description: 'mode: live only: continue (the default) counts a failed or timed-out query as an error; fail stops the run at the first one (exit 3)',
  }),
});

/** Fields every tier has: the shared tier (`cache:` itself) and the local one (`cache.local`). */
function tierFieldsOf(tier: 'shared' | 'local') {
  const which = tier === 'shared' ? 'the shared tier (L2)' : 'each node\'s local tier (L1)';
  return {
    policy: oneOf(POLICY_NAMES).optional().meta({ description: `eviction policy of ${which}`, default: SCENARIO_DEFAULTS.policy }),
    capacity: leaf(parseCapacity)
      .meta(WRITTEN_FORMS.capacity)
      .optional()
      .meta({ description: `size of ${which}: a count is entries, a size with a byte unit (64MB) is bytes; required except for policy: ttl` }),
    ttl: durationOrNone.optional().meta({ description: `default time to live of an entry in ${which} (a trace's per-request ttl overrides it)`, default: 'none' }),
    latency: latency
      .optional()
      .meta({ description: `one operation on ${which} (lookup, fill, delete): a duration or a latency model`, default: tier === 'shared' ? '0.2ms' : '0.01ms' }),
    /** Policy tunables by name (e.g. maxmemory-samples for redis-lru); checked against the policy in resolve.ts. */
    parameters: z
      .record(z.string(), z.number())
      .optional()
      .meta({ description: 'the policy\'s tunables by name, e.g. { maxmemory-samples: 10 } for redis-lru (default: the policy\'s own)' }),
  };
}

const STAMPEDE_PROTECTIONS = ['none', 'lock', 'coalesce', 'refresh-ahead', 'stale-while-revalidate', 'xfetch'] as const;
const stampedeDefaults = SCENARIO_DEFAULTS.stampede;
const stampede = z
  .preprocess(
    SHORT_FORMS['cache.stampede'],
    z.strictObject({
      protection: oneOf(STAMPEDE_PROTECTIONS).optional().meta({ description: 'what concurrent misses of one key do', default: stampedeDefaults.protection }),
      retry: positiveDuration.optional().meta({ description: 'lock: how long a waiter sleeps before looking again', default: '50ms' }),
      lock_ttl: positiveDuration.optional().meta({ description: 'lock: the lock\'s expiry', default: '5s' }),
      refresh_ahead: fraction.optional().meta({ description: 'refresh-ahead: refresh on a hit when the remaining TTL is below this share of the TTL', default: '20%' }),
      grace: positiveDuration.optional().meta({ description: 'stale-while-revalidate: how long past its TTL an entry is still served', default: '30s' }),
      beta: positiveNumber.optional().meta({ description: 'xfetch: the early-expiration factor β', default: stampedeDefaults.beta }),
      ttl_jitter: fraction.optional().meta({ description: 'each TTL drawn uniformly from ttl × [1 − jitter, 1 + jitter]', default: stampedeDefaults.ttl_jitter }),
    }),
  )
  .meta({ 'x-short-form': namesForm(STAMPEDE_PROTECTIONS) });

const MEMORY_MODELS = ['values', 'redis'] as const;
const redisMemoryDefaults = SCENARIO_DEFAULTS.redisMemory;
const bytes = leaf(parseSize).meta(WRITTEN_FORMS.size);
const memoryModel = z
  .preprocess(
    SHORT_FORMS['cache.memory_model'],
    z.strictObject({
      type: oneOf(MEMORY_MODELS).meta({
        description: 'values: an entry costs its value\'s size; redis: what Redis charges it (key, value, per-key overhead, expires entry, in jemalloc size classes), and the capacity is maxmemory, the server\'s baseline taken off',
      }),
      from: text.optional().meta({
        description: 'type: redis: the JSON result of a live run with --allow-config (run --json), whose measured redis.memory_model gives every constant not written here; relative to the scenario file\'s folder',
      }),
      baseline: bytes.optional().meta({ description: 'type: redis: used_memory of the server without any key, taken off the capacity (default: Redis 7.0.15\'s with one client, 989400 bytes)' }),
      key_bytes: bytes.optional().meta({ description: 'type: redis: the length of a key\'s name', default: redisMemoryDefaults.key_bytes }),
      entry_bytes: bytes.optional().meta({ description: 'type: redis: per key, the main dictionary\'s entry and its share of the buckets', default: redisMemoryDefaults.entry_bytes }),
      expires_bytes: bytes.optional().meta({ description: 'type: redis: per key with a TTL, the expires dictionary\'s entry and its share of the buckets', default: redisMemoryDefaults.expires_bytes }),
    }),
  )
  .meta({ 'x-short-form': namesForm(MEMORY_MODELS) });

const cache = z
  .preprocess(
    (value) => (value === 'none' ? null : value),
    z
      .strictObject({
        ...tierFieldsOf('shared'),
        shared: flag.optional().meta({ description: 'false: no shared tier, only the local ones (local is then required)', default: true }),
        local: z
          .strictObject(tierFieldsOf('local'))
          .optional()
          .meta({ description: 'a local tier (L1) on every node, in front of the shared one' }),
        pattern: oneOf(['cache-aside', 'read-through', 'write-through', 'write-behind'])
          .optional()
          .meta({ description: 'how the application uses the cache', default: SCENARIO_DEFAULTS.pattern }),
        invalidation: oneOf(['delete', 'update', 'ttl-only', 'pubsub']).optional().meta({
          description: 'what a committed write does to cached copies (default: delete; update for write-through and write-behind)',
        }),
        pubsub: z
          .strictObject({
            delay: latency.optional().meta({ description: 'delivery delay of each message: a duration or a latency model', default: '1ms' }),
            loss: fraction.optional().meta({ description: 'the probability a message is lost', default: SCENARIO_DEFAULTS.pubsubLoss }),
          })
          .optional()
          .meta({ description: 'with invalidation: pubsub' }),
        write_behind: z
          .strictObject({
            delay: positiveDuration.optional().meta({ description: 'flush a batch when its oldest write is this old', default: '1s' }),
            batch_size: positiveCount.optional().meta({ description: 'flush a batch when it holds this many writes', default: SCENARIO_DEFAULTS.writeBehind.batch_size }),
            max_pending: positiveCount.optional().meta({ description: 'most acknowledged-but-unpersisted writes per node; writers beyond it wait', default: '10k' }),
          })
          .optional()
          .meta({ description: 'with pattern: write-behind' }),
        stampede: stampede.optional().meta({ description: 'stampede protection: a name (stampede: lock) or a map', default: 'none' }),
        memory_model: memoryModel.optional().meta({
          description: 'what an entry of the shared tier costs against a capacity in bytes: values, or redis (Redis memory: size a Redis maxmemory); a name or a map',
          default: 'values',
        }),
        redis: z
          .strictObject({
            url: text.optional().meta({ description: 'redis://[user:<password>@]host:port[/db], or rediss:// for TLS (exactly one of url and cluster)' }),
            cluster: z.array(text).min(1).optional().meta({ description: 'seed nodes of a Redis Cluster' }),
            connections: positiveCount.optional().meta({ description: 'ioredis clients, split over the workers', default: 1 }),
            auto_pipelining: flag.optional().meta({ description: 'commands issued in one event-loop tick go out in one write', default: true }),
            prefix: text.optional().meta({ description: 'every key of the run is the prefix + the key id (default: cachebench:<random run id>:)' }),
            reuse_keys: flag.optional().meta({ description: 'start even when the prefix already holds keys', default: false }),
            connect_timeout: positiveDuration.optional().meta({ description: 'an unreachable server is exit 3 within it', default: '2s' }),
            command_timeout: positiveDuration.optional().meta({ description: 'a command without a reply after it fails and counts as an error', default: '1s' }),
          })
          .optional()
          .meta({ description: 'mode: live: the Redis (or Redis Cluster) the run uses' }),
        on_cache_error: oneOf(['fallback', 'fail'])
          .optional()
          .meta({ description: 'when the shared tier is down: fallback goes to the database, fail fails the request', default: SCENARIO_DEFAULTS.onCacheError }),
      })
      .nullable(),
  )
  .meta({ 'x-short-form': { enum: ['none', null] } });

const topology = z.strictObject({
  nodes: leaf((input) => {
    const nodes = positiveCountOf(input);
    if (!Number.isInteger(nodes) || nodes > 1024) throw new UnitError('a whole number of nodes from 1 to 1024', input);
    return nodes;
  })
    .meta({ type: 'integer', minimum: 1, maximum: 1024 })
    .optional()
    .meta({ description: 'application servers, each with its own local tier', default: SCENARIO_DEFAULTS.nodes }),
  routing: oneOf(['round-robin', 'random', 'sticky'])
    .optional()
    .meta({ description: 'how requests reach nodes (sticky: by a hash of the key)', default: SCENARIO_DEFAULTS.routing }),
});

/** A fault window: when it starts and how long it lasts, on the run's clock. */
const faultWindow = {
  at: duration.meta({ description: 'when the window starts, on the run\'s clock' }),
  duration: positiveDuration.meta({ description: 'how long it lasts' }),
};
const fault = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('cache-down'), ...faultWindow }),
  z.strictObject({
    type: z.literal('cache-slow'),
    ...faultWindow,
    latency: positiveDuration.meta({ description: 'added to every operation on the shared tier started in the window (a round trip)' }),
  }),
  z.strictObject({ type: z.literal('db-slow'), ...faultWindow, factor: factorOf.meta({ description: 'every query started in the window takes this many times longer' }) }),
  z.strictObject({ type: z.literal('db-down'), ...faultWindow }),
  z.strictObject({ type: z.literal('pubsub-partition'), ...faultWindow }),
  z.strictObject({
    type: z.literal('node-crash'),
    at: faultWindow.at,
    duration: duration.optional().meta({ description: 'how long the node stays down (0: it restarts at once)', default: 0 }),
    node: leaf((input) => {
      if (typeof input === 'number' && Number.isInteger(input) && input >= 0) return input;
      throw new UnitError('a node index from 0 (the first node) to nodes − 1', input);
    }).meta({ ...WRITTEN_FORMS.wholeNumber, description: 'the node that crashes, from 0' }),
  }),
]);

const threshold = leaf((input) => {
  if (typeof input === 'string' && input.trim() !== '') return input;
  throw new UnitError('a threshold expression like "hit_rate >= 0.7"', input);
}).meta({ type: 'string', minLength: 1, examples: ['hit_rate >= 0.7', 'latency.p99 < 50ms'] });

const compareRule = leaf((input) => {
  if (typeof input === 'string' && input.trim() !== '') return input;
  throw new UnitError('a compare rule like "hit_rate -2%" or "latency.p99 +10%"', input);
}).meta({ type: 'string', minLength: 1, examples: ['hit_rate -2%', 'latency.p99 +10%'] });

/** The file's top level. `matrix` is read by matrix.ts before this schema sees the rest. */
export const scenarioFileSchema = z.strictObject({
  name: text.optional().meta({ description: 'shown in reports and the JSON result (default: the file\'s base name)' }),
  seed: leaf((input) => {
    if (typeof input === 'number' && Number.isSafeInteger(input) && input >= 0) return input;
    throw new UnitError('a whole number ≥ 0, e.g. 42', input);
  })
    .meta(WRITTEN_FORMS.wholeNumber)
    .optional()
    .meta({ description: 'the same seed gives the same request stream and the same latencies', default: SCENARIO_DEFAULTS.seed }),
  mode: oneOf(['simulate', 'live'])
    .optional()
    .meta({ description: 'simulate: a virtual clock, deterministic; live: the wall clock against a real Redis', default: SCENARIO_DEFAULTS.mode }),
  workload: workload.meta({ description: 'what requests arrive: a synthetic workload (keys, …) or a recorded trace (trace, …)' }),
  database: database.optional().meta({ description: 'the database model behind the cache' }),
  cache: cache.optional().meta({ description: 'the cache tiers and how the application uses them; none (or no cache:) for a run with no cache' }),
  topology: topology.optional().meta({ description: 'application servers, each with its own local tier' }),
  faults: z.array(fault).optional().meta({ description: 'fault windows: cache-down, cache-slow, db-slow, db-down, pubsub-partition, node-crash', default: [] }),
  max_staleness: leaf(orNone(parseDuration))
    .meta(WRITTEN_FORMS.durationOrNone)
    .optional()
    .meta({ description: 'stale reads older than this count as budget_violations', default: 'none' }),
  timeseries: z
    .strictObject({ window: positiveDuration.optional().meta({ description: 'width of one time-series window', default: '1s' }) })
    .optional()
    .meta({ description: 'the time series\' window' }),
  thresholds: z
    .preprocess((value) => (typeof value === 'string' ? [value] : value), z.array(threshold))
    .meta({ 'x-short-form': { type: 'string' } })
    .optional()
    .meta({ description: 'the CI gate: expressions such as hit_rate >= 0.7 or latency.p99 < 50ms; a failed one is exit 1', default: [] }),
  /** Rules for `cachebench compare` (src/compare/compare-rule.ts checks their grammar). */
  compare: z
    .preprocess((value) => (typeof value === 'string' ? [value] : value), z.array(compareRule))
    .meta({ 'x-short-form': { type: 'string' } })
    .optional()
    .meta({ description: 'rules for cachebench compare on this scenario\'s result, such as hit_rate -2% or latency.p99 +10%', default: [] }),
  matrix: z
    .unknown()
    .meta({ type: 'object', additionalProperties: { type: 'array', minItems: 1 } })
    .optional()
    .meta({ description: 'a sweep: field path (cache.capacity) → list of values; every combination is one run' }),
});

export type ScenarioFileInput = z.output<typeof scenarioFileSchema>;
