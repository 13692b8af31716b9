import { z } from 'zod';
import { POLICY_NAMES } from '../policies/registry.js';
import { SCENARIO_DEFAULTS } from './defaults.js';
import { nearestName } from './field-suggestion.js';
import type { WarmupSpec } from './scenario.js';
import { hasByteUnit, parseCount, parseDuration, parseFraction, parseRate, parseSize, UnitError } from './units.js';

/**
 * The YAML surface of a scenario file as a zod schema: strict objects (an unknown field is an error),
 * short forms expanded, units converted. What it does not decide — defaults that depend on other fields
 * and rules that span fields — `resolve.ts` does.
 */

/** A field whose value our own parser reads; its UnitError becomes the issue message ("must be …; got …"). */
function leaf<T>(parse: (input: unknown) => T) {
  return z.unknown().transform((input, ctx): T => {
    if (input === undefined) {
      ctx.addIssue({ code: 'custom', message: 'is missing (it is required)', input });
      return z.NEVER;
    }
    try {
      return parse(input);
    } catch (error) {
      if (!(error instanceof UnitError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message, input });
      return z.NEVER;
    }
  });
}

/** `none`, `null` or an empty value mean "no such limit". */
function orNone<T>(parse: (input: unknown) => T): (input: unknown) => T | null {
  return (input) => (input === null || input === 'none' ? null : parse(input));
}

function oneOf<const T extends string>(names: readonly T[]) {
  return leaf((input): T => {
    if (typeof input === 'string' && (names as readonly string[]).includes(input)) return input as T;
    const nearest = typeof input === 'string' ? nearestName(input, names) : undefined;
    throw new UnitError(names.length === 1 ? names[0] : `one of ${names.join(', ')}`, input, nearest && `did you mean \`${nearest}\`?`);
  });
}

/** `parse`, restricted to values above 0, with one message for every way of missing ("must be a positive …"). */
function positive(parse: (input: unknown) => number, expected: string) {
  return (input: unknown): number => {
    let value: number;
    try {
      value = parse(input);
    } catch (error) {
      if (!(error instanceof UnitError)) throw error;
      throw new UnitError(expected, input, error.hint?.includes('negative') ? undefined : error.hint);
    }
    if (!(value > 0)) throw new UnitError(expected, input);
    return value;
  };
}

const positiveDurationOf = positive(parseDuration, 'a positive duration like 5ms or 2s');
const positiveCountOf = positive(parseCount, 'a positive count like 10000 or 10k');
/** Sizes travel in Int32Array batches (workload/access-event.ts), so one object is at most 2 GiB − 1. */
const MAX_OBJECT_BYTES = 2 ** 31 - 1;
function objectSizeOf(input: unknown): number {
  const bytes = positive(parseSize, 'a positive size like 512B, 64KB or 1.5MB')(input);
  if (bytes > MAX_OBJECT_BYTES) throw new UnitError('a size below 2GB (one object)', input);
  return bytes;
}
function positiveNumberOf(input: unknown): number {
  if (typeof input === 'number' && Number.isFinite(input) && input > 0) return input;
  throw new UnitError('a number greater than 0, e.g. 0.99', input);
}

/** `warmup`: a duration (`5m`; a bare 0 is none) or a request count (`50k`, `1000`). */
function parseWarmup(input: unknown): WarmupSpec {
  if (input === 0 || input === '0') return { kind: 'duration', ms: 0 };
  for (const read of [(v: unknown): WarmupSpec => ({ kind: 'duration', ms: parseDuration(v) }), (v: unknown): WarmupSpec => ({ kind: 'requests', requests: parseCount(v) })]) {
    try {
      return read(input);
    } catch (error) {
      if (!(error instanceof UnitError)) throw error;
    }
  }
  throw new UnitError('a duration like 30s or 5m, or a number of requests like 10000 or 10k', input);
}

const duration = leaf(parseDuration);
const positiveDuration = leaf(positiveDurationOf);
const positiveCount = leaf(positiveCountOf);
const positiveNumber = leaf(positiveNumberOf);
const fraction = leaf(parseFraction);
const text = leaf((input) => {
  if (typeof input === 'string' && input.trim() !== '') return input;
  throw new UnitError('non-empty text', input);
});

/** Keys travel as Int32 ids, so a keyspace holds at most 2^31 − 1 keys. */
const keyCount = leaf((input) => {
  const keys = positiveCountOf(input);
  if (keys > 2 ** 31 - 1) throw new UnitError('at most 2147483647 keys', input);
  return keys;
});

/** `capacity`: a count is entries, a size with a byte unit is bytes, `unlimited` is no bound. */
export function parseCapacity(input: unknown): { capacity: number; unit: 'entries' | 'bytes' } {
  if (input === 'unlimited') return { capacity: Number.POSITIVE_INFINITY, unit: 'entries' };
  const expected = 'a positive count like 10000 or 10k, or a size like 64MB';
  try {
    const value = hasByteUnit(input) ? parseSize(input) : parseCount(input);
    if (value > 0) return { capacity: value, unit: hasByteUnit(input) ? 'bytes' : 'entries' };
  } catch (error) {
    if (!(error instanceof UnitError)) throw error;
  }
  throw new UnitError(expected, input, typeof input === 'string' && /^\d/.test(input) && /[a-z]$/i.test(input) ? 'sizes need a byte unit: B, KB, MB, GB' : undefined);
}

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
  cache: (value) => (value === null || value === 'none' ? {} : value),
};

function latencyShortForm(value: unknown): unknown {
  return isScalar(value) ? { type: 'constant', value } : value;
}

const latency = z
  .preprocess(
    latencyShortForm,
    z.discriminatedUnion('type', [
      z.strictObject({ type: z.literal('constant'), value: duration }),
      z.strictObject({ type: z.literal('uniform'), min: duration, max: duration }),
      z.strictObject({ type: z.literal('normal'), mean: duration, stddev: duration }),
      z.strictObject({ type: z.literal('exponential'), mean: positiveDuration }),
      z.strictObject({ type: z.literal('lognormal'), p50: positiveDuration, p99: positiveDuration }),
    ]),
  )
  .superRefine((spec, ctx) => {
    if (spec.type === 'uniform' && spec.min > spec.max) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: `must be at least min (${spec.min}ms); got ${spec.max}ms` });
    }
    if (spec.type === 'lognormal' && spec.p50 > spec.p99) {
      ctx.addIssue({ code: 'custom', path: ['p99'], message: `must be at least p50 (${spec.p50}ms); got ${spec.p99}ms` });
    }
  });

const hotFraction = leaf((input) => {
  const value = parseFraction(input);
  if (value === 0) throw new UnitError('a fraction above 0 like 0.2, or a percentage like 20%', input);
  return value;
});

const keyDistribution = z.preprocess(
  SHORT_FORMS['workload.distribution'],
  z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('zipf'), alpha: positiveNumber.default(SCENARIO_DEFAULTS.zipfAlpha) }),
    z.strictObject({ type: z.literal('uniform') }),
    z.strictObject({ type: z.literal('scrambled-zipf'), alpha: positiveNumber.default(SCENARIO_DEFAULTS.zipfAlpha) }),
    z.strictObject({
      type: z.literal('hotspot'),
      hot_fraction: hotFraction.default(SCENARIO_DEFAULTS.hotFraction),
      hot_probability: fraction.default(SCENARIO_DEFAULTS.hotProbability),
    }),
    z.strictObject({ type: z.literal('latest'), alpha: positiveNumber.default(SCENARIO_DEFAULTS.zipfAlpha) }),
    z.strictObject({ type: z.literal('sequential') }),
  ]),
);

const valueSize = z
  .preprocess(
    SHORT_FORMS['workload.value_size'],
    z.discriminatedUnion('type', [
      z.strictObject({ type: z.literal('fixed'), size: leaf(objectSizeOf) }),
      z.strictObject({ type: z.literal('uniform'), min: leaf(objectSizeOf), max: leaf(objectSizeOf) }),
      z.strictObject({ type: z.literal('lognormal'), p50: leaf(objectSizeOf), p99: leaf(objectSizeOf) }),
    ]),
  )
  .superRefine((spec, ctx) => {
    if (spec.type === 'uniform' && spec.min > spec.max) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: `must be at least min (${spec.min} bytes); got ${spec.max} bytes` });
    }
    if (spec.type === 'lognormal' && spec.p50 > spec.p99) {
      ctx.addIssue({ code: 'custom', path: ['p99'], message: `must be at least p50 (${spec.p50} bytes); got ${spec.p99} bytes` });
    }
  });

const flag = leaf((input) => {
  if (typeof input === 'boolean') return input;
  throw new UnitError('true or false', input);
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

/** A delimited trace's column: a 0-based index, or a header name. */
const delimitedColumn = leaf((input): number | string => {
  if (typeof input === 'number' && Number.isInteger(input) && input >= 0 && input < 1024) return input;
  if (typeof input === 'string' && input.trim() !== '') return input.trim();
  throw new UnitError('a 0-based column index like 0, or a header name like "key"', input);
});

/** One byte; the two characters \t (as written unquoted in YAML) mean a tab. */
const delimiter = leaf((input): string => {
  if (input === '\\t' || input === 'tab') return '\t';
  if (typeof input === 'string' && Buffer.byteLength(input, 'utf8') === 1) return input;
  throw new UnitError('one character, like "," or "\\t" (a tab) or " "', input);
});

const delimitedOps = z.record(z.string(), oneOf(['get', 'set', 'delete']));

/** Omitted operations are 0; the mix must sum to 1 (checked in resolve.ts, which knows all three). */
const mix = z.strictObject({ get: fraction.optional(), set: fraction.optional(), delete: fraction.optional() });

const workload = z.strictObject({
  // synthetic
  keys: keyCount.optional(),
  distribution: keyDistribution.optional(),
  mix: mix.optional(),
  value_size: valueSize.optional(),
  // recorded
  trace: text.optional(),
  format: oneOf(TRACE_FORMAT_NAMES).optional(),
  speed: positiveNumber.optional(),
  skip_bad_lines: flag.optional(),
  // recorded, format: delimited
  delimiter: delimiter.optional(),
  header: flag.optional(),
  columns: z
    .strictObject({
      key: delimitedColumn,
      time: delimitedColumn.optional(),
      size: delimitedColumn.optional(),
      op: delimitedColumn.optional(),
      ttl: delimitedColumn.optional(),
    })
    .optional(),
  time_unit: oneOf(TIME_UNITS).optional(),
  ttl_unit: oneOf(TIME_UNITS).optional(),
  ops: delimitedOps.optional(),
  // both
  requests: positiveCount.optional(),
  duration: positiveDuration.optional(),
  rate: leaf(parseRate).optional(),
  arrival: oneOf(['none', 'trace', 'poisson', 'constant']).optional(),
  // both modes: the start of the run that runs but is not measured
  warmup: leaf(parseWarmup).optional(),
  // live mode
  max_in_flight: positiveCount.optional(),
  clients: positiveCount.optional(),
  think_time: duration.optional(),
  workers: positiveCount.optional(),
});

const database = z.strictObject({
  latency: latency.optional(),
  write_latency: latency.optional(),
  max_concurrency: leaf((input) => (input === 'unlimited' || input === null ? Number.POSITIVE_INFINITY : positiveCountOf(input))).optional(),
  timeout: leaf(orNone(positiveDurationOf)).optional(),
  postgres: z
    .strictObject({
      url: text,
      read: text.optional(),
      write: text.optional(),
      table: text.optional(),
      connect_timeout: positiveDuration.optional(),
    })
    .optional(),
  baseline: oneOf(['live', 'simulated']).optional(),
  on_db_error: oneOf(['continue', 'fail']).optional(),
});

/** Fields every tier has: the shared tier (`cache:` itself) and the local one (`cache.local`). */
const tierFields = {
  policy: oneOf(POLICY_NAMES).optional(),
  capacity: leaf(parseCapacity).optional(),
  ttl: leaf(orNone(positiveDurationOf)).optional(),
  latency: latency.optional(),
  /** Policy tunables by name (e.g. maxmemory-samples for redis-lru); checked against the policy in resolve.ts. */
  parameters: z.record(z.string(), z.number()).optional(),
};

const factorOf = leaf((input) => {
  if (typeof input === 'number' && Number.isFinite(input) && input >= 1) return input;
  throw new UnitError('a factor of at least 1, e.g. 5 (five times slower)', input);
});

const stampede = z.preprocess(
  SHORT_FORMS['cache.stampede'],
  z.strictObject({
    protection: oneOf(['none', 'lock', 'coalesce', 'refresh-ahead', 'stale-while-revalidate', 'xfetch']).optional(),
    retry: positiveDuration.optional(),
    lock_ttl: positiveDuration.optional(),
    refresh_ahead: fraction.optional(),
    grace: positiveDuration.optional(),
    beta: positiveNumber.optional(),
    ttl_jitter: fraction.optional(),
  }),
);

const cache = z.preprocess(
  (value) => (value === 'none' ? null : value),
  z
    .strictObject({
      ...tierFields,
      shared: flag.optional(),
      local: z.strictObject(tierFields).optional(),
      pattern: oneOf(['cache-aside', 'read-through', 'write-through', 'write-behind']).optional(),
      invalidation: oneOf(['delete', 'update', 'ttl-only', 'pubsub']).optional(),
      pubsub: z.strictObject({ delay: latency.optional(), loss: fraction.optional() }).optional(),
      write_behind: z
        .strictObject({ delay: positiveDuration.optional(), batch_size: positiveCount.optional(), max_pending: positiveCount.optional() })
        .optional(),
      stampede: stampede.optional(),
      redis: z
        .strictObject({
          url: text.optional(),
          cluster: z.array(text).min(1).optional(),
          connections: positiveCount.optional(),
          auto_pipelining: flag.optional(),
          prefix: text.optional(),
          reuse_keys: flag.optional(),
          connect_timeout: positiveDuration.optional(),
          command_timeout: positiveDuration.optional(),
        })
        .optional(),
      on_cache_error: oneOf(['fallback', 'fail']).optional(),
    })
    .nullable(),
);

const topology = z.strictObject({
  nodes: leaf((input) => {
    const nodes = positiveCountOf(input);
    if (!Number.isInteger(nodes) || nodes > 1024) throw new UnitError('a whole number of nodes from 1 to 1024', input);
    return nodes;
  }).optional(),
  routing: oneOf(['round-robin', 'random', 'sticky']).optional(),
});

/** A fault window: when it starts and how long it lasts, on the run's clock. */
const faultWindow = { at: duration, duration: positiveDuration };
const fault = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('cache-down'), ...faultWindow }),
  z.strictObject({ type: z.literal('db-slow'), ...faultWindow, factor: factorOf }),
  z.strictObject({ type: z.literal('db-down'), ...faultWindow }),
  z.strictObject({ type: z.literal('pubsub-partition'), ...faultWindow }),
  z.strictObject({
    type: z.literal('node-crash'),
    at: duration,
    duration: duration.optional(),
    node: leaf((input) => {
      if (typeof input === 'number' && Number.isInteger(input) && input >= 0) return input;
      throw new UnitError('a node index from 0 (the first node) to nodes − 1', input);
    }),
  }),
]);

const threshold = leaf((input) => {
  if (typeof input === 'string' && input.trim() !== '') return input;
  throw new UnitError('a threshold expression like "hit_rate >= 0.7"', input);
});

const compareRule = leaf((input) => {
  if (typeof input === 'string' && input.trim() !== '') return input;
  throw new UnitError('a compare rule like "hit_rate -2%" or "latency.p99 +10%"', input);
});

/** The file's top level. `matrix` is read by matrix.ts before this schema sees the rest. */
export const scenarioFileSchema = z.strictObject({
  name: text.optional(),
  seed: leaf((input) => {
    if (typeof input === 'number' && Number.isSafeInteger(input) && input >= 0) return input;
    throw new UnitError('a whole number ≥ 0, e.g. 42', input);
  }).optional(),
  mode: oneOf(['simulate', 'live']).optional(),
  workload,
  database: database.optional(),
  cache: cache.optional(),
  topology: topology.optional(),
  faults: z.array(fault).optional(),
  max_staleness: leaf(orNone(parseDuration)).optional(),
  timeseries: z.strictObject({ window: positiveDuration.optional() }).optional(),
  thresholds: z.preprocess((value) => (typeof value === 'string' ? [value] : value), z.array(threshold)).optional(),
  /** Rules for `cachebench compare` (src/compare/compare-rule.ts checks their grammar). */
  compare: z.preprocess((value) => (typeof value === 'string' ? [value] : value), z.array(compareRule)).optional(),
  matrix: z.unknown().optional(),
});

export type ScenarioFileInput = z.output<typeof scenarioFileSchema>;

// ---- walking the schema: valid field names at a path, and every path --set and matrix may name ----

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
  element?: z.ZodType;
}

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** Strips optional/default/nullable wrappers and preprocess steps down to an object, union, array or leaf. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (def.innerType && ['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(def.type)) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in && def.out && defOf(def.in).type === 'transform') {
      current = def.out; // a preprocess: the shape is what follows it
    } else {
      return current;
    }
  }
}

/** The object schemas a value at this schema may be (one, or each variant of a tagged union). */
function objectVariants(schema: z.ZodType): z.ZodType[] {
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (def.type === 'object') return [inner];
  if (def.type === 'union' && def.options) return def.options.flatMap(objectVariants);
  return [];
}

function literalType(objectSchema: z.ZodType): string | undefined {
  const typeField = defOf(objectSchema).shape?.type;
  const values = typeField ? (defOf(typeField) as SchemaDef & { values?: unknown[] }).values : undefined;
  return typeof values?.[0] === 'string' ? values[0] : undefined;
}

/**
 * The field names valid in the map at `path` of `input`: for a tagged union, those of the variant its
 * `type` selects (or of every variant when the type is unknown).
 */
export function fieldNamesAt(path: readonly PropertyKey[], input: unknown, schema: z.ZodType = scenarioFileSchema): string[] {
  let candidates = [schema];
  let value = input;
  for (const segment of path) {
    const next: z.ZodType[] = [];
    for (const candidate of candidates) {
      const inner = unwrap(candidate);
      const def = defOf(inner);
      if (def.type === 'array' && def.element && typeof segment === 'number') next.push(def.element);
      for (const variant of objectVariants(inner)) {
        const field = defOf(variant).shape?.[String(segment)];
        if (field) next.push(field);
      }
    }
    candidates = next;
    value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[segment] : undefined;
  }
  const variants = candidates.flatMap(objectVariants);
  const selected = variants.filter((variant) => {
    const tag = literalType(variant);
    return tag === undefined || (value !== null && typeof value === 'object' && (value as { type?: unknown }).type === tag);
  });
  const names = (selected.length > 0 ? selected : variants).flatMap((variant) => Object.keys(defOf(variant).shape ?? {}));
  return [...new Set(names)];
}

/**
 * Every field path a `--set` flag or a `matrix` key may name, e.g. `cache.policy`, `workload.distribution`,
 * `workload.distribution.alpha` (the union of all variants' fields).
 */
export function settablePaths(schema: z.ZodType = scenarioFileSchema): string[] {
  const paths = new Set<string>();
  const visit = (current: z.ZodType, prefix: string): void => {
    for (const variant of objectVariants(current)) {
      for (const [name, field] of Object.entries(defOf(variant).shape ?? {})) {
        const path = prefix === '' ? name : `${prefix}.${name}`;
        if (path === 'matrix') continue;
        paths.add(path);
        visit(field, path);
      }
    }
  };
  visit(schema, '');
  return [...paths];
}
