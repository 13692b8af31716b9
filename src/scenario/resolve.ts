import { policyParameters } from '../policies/registry.js';
import { resolveParameters } from '../policies/policy-parameters.js';
import path from 'node:path';
import { SCENARIO_DEFAULTS } from './defaults.js';
import type { FieldProblem } from './field-problem.js';
import { InputError } from '../errors.js';
import { parsePostgresAddress } from '../live/postgres-address.js';
import { statementProblem, TABLE_NAME } from '../live/postgres-statements.js';
import { MIN_PREFIX_LENGTH } from '../live/key-cleanup.js';
import { parseRedisAddress } from '../live/redis-address.js';
import { memoryConfigFor } from '../live/redis-memory-config.js';
import { type MeasuredRedisMemory, measuredRedisMemory } from '../result/result-file.js';
import type {
  ArrivalSpec,
  CacheSpec,
  DatabaseSpec,
  DelimitedTraceSpec,
  FaultSpec,
  LatencySpec,
  PubsubSpec,
  StampedeProtection,
  StampedeSpec,
  TierSpec,
  TopologySpec,
  WriteBehindSpec,
  LiveLoadSpec,
  PostgresSpec,
  RedisMemorySpec,
  RedisTargetSpec,
  Scenario,
  WarmupSpec,
  WorkloadSpec,
} from './scenario.js';
import type { ScenarioFileInput } from './schema.js';

/** Where a scenario came from: what its relative paths and its default name are based on. */
export interface ScenarioOrigin {
  /** Absolute path of the scenario file, or '<inline>'. */
  file: string;
  /** Folder a relative trace path is resolved against. */
  baseDir: string;
  /** The name when the file gives none: the file's base name without extension. */
  defaultName: string;
  /**
   * Field paths a matrix sweeps or a --set flag sets (`cache.pattern`). Settings of a feature that the
   * file's own choice leaves off (`write_behind` beside `pattern: cache-aside`) are an error — unless that
   * choice is varied, so a sweep over patterns can carry every pattern's settings.
   */
  varied?: readonly string[];
}

/** Whether the field at `dotted` (or a map containing it) is set by the matrix or a flag. */
function isVaried(origin: ScenarioOrigin, dotted: string): boolean {
  return (origin.varied ?? []).some((path) => dotted === path || dotted.startsWith(`${path}.`));
}

export type ResolvedScenario = { ok: true; scenario: Scenario } | { ok: false; problems: FieldProblem[] };

/** Fields that only make sense for one kind of workload. */
const SYNTHETIC_ONLY = ['keys', 'distribution', 'mix', 'value_size'] as const;
const DELIMITED_ONLY = ['delimiter', 'header', 'columns', 'time_unit', 'ttl_unit', 'ops'] as const;
const TRACE_ONLY = ['format', 'speed', 'skip_bad_lines', ...DELIMITED_ONLY] as const;

/** Mix fractions must sum to 1 within this tolerance (0.1 + 0.2 is not exactly 0.3 in binary). */
const MIX_TOLERANCE = 1e-9;

/**
 * Applies the defaults that depend on other fields and checks the rules that span fields, turning the
 * schema's output into the resolved `Scenario` (every field present, in ms / bytes / per second).
 */
export function resolveScenario(input: ScenarioFileInput, origin: ScenarioOrigin): ResolvedScenario {
  const problems: FieldProblem[] = [];
  const mode = input.mode ?? SCENARIO_DEFAULTS.mode;
  const workload = resolveWorkload(input.workload, origin, problems);
  const cache = resolveCache(input.cache, workload, mode, origin, problems);
  const database = resolveDatabase(input.database, mode, workload, cache, problems);
  const topology = resolveTopology(input.topology);
  const faults = resolveFaults(input.faults, cache, topology, problems);
  checkTimedFeatures({ mode, workload, cache, database, topology, faults }, problems);
  const live = resolveLive(input, workload, database, mode, problems);
  // Live mode applies its warm-up on the wall clock (live.warmup); a simulation's engine reads it here.
  const warmup = mode === 'simulate' ? resolveWarmup(input.workload, workload, problems) : null;
  if (warmup !== null) workload.warmup = warmup;
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    scenario: {
      name: input.name ?? origin.defaultName,
      file: origin.file,
      mode,
      ...(live !== null ? { live } : {}),
      seed: input.seed ?? SCENARIO_DEFAULTS.seed,
      workload,
      database,
      cache,
      topology,
      faults,
      max_staleness: input.max_staleness ?? null,
      timeseries_window: input.timeseries?.window ?? SCENARIO_DEFAULTS.timeseriesWindowMs,
      thresholds: input.thresholds ?? [],
      compare: input.compare ?? [],
      matrix: null,
    },
  };
}

type WorkloadInput = ScenarioFileInput['workload'];

/** A simulation's warm-up, checked against what the workload has: a clock for a duration, more requests or time than it. */
function resolveWarmup(input: WorkloadInput, workload: WorkloadSpec, problems: FieldProblem[]): WarmupSpec | null {
  const warmup = input.warmup;
  if (warmup === undefined || (warmup.kind === 'duration' ? warmup.ms : warmup.requests) === 0) return null;
  const at = ['workload', 'warmup'];
  if (warmup.kind === 'duration') {
    if (workload.kind === 'synthetic' && workload.arrival.type === 'none') {
      problems.push({ path: at, message: 'is a duration, and requests without a rate all arrive at time 0: give a number of requests, e.g. warmup: 10k (or set a rate)' });
    } else if (workload.duration !== null && warmup.ms >= workload.duration) {
      problems.push({ path: at, message: `must be shorter than workload.duration (${workload.duration / 1000} s), or nothing is measured` });
    }
  } else if (workload.requests !== null && warmup.requests >= workload.requests) {
    problems.push({ path: at, message: `must be fewer than workload.requests (${workload.requests}), or nothing is measured` });
  }
  return warmup;
}

function resolveWorkload(input: WorkloadInput, origin: ScenarioOrigin, problems: FieldProblem[]): WorkloadSpec {
  const isTrace = input.trace !== undefined;
  const foreign = isTrace ? SYNTHETIC_ONLY : TRACE_ONLY;
  for (const field of foreign) {
    if (input[field] === undefined) continue;
    problems.push({
      path: ['workload', field],
      at: 'key',
      message: isTrace
        ? 'does not apply to a trace workload: the trace supplies keys, operations and sizes (remove it, or remove `trace` for a synthetic workload)'
        : 'applies only to a trace workload (`trace: <file>`)',
    });
  }
  const arrival = resolveArrival(input, isTrace, problems);

  if (input.trace !== undefined) {
    // No file name holds a NUL byte: the operating system cannot even be asked for it.
    if (input.trace.includes('\0')) problems.push({ path: ['workload', 'trace'], message: 'a file name cannot hold a NUL byte (\\x00)' });
    const format = input.format ?? 'auto';
    const delimited = resolveDelimited(input, format, problems);
    return {
      kind: 'trace',
      path: path.resolve(origin.baseDir, input.trace),
      path_as_written: input.trace,
      format,
      requests: input.requests ?? null,
      duration: input.duration ?? null,
      arrival,
      // Present only when used, so the resolved scenario of a plain trace stays as it was.
      ...(input.skip_bad_lines === true ? { skip_bad_lines: true } : {}),
      ...(delimited !== null ? { delimited } : {}),
    };
  }

  if (input.keys === undefined) {
    problems.push({
      path: ['workload', 'keys'],
      message: 'is missing: a synthetic workload needs a keyspace size, e.g. keys: 100000 (or give `trace: <file>` to replay a recorded trace)',
    });
  }
  if (input.requests === undefined && input.duration === undefined) {
    problems.push({ path: ['workload'], at: 'key', message: 'needs `requests` (e.g. requests: 1M) or `duration` (e.g. duration: 10m, with a rate)' });
  }
  if (input.duration !== undefined && arrival.type === 'none' && input.clients === undefined) {
    problems.push({
      path: ['workload', 'duration'],
      message: 'needs a rate to measure time against, e.g. rate: 5000/s (without one, requests run as fast as possible: give `requests` instead)',
    });
  }
  const mix = { get: 0, set: 0, delete: 0, ...(input.mix ?? SCENARIO_DEFAULTS.mix) };
  const total = mix.get + mix.set + mix.delete;
  if (Math.abs(total - 1) > MIX_TOLERANCE) {
    problems.push({
      path: ['workload', 'mix'],
      message: `must sum to 1 (100%); got ${round(total)} (get ${round(mix.get)} + set ${round(mix.set)} + delete ${round(mix.delete)})`,
    });
  }
  return {
    kind: 'synthetic',
    keys: input.keys ?? 0,
    distribution: input.distribution ?? { type: 'zipf', alpha: SCENARIO_DEFAULTS.zipfAlpha },
    requests: input.requests ?? null,
    duration: input.duration ?? null,
    arrival,
    mix,
    value_size: input.value_size ?? { ...SCENARIO_DEFAULTS.valueSize },
  };
}

/**
 * The column mapping of a `format: delimited` trace; its fields are errors with any other format. The
 * header defaults to present when a column is named by it; the ttl unit to the time unit.
 */
function resolveDelimited(input: WorkloadInput, format: string, problems: FieldProblem[]): DelimitedTraceSpec | null {
  if (format !== 'delimited') {
    for (const field of DELIMITED_ONLY) {
      if (input[field] === undefined) continue;
      problems.push({
        path: ['workload', field],
        at: 'key',
        message: `applies only with \`format: delimited\`; format is ${format}`,
      });
    }
    return null;
  }
  const columns = input.columns;
  if (columns === undefined) {
    problems.push({
      path: ['workload', 'format'],
      message:
        'delimited needs a column mapping: columns: { key: <index or header name> } and optionally time, size, op, ttl, e.g. columns: { time: 0, key: 1, size: 3 }',
    });
    return null;
  }
  const named = Object.entries(columns).filter(([, column]) => typeof column === 'string');
  const header = input.header ?? named.length > 0;
  if (!header) {
    for (const [field, column] of named) {
      problems.push({
        path: ['workload', 'columns', field],
        message: `names a header column ("${column}") but header is false; give its 0-based index, or set header: true`,
      });
    }
  }
  const timeUnit = input.time_unit ?? 'ms';
  return {
    delimiter: input.delimiter ?? ',',
    header,
    columns: {
      key: columns.key,
      time: columns.time ?? null,
      size: columns.size ?? null,
      op: columns.op ?? null,
      ttl: columns.ttl ?? null,
    },
    time_unit: timeUnit,
    ttl_unit: input.ttl_unit ?? timeUnit,
    ops: input.ops ?? null,
  };
}

/** Default arrival: poisson when a rate is given, otherwise none (as fast as possible). */
function resolveArrival(input: WorkloadInput, isTrace: boolean, problems: FieldProblem[]): ArrivalSpec {
  const type = input.arrival ?? (input.rate !== undefined ? 'poisson' : 'none');
  if (type !== 'trace' && input.speed !== undefined && isTrace) {
    problems.push({ path: ['workload', 'speed'], at: 'key', message: `applies only with \`arrival: trace\` (replaying the trace's timestamps); arrival is ${type}` });
  }
  if (type === 'poisson' || type === 'constant') {
    if (input.rate === undefined) {
      problems.push({ path: ['workload', 'arrival'], message: `${type} arrival needs a rate, e.g. rate: 5000/s` });
      return { type, rate: 1 };
    }
    return { type, rate: input.rate };
  }
  if (input.rate !== undefined) {
    problems.push({ path: ['workload', 'rate'], message: `applies only with arrival poisson or constant; arrival is ${type} (remove the rate, or the arrival line)` });
  }
  if (type === 'trace') {
    if (!isTrace) {
      problems.push({
        path: ['workload', 'arrival'],
        message: 'trace arrival replays a trace\'s timestamps, and a synthetic workload has none; use poisson or constant with a rate',
      });
    }
    return { type: 'trace', speed: input.speed ?? SCENARIO_DEFAULTS.traceSpeed };
  }
  return { type: 'none' };
}

function resolveDatabase(
  input: ScenarioFileInput['database'],
  mode: 'simulate' | 'live',
  workload: WorkloadSpec,
  cache: CacheSpec | null,
  problems: FieldProblem[],
): DatabaseSpec {
  const latency: LatencySpec = input?.latency ?? { ...SCENARIO_DEFAULTS.databaseLatency };
  const postgres = input?.postgres === undefined ? null : resolvePostgres(input, mode, workload, cache, problems);
  if (input?.baseline !== undefined && postgres === null) {
    problems.push({ path: ['database', 'baseline'], at: 'key', message: 'applies only with database.postgres (against the latency model the baseline is always simulated)' });
  }
  if (input?.on_db_error !== undefined && mode !== 'live') {
    problems.push({ path: ['database', 'on_db_error'], at: 'key', message: 'applies only with `mode: live` (a simulation counts failed queries in db.timeouts and errors)' });
  }
  return {
    latency,
    write_latency: input?.write_latency ?? { ...latency },
    // The pool of a real database is real connections: never unlimited.
    max_concurrency: input?.max_concurrency ?? (postgres !== null ? POSTGRES_DEFAULTS.poolSize : Number.POSITIVE_INFINITY),
    // A real server can stall (a lock, a pause): a default timeout keeps it from hanging the run.
    timeout: input?.timeout !== undefined ? input.timeout : postgres !== null ? POSTGRES_DEFAULTS.timeoutMs : null,
    ...(postgres !== null ? { postgres, baseline: input?.baseline ?? 'live' } : {}),
    ...(input?.on_db_error !== undefined ? { on_db_error: input.on_db_error } : {}),
  };
}

/** Defaults of a real PostgreSQL behind a live run (docs/real-databases.md). */
const POSTGRES_DEFAULTS = {
  poolSize: 10,
  timeoutMs: 2000,
  connectTimeoutMs: 5000,
};

/** Most connections a run opens to a real database (each is a server process). */
const MAX_POSTGRES_POOL = 1000;

function resolvePostgres(
  input: NonNullable<ScenarioFileInput['database']>,
  mode: 'simulate' | 'live',
  workload: WorkloadSpec,
  cache: CacheSpec | null,
  problems: FieldProblem[],
): PostgresSpec {
  const pg = input.postgres!;
  const at = ['database', 'postgres'];
  if (mode !== 'live') {
    problems.push({
      path: at,
      at: 'key',
      message: 'applies only with `mode: live` (a real PostgreSQL on the wall clock); a simulation uses the latency model (database.latency)',
    });
  }
  try {
    parsePostgresAddress(pg.url, 'url');
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    problems.push({ path: [...at, 'url'], message: error.message.replace(/^[^:]*: /, '') });
  }
  const read = pg.read ?? null;
  const write = pg.write ?? null;
  const table = pg.table ?? null;
  if ((read === null) === (table === null)) {
    problems.push({
      path: at,
      message: 'needs exactly one of `read` (your statement; $1 is the key id) and `table` (cachebench creates, fills and drops a table of its own)',
    });
  }
  if (table !== null && write !== null) {
    problems.push({ path: [...at, 'write'], at: 'key', message: 'does not apply with `table`: cachebench writes the rows of its own table (remove `write`, or use `read` and `write` on your tables)' });
  }
  if (table !== null && !TABLE_NAME.test(table)) {
    problems.push({ path: [...at, 'table'], message: `must be lower-case letters, digits and _, starting with a letter or _, at most 40 characters (e.g. cachebench_items); got "${table}"` });
  }
  for (const [field, statement] of [['read', read], ['write', write]] as const) {
    const problem = statement === null ? null : statementProblem(statement, field);
    if (problem !== null) problems.push({ path: [...at, field], message: problem });
  }
  const writes = workload.kind === 'synthetic' ? workload.mix.set + workload.mix.delete : 0;
  if (read !== null && write === null && writes > 0) {
    problems.push({
      path: at,
      message: `the workload writes (mix: set ${workload.kind === 'synthetic' ? workload.mix.set : 0}, delete ${workload.kind === 'synthetic' ? workload.mix.delete : 0}) and cachebench never writes to your tables without a \`write\` statement: add one (e.g. "UPDATE products SET payload = $2, version = version + 1 WHERE id = $1 RETURNING version") or use a read-only mix`,
    });
  }
  if (cache?.pattern === 'write-behind' && table === null) {
    problems.push({ path: ['cache', 'pattern'], message: 'write-behind against database.postgres needs `table` (each batch is one statement into cachebench\'s own table)' });
  }
  for (const field of ['latency', 'write_latency'] as const) {
    if (input[field] !== undefined) {
      problems.push({ path: ['database', field], at: 'key', message: 'does not apply with database.postgres: the real database\'s latency is measured (remove it)' });
    }
  }
  const pool = input.max_concurrency;
  if (pool !== undefined && (!Number.isFinite(pool) || pool > MAX_POSTGRES_POOL || !Number.isInteger(pool))) {
    problems.push({ path: ['database', 'max_concurrency'], message: `is the number of real connections to PostgreSQL: a whole number from 1 to ${MAX_POSTGRES_POOL}` });
  }
  return { url: pg.url, read, write, table, connect_timeout: pg.connect_timeout ?? POSTGRES_DEFAULTS.connectTimeoutMs };
}

const LIVE_LOAD_FIELDS = ['max_in_flight', 'clients', 'think_time', 'workers'] as const;

/** Live mode: how load is offered on the wall clock; its fields are errors in simulate mode. */
function resolveLive(
  input: ScenarioFileInput,
  workload: WorkloadSpec,
  database: DatabaseSpec,
  mode: 'simulate' | 'live',
  problems: FieldProblem[],
): LiveLoadSpec | null {
  const w = input.workload;
  if (mode !== 'live') {
    for (const field of LIVE_LOAD_FIELDS) {
      if (w[field] !== undefined) problems.push({ path: ['workload', field], at: 'key', message: 'applies only with `mode: live` (load against a real Redis on the wall clock)' });
    }
    return null;
  }
  if (input.cache?.redis === undefined) {
    problems.push({
      path: ['cache'],
      at: 'key',
      message: 'live mode needs a Redis to run against: cache: { redis: { url: redis://127.0.0.1:6379 } } (built-in tiers run in mode: simulate)',
    });
  }
  const clients = w.clients ?? null;
  if (clients !== null && w.rate !== undefined) {
    problems.push({ path: ['workload', 'clients'], message: 'is a closed loop (each client waits for its reply, then think_time); remove `rate`, or remove `clients` for an open loop at that rate' });
  } else if (clients !== null && workload.arrival.type === 'trace') {
    problems.push({ path: ['workload', 'clients'], message: 'is a closed loop, and `arrival: trace` replays the trace\'s timestamps as an open loop; remove one of them' });
  } else if (clients === null && workload.arrival.type === 'none') {
    const trace = workload.kind === 'trace' ? ', `arrival: trace` (the trace\'s own timestamps)' : '';
    problems.push({ path: ['workload'], at: 'key', message: `live mode needs a rate (open loop, e.g. rate: 2000/s)${trace} or clients (closed loop, e.g. clients: 50)` });
  }
  if (w.think_time !== undefined && clients === null) {
    problems.push({ path: ['workload', 'think_time'], at: 'key', message: 'applies only with `clients` (a closed loop)' });
  }
  const workers = w.workers ?? null;
  if (workers !== null && clients !== null && workers > clients) {
    problems.push({ path: ['workload', 'workers'], message: `each worker thread runs at least one of the ${clients} clients: use at most ${clients} workers` });
  }
  if (workers !== null && workers > database.max_concurrency) {
    problems.push({
      path: ['workload', 'workers'],
      message: `each worker thread has its own part of the database pool (max_concurrency ${database.max_concurrency}): use at most ${database.max_concurrency} workers`,
    });
  }
  if (w.max_in_flight !== undefined && clients !== null) {
    problems.push({ path: ['workload', 'max_in_flight'], at: 'key', message: 'applies only to an open loop (with `rate`); a closed loop has at most `clients` requests in flight' });
  }
  let warmup = LIVE_DEFAULTS.warmupMs;
  if (w.warmup?.kind === 'requests') {
    problems.push({ path: ['workload', 'warmup'], message: `in live mode is a duration, e.g. 30s (a number of requests, ${w.warmup.requests}, applies in mode: simulate)` });
  } else if (w.warmup !== undefined) warmup = w.warmup.ms;
  return {
    warmup,
    max_in_flight: w.max_in_flight ?? LIVE_DEFAULTS.maxInFlight,
    clients,
    think_time: w.think_time ?? 0,
    workers,
  };
}

/** Defaults of live mode (docs/live-redis.md). */
const LIVE_DEFAULTS = {
  warmupMs: 0,
  maxInFlight: 1000,
  connections: 1,
  connectTimeoutMs: 2000,
  /** Long enough for a busy server's tail, short enough that a paused one shows as errors within the run. */
  commandTimeoutMs: 1000,
};

function resolveRedis(cacheInput: CacheInput, cache: CacheSpec, problems: FieldProblem[]): RedisTargetSpec {
  const input = cacheInput.redis ?? {};
  const url = input.url ?? null;
  const cluster = input.cluster ?? null;
  if ((url === null) === (cluster === null)) {
    problems.push({
      path: ['cache', 'redis'],
      message: 'needs exactly one of `url` (a server, redis://host:port/db) and `cluster` (seed nodes, [redis://host:7000, …])',
    });
  }
  const check = (text: string, path: (string | number)[]) => {
    try {
      const address = parseRedisAddress(text, path.join('.'));
      if (cluster !== null && address.db !== 0) problems.push({ path, message: 'a cluster has only database 0; remove the /db from the URL' });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push({ path, message: error.message.replace(/^[^:]*: /, '') });
    }
  };
  if (url !== null) check(url, ['cache', 'redis', 'url']);
  // Every key under the prefix is deleted at the end of the run: an empty or very short one could take the user's.
  if (input.prefix !== undefined && input.prefix.length < MIN_PREFIX_LENGTH) {
    problems.push({
      path: ['cache', 'redis', 'prefix'],
      message: `must be at least ${MIN_PREFIX_LENGTH} characters (every key under it is deleted at the end of the run), e.g. "cachebench:checkout:"; got "${input.prefix}"`,
    });
  }
  for (const [i, node] of (cluster ?? []).entries()) check(node, ['cache', 'redis', 'cluster', i]);
  let memory = { maxmemory: null as number | null, policy: null as string | null };
  try {
    memory = memoryConfigFor(cache, { policy: cacheInput.policy !== undefined, capacity: cacheInput.capacity !== undefined });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    const field = error.message.startsWith('cache.policy') ? 'policy' : 'capacity';
    problems.push({ path: ['cache', field], message: error.message.replace(/^[^:]*: /, '') });
  }
  return {
    url,
    cluster,
    maxmemory: memory.maxmemory,
    maxmemory_policy: memory.policy,
    connections: input.connections ?? LIVE_DEFAULTS.connections,
    auto_pipelining: input.auto_pipelining ?? true,
    prefix: input.prefix ?? null,
    reuse_keys: input.reuse_keys ?? false,
    connect_timeout: input.connect_timeout ?? LIVE_DEFAULTS.connectTimeoutMs,
    command_timeout: input.command_timeout ?? LIVE_DEFAULTS.commandTimeoutMs,
  };
}

type CacheInput = NonNullable<ScenarioFileInput['cache']>;
type TierInput = Pick<CacheInput, 'policy' | 'capacity' | 'ttl' | 'latency' | 'parameters'>;
const TIER_FIELDS = ['policy', 'capacity', 'ttl', 'latency', 'parameters'] as const;

/** One tier's policy, capacity, TTL, parameters and latency; `at` is its path (['cache'] or ['cache', 'local']). */
function resolveTier(
  input: TierInput,
  at: string[],
  defaultLatency: LatencySpec,
  unboundedByDefault: boolean,
  workload: WorkloadSpec,
  mode: 'simulate' | 'live',
  problems: FieldProblem[],
): TierSpec {
  const policy = input.policy ?? SCENARIO_DEFAULTS.policy;
  let capacity = input.capacity;
  if (capacity === undefined) {
    // A TTL cache can be bounded by expiry alone, Redis by its own maxmemory; every other policy needs a size to evict against.
    if (policy === 'ttl' || unboundedByDefault) capacity = { capacity: Number.POSITIVE_INFINITY, unit: 'entries' };
    else {
      problems.push({ path: [...at, 'capacity'], message: 'is missing: give a number of entries like 10000 or 10k, a size like 64MB, or unlimited' });
      capacity = { capacity: 1, unit: 'entries' };
    }
  }
  const ttl = input.ttl ?? null;
  if (ttl !== null && mode !== 'live' && workload.kind === 'synthetic' && workload.arrival.type === 'none') {
    problems.push({
      path: [...at, 'ttl'],
      message:
        'needs a clock, but the workload has no rate, so its requests have no arrival times and nothing would ever expire; set workload.rate (e.g. rate: 5000/s) or remove the ttl',
    });
  }
  let parameters: Record<string, number> = {};
  const specs = policyParameters(policy);
  if (specs !== undefined) {
    try {
      parameters = resolveParameters(policy, specs, input.parameters);
    } catch (error) {
      const name = Object.keys(input.parameters ?? {}).find((n) => !Object.hasOwn(specs, n)) ?? '';
      problems.push({ path: name === '' ? [...at, 'parameters'] : [...at, 'parameters', name], message: (error as Error).message });
    }
  }
  return {
    policy,
    capacity: capacity.capacity,
    capacity_unit: capacity.unit,
    ttl,
    parameters,
    latency: input.latency ?? { ...defaultLatency },
  };
}

function resolveCache(
  input: ScenarioFileInput['cache'],
  workload: WorkloadSpec,
  mode: 'simulate' | 'live',
  origin: ScenarioOrigin,
  problems: FieldProblem[],
): CacheSpec | null {
  if (input === undefined || input === null) return null;
  const liveRedis = mode === 'live' && input.redis !== undefined;
  if (mode !== 'live' && input.redis !== undefined) {
    problems.push({ path: ['cache', 'redis'], at: 'key', message: 'applies only with `mode: live` (a real Redis on the wall clock)' });
  }
  const shared = input.shared ?? true;
  if (!shared) {
    for (const field of TIER_FIELDS) {
      if (input[field] !== undefined) {
        problems.push({ path: ['cache', field], at: 'key', message: 'describes the shared tier, but shared is false; move it under `local:` for the per-node tier, or remove `shared: false`' });
      }
    }
    if (input.local === undefined) {
      problems.push({ path: ['cache', 'shared'], message: 'is false, so the only cache would be a local tier: add `local: { policy: lru, capacity: 1000 }` (or remove `shared: false`)' });
    }
  }
  const tier = resolveTier(shared ? input : { policy: 'lru', capacity: { capacity: 1, unit: 'entries' } }, ['cache'], SCENARIO_DEFAULTS.cacheLatency, liveRedis, workload, mode, problems);
  const local = input.local === undefined ? null : resolveTier(input.local, ['cache', 'local'], SCENARIO_DEFAULTS.localCacheLatency, false, workload, mode, problems);
  const pattern = input.pattern ?? SCENARIO_DEFAULTS.pattern;
  const writesTheValue = pattern === 'write-through' || pattern === 'write-behind';
  const invalidation = input.invalidation ?? (writesTheValue ? SCENARIO_DEFAULTS.writingPatternInvalidation : SCENARIO_DEFAULTS.invalidation);
  if (writesTheValue && (invalidation === 'delete' || invalidation === 'ttl-only')) {
    problems.push({
      path: ['cache', 'invalidation'],
      message: `${pattern} writes the new value into the cache, so it cannot be ${invalidation}; use update (the default) or pubsub (update, and tell the other nodes' local tiers)`,
    });
  }
  let pubsub: PubsubSpec | null = null;
  if (invalidation === 'pubsub') {
    if (local === null) {
      problems.push({ path: ['cache', 'invalidation'], message: "pubsub tells the nodes' local tiers about writes; add a local tier (`local: { policy: lru, capacity: 1000 }`)" });
    }
    pubsub = { delay: input.pubsub?.delay ?? { ...SCENARIO_DEFAULTS.pubsubDelay }, loss: input.pubsub?.loss ?? SCENARIO_DEFAULTS.pubsubLoss };
  } else if (input.pubsub !== undefined && !isVaried(origin, 'cache.invalidation')) {
    problems.push({ path: ['cache', 'pubsub'], at: 'key', message: `applies only with \`invalidation: pubsub\`; invalidation is ${invalidation}` });
  }
  let writeBehind: WriteBehindSpec | null = null;
  if (pattern === 'write-behind') {
    writeBehind = { ...SCENARIO_DEFAULTS.writeBehind, ...input.write_behind };
    if (writeBehind.max_pending < writeBehind.batch_size) {
      problems.push({ path: ['cache', 'write_behind', 'max_pending'], message: `must be at least batch_size (${writeBehind.batch_size}); got ${writeBehind.max_pending}` });
    }
  } else if (input.write_behind !== undefined && !isVaried(origin, 'cache.pattern')) {
    problems.push({ path: ['cache', 'write_behind'], at: 'key', message: `applies only with \`pattern: write-behind\`; pattern is ${pattern}` });
  }
  const stampede = resolveStampede(input.stampede, shared ? tier : local, isVaried(origin, 'cache.stampede.protection'), problems);
  // Live, Redis does its own accounting (and --allow-config's prediction uses the model measured on the
  // server): the field is checked, so one file serves both modes, but not applied.
  const memoryModel = resolveMemoryModel(input.memory_model, shared ? tier : null, mode, origin, problems);
  const spec: CacheSpec = {
    ...tier,
    shared,
    local,
    pattern,
    invalidation,
    pubsub,
    write_behind: writeBehind,
    stampede,
    on_cache_error: input.on_cache_error ?? SCENARIO_DEFAULTS.onCacheError,
    ...(memoryModel !== null && mode === 'simulate' ? { memory_model: memoryModel } : {}),
  };
  if (liveRedis) spec.redis = resolveRedis(input, spec, problems);
  return spec;
}

const REDIS_MEMORY_FIELDS = ['from', 'baseline', 'key_bytes', 'entry_bytes', 'expires_bytes'] as const;

/**
 * `memory_model`: null for values (an entry costs its value's size); for redis, the per-key charge's
 * constants — each one written, else from the live result named by `from`, else Redis 7.0's defaults —
 * checked against the shared tier's capacity, which must then be a size (Redis's maxmemory) above the baseline.
 */
function resolveMemoryModel(
  input: CacheInput['memory_model'],
  shared: TierSpec | null,
  mode: 'simulate' | 'live',
  origin: ScenarioOrigin,
  problems: FieldProblem[],
): RedisMemorySpec | null {
  if (input === undefined) return null;
  const at = ['cache', 'memory_model'];
  if (shared === null) {
    problems.push({ path: at, at: 'key', message: 'describes the shared tier (Redis), but shared is false; remove it, or remove `shared: false`' });
    return null;
  }
  if (input.type === 'values') {
    for (const field of REDIS_MEMORY_FIELDS) {
      if (input[field] !== undefined && !isVaried(origin, 'cache.memory_model.type')) {
        problems.push({ path: [...at, field], at: 'key', message: 'applies only with `type: redis`; type is values' });
      }
    }
    return null;
  }
  let measured: MeasuredRedisMemory | null = null;
  if (input.from !== undefined) {
    try {
      measured = measuredRedisMemory(path.resolve(origin.baseDir, input.from));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push({ path: [...at, 'from'], message: error.message });
    }
  }
  const constants = measured ?? SCENARIO_DEFAULTS.redisMemory;
  const spec: RedisMemorySpec = {
    type: 'redis',
    baseline: input.baseline ?? constants.baseline,
    key_bytes: input.key_bytes ?? constants.key_bytes,
    entry_bytes: input.entry_bytes ?? constants.entry_bytes,
    expires_bytes: input.expires_bytes ?? constants.expires_bytes,
    from: input.from ?? null,
  };
  if (spec.key_bytes < 1) problems.push({ path: [...at, 'key_bytes'], message: 'must be at least 1 byte (the length of a key\'s name)' });
  if (mode === 'simulate' && Number.isFinite(shared.capacity)) {
    if (shared.capacity_unit !== 'bytes') {
      problems.push({
        path: ['cache', 'capacity'],
        message: `with memory_model: redis the capacity is Redis memory (maxmemory): give a size like 64MB; got ${shared.capacity} entries`,
      });
    } else if (shared.capacity <= spec.baseline) {
      problems.push({
        path: ['cache', 'capacity'],
        message: `is ${shared.capacity} bytes, not more than the ${spec.baseline} bytes Redis uses without any key (memory_model.baseline${spec.from === null || input.baseline !== undefined ? '' : `, measured in ${spec.from}`}): nothing would fit; give a larger size, e.g. ${Math.ceil((spec.baseline + 1024 * 1024) / (1024 * 1024))}MB`,
      });
    }
  }
  return spec;
}

/** Which stampede fields each protection reads. */
const STAMPEDE_FIELDS: Record<StampedeProtection, readonly string[]> = {
  none: [],
  lock: ['retry', 'lock_ttl'],
  coalesce: [],
  'refresh-ahead': ['refresh_ahead'],
  'stale-while-revalidate': ['grace'],
  xfetch: ['beta'],
};

function resolveStampede(input: CacheInput['stampede'], protectedTier: TierSpec | null, protectionVaried: boolean, problems: FieldProblem[]): StampedeSpec {
  const protection = input?.protection ?? SCENARIO_DEFAULTS.stampede.protection;
  for (const field of ['retry', 'lock_ttl', 'refresh_ahead', 'grace', 'beta'] as const) {
    if (input?.[field] !== undefined && !protectionVaried && !STAMPEDE_FIELDS[protection].includes(field)) {
      const owner = Object.entries(STAMPEDE_FIELDS).find(([, fields]) => fields.includes(field))?.[0];
      problems.push({ path: ['cache', 'stampede', field], at: 'key', message: `applies only with \`protection: ${owner}\`; protection is ${protection}` });
    }
  }
  const needsTtl = protection === 'refresh-ahead' || protection === 'stale-while-revalidate' || protection === 'xfetch';
  if (needsTtl && protectedTier !== null && protectedTier.ttl === null) {
    problems.push({ path: ['cache', 'stampede', 'protection'], message: `${protection} acts before or after an entry's TTL runs out, and the cache has no ttl; set cache.ttl (e.g. ttl: 5m)` });
  }
  if ((input?.ttl_jitter ?? 0) > 0 && protectedTier !== null && protectedTier.ttl === null) {
    problems.push({ path: ['cache', 'stampede', 'ttl_jitter'], message: 'spreads TTLs, and the cache has no ttl; set cache.ttl (e.g. ttl: 5m)' });
  }
  const defaults = SCENARIO_DEFAULTS.stampede;
  return {
    protection,
    retry: input?.retry ?? defaults.retry,
    lock_ttl: input?.lock_ttl ?? defaults.lock_ttl,
    refresh_ahead: input?.refresh_ahead ?? defaults.refresh_ahead,
    grace: input?.grace ?? defaults.grace,
    beta: input?.beta ?? defaults.beta,
    ttl_jitter: input?.ttl_jitter ?? defaults.ttl_jitter,
  };
}

function resolveTopology(input: ScenarioFileInput['topology']): TopologySpec {
  return { nodes: input?.nodes ?? SCENARIO_DEFAULTS.nodes, routing: input?.routing ?? SCENARIO_DEFAULTS.routing };
}

function resolveFaults(input: ScenarioFileInput['faults'], cache: CacheSpec | null, topology: TopologySpec, problems: FieldProblem[]): FaultSpec[] {
  const faults: FaultSpec[] = [];
  for (const [i, fault] of (input ?? []).entries()) {
    const at = ['faults', i];
    if (fault.type === 'node-crash') {
      if (fault.node >= topology.nodes) {
        problems.push({ path: [...at, 'node'], message: `must be a node index from 0 to ${topology.nodes - 1} (topology.nodes is ${topology.nodes}); got ${fault.node}` });
      }
      faults.push({ type: 'node-crash', at: fault.at, duration: fault.duration ?? 0, node: fault.node });
      continue;
    }
    if ((fault.type === 'cache-down' || fault.type === 'cache-slow') && (cache === null || !cache.shared)) {
      problems.push({ path: [...at, 'type'], message: `${fault.type} acts on the shared tier, and the scenario has none (cache.shared)` });
    }
    if (fault.type === 'pubsub-partition' && cache?.invalidation !== 'pubsub') {
      problems.push({ path: [...at, 'type'], message: 'pubsub-partition loses invalidation messages, and the scenario sends none (cache.invalidation: pubsub)' });
    }
    faults.push(fault);
  }
  return faults.sort((a, b) => a.at - b.at);
}

/** Fault windows live mode injects (src/live/fault-windows.ts). */
const LIVE_FAULTS: ReadonlySet<string> = new Set(['cache-down', 'cache-slow', 'db-slow', 'db-down', 'pubsub-partition', 'node-crash']);

/** Patterns beside cache-aside that live mode runs on Redis. */
const LIVE_PATTERNS: ReadonlySet<string> = new Set(['read-through', 'write-through', 'write-behind']);

/**
 * Tiers per node, patterns other than cache-aside, pub/sub, stampede protection and faults are built into
 * the simulation's clock: they need requests that take time, and live mode does not run them yet.
 */
function checkTimedFeatures(scenario: { mode: string; workload: WorkloadSpec; cache: CacheSpec | null; database: DatabaseSpec; topology: TopologySpec; faults: FaultSpec[] }, problems: FieldProblem[]): void {
  const { cache } = scenario;
  const features: [string[], string][] = [];
  // Live mode runs these (src/live/): the simulation needs arrival times for them all the same.
  const live = scenario.mode === 'live';
  if (scenario.topology.nodes > 1 && !live) features.push([['topology', 'nodes'], 'several nodes']);
  if (cache?.local && !live) features.push([['cache', 'local'], 'a local tier']);
  if (cache && cache.pattern !== 'cache-aside' && !(live && LIVE_PATTERNS.has(cache.pattern))) features.push([['cache', 'pattern'], cache.pattern]);
  if (cache?.invalidation === 'pubsub' && !live) features.push([['cache', 'invalidation'], 'pubsub invalidation']);
  if (live && cache !== null && !cache.shared) {
    problems.push({ path: ['cache', 'shared'], message: 'live mode keeps the shared tier in Redis (cache.redis); remove `shared: false`' });
  }
  if (cache && cache.stampede.protection !== 'none' && !live) features.push([['cache', 'stampede'], `${cache.stampede.protection} stampede protection`]);
  if (cache && cache.stampede.ttl_jitter > 0 && !live) features.push([['cache', 'stampede', 'ttl_jitter'], 'TTL jitter']);
  if (!live && scenario.faults.length > 0) features.push([['faults'], 'fault windows']);
  // The faults are in time order here, not the file's: the message names the window by its type and start.
  for (const fault of live ? scenario.faults : []) {
    if (!LIVE_FAULTS.has(fault.type)) features.push([['faults'], `a ${fault.type} fault window (at ${fault.at} ms)`]);
    else if ((fault.type === 'cache-down' || fault.type === 'cache-slow' || fault.type === 'pubsub-partition') && cache?.redis?.cluster != null) {
      problems.push({
        path: ['faults'],
        message: `${fault.type} in live mode goes through a proxy in front of one Redis server, and a cluster's clients follow its nodes' own addresses; use cache.redis.url (a standalone server) or mode: simulate`,
      });
    }
  }
  if (features.length === 0) return;
  if (scenario.mode === 'live') {
    for (const [path, what] of features) {
      problems.push({
        path,
        at: 'key',
        message: `${what}: simulate mode only for now (live mode runs every pattern, stampede protection, local tiers on several nodes, pubsub invalidation with its loss, ttl_jitter and every fault window); remove it or use mode: simulate`,
      });
    }
    return;
  }
  if (scenario.workload.arrival.type === 'none') {
    const [path, what] = features[0];
    problems.push({
      path,
      at: 'key',
      message: `${what} needs requests that take time, and the workload has no arrival times; set workload.rate (e.g. rate: 5000/s)${scenario.workload.kind === 'trace' ? ' or arrival: trace' : ''}`,
    });
  }
}

function round(value: number): number {
  return Number(value.toPrecision(12));
}
