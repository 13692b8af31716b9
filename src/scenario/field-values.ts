import { z } from 'zod';
import { nearestName } from './field-suggestion.js';
import type { WarmupSpec } from './scenario.js';
import { hasByteUnit, parseCount, parseDuration, parseFraction, parseSize, UnitError } from './units.js';
import { namesForm, WRITTEN_FORMS } from './written-forms.js';

/**
 * The leaf values of a scenario file as zod schemas: each reads what the YAML parser produced with our own
 * unit parsers (units.ts) and carries the JSON Schema of its written forms (written-forms.ts).
 */

/** A field whose value our own parser reads; its UnitError becomes the issue message ("must be …; got …"). */
export function leaf<T>(parse: (input: unknown) => T) {
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
export function orNone<T>(parse: (input: unknown) => T): (input: unknown) => T | null {
  return (input) => (input === null || input === 'none' ? null : parse(input));
}

export function oneOf<const T extends string>(names: readonly T[]) {
  return leaf((input): T => {
    if (typeof input === 'string' && (names as readonly string[]).includes(input)) return input as T;
    const nearest = typeof input === 'string' ? nearestName(input, names) : undefined;
    throw new UnitError(names.length === 1 ? names[0] : `one of ${names.join(', ')}`, input, nearest && `did you mean \`${nearest}\`?`);
  }).meta(namesForm(names));
}

/** `parse`, restricted to values above 0, with one message for every way of missing ("must be a positive …"). */
export function positive(parse: (input: unknown) => number, expected: string) {
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

export const positiveDurationOf = positive(parseDuration, 'a positive duration like 5ms or 2s');
export const positiveCountOf = positive(parseCount, 'a positive count like 10000 or 10k');
/** Sizes travel in Int32Array batches (workload/access-event.ts), so one object is at most 2 GiB − 1. */
export const MAX_OBJECT_BYTES = 2 ** 31 - 1;
export function objectSizeOf(input: unknown): number {
  const bytes = positive(parseSize, 'a positive size like 512B, 64KB or 1.5MB')(input);
  if (bytes > MAX_OBJECT_BYTES) throw new UnitError('a size below 2GB (one object)', input);
  return bytes;
}
export function positiveNumberOf(input: unknown): number {
  if (typeof input === 'number' && Number.isFinite(input) && input > 0) return input;
  throw new UnitError('a number greater than 0, e.g. 0.99', input);
}

// Each leaf carries the JSON Schema of its written forms (written-forms.ts), for `cachebench schema`.
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

export const duration = leaf(parseDuration).meta(WRITTEN_FORMS.duration);
export const positiveDuration = leaf(positiveDurationOf).meta(WRITTEN_FORMS.duration);
export const positiveCount = leaf(positiveCountOf).meta(WRITTEN_FORMS.count);
export const positiveNumber = leaf(positiveNumberOf).meta(WRITTEN_FORMS.positiveNumber);
export const fraction = leaf(parseFraction).meta(WRITTEN_FORMS.fraction);
export const text = leaf((input) => {
  if (typeof input === 'string' && input.trim() !== '') return input;
  throw new UnitError('non-empty text', input);
}).meta(WRITTEN_FORMS.text);
export const objectSize = leaf(objectSizeOf).meta(WRITTEN_FORMS.size);
export const durationOrNone = leaf(orNone(positiveDurationOf)).meta(WRITTEN_FORMS.durationOrNone);
export const warmup = leaf(parseWarmup).meta(WRITTEN_FORMS.warmup);

/** Keys travel as Int32 ids, so a keyspace holds at most 2^31 − 1 keys. */
export const keyCount = leaf((input) => {
  const keys = positiveCountOf(input);
  if (keys > 2 ** 31 - 1) throw new UnitError('at most 2147483647 keys', input);
  return keys;
}).meta(WRITTEN_FORMS.count);

/** `capacity`: a count is entries, a size with a byte unit is bytes, `unlimited` is no bound. */
export function parseCapacity(input: unknown): { capacity: number; unit: 'entries' | 'bytes' } {
  if (input === 'unlimited') return { capacity: Number.POSITIVE_INFINITY, unit: 'entries' };
  const expected = 'a positive count like 10000 or 10k, or a size like 64MB';
  let hint: string | undefined;
  try {
    const value = hasByteUnit(input) ? parseSize(input) : parseCount(input);
    if (value > 0) return { capacity: value, unit: hasByteUnit(input) ? 'bytes' : 'entries' };
  } catch (error) {
    if (!(error instanceof UnitError)) throw error;
    // A size's own hint (10Mb is megabits) says more than the general one.
    if (hasByteUnit(input)) hint = error.hint;
  }
  hint ??= typeof input === 'string' && /^\d/.test(input) && /[a-z]$/i.test(input) ? 'sizes need a byte unit: B, KB, MB, GB' : undefined;
  throw new UnitError(expected, input, hint);
}

export const hotFraction = leaf((input) => {
  const value = parseFraction(input);
  if (value === 0) throw new UnitError('a fraction above 0 like 0.2, or a percentage like 20%', input);
  return value;
}).meta(WRITTEN_FORMS.fraction);

export const flag = leaf((input) => {
  if (typeof input === 'boolean') return input;
  throw new UnitError('true or false', input);
}).meta(WRITTEN_FORMS.flag);

/** A delimited trace's column: a 0-based index, or a header name. */
export const delimitedColumn = leaf((input): number | string => {
  if (typeof input === 'number' && Number.isInteger(input) && input >= 0 && input < 1024) return input;
  if (typeof input === 'string' && input.trim() !== '') return input.trim();
  throw new UnitError('a 0-based column index like 0, or a header name like "key"', input);
}).meta(WRITTEN_FORMS.column);

/** One byte; the two characters \t (as written unquoted in YAML) mean a tab. */
export const delimiter = leaf((input): string => {
  if (input === '\\t' || input === 'tab') return '\t';
  if (typeof input === 'string' && Buffer.byteLength(input, 'utf8') === 1) return input;
  throw new UnitError('one character, like "," or "\\t" (a tab) or " "', input);
}).meta(WRITTEN_FORMS.delimiter);

export const factorOf = leaf((input) => {
  if (typeof input === 'number' && Number.isFinite(input) && input >= 1) return input;
  throw new UnitError('a factor of at least 1, e.g. 5 (five times slower)', input);
}).meta({ type: 'number', minimum: 1 });
