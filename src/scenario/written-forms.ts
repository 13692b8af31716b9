/**
 * What a scenario file may write for each kind of value, as JSON Schema fragments (units.ts's grammar), so
 * that an editor can check and complete a scenario. The parsers in units.ts stay the judge: a form these
 * patterns let through that the parser refuses (`0.5k` keys, a fraction above 1 written as text) is still
 * a located error at load time. `x-unit` names the kind; the JSON Schema generator adds it to the hover text.
 */

const NUMBER = String.raw`(\d+(\.\d+)?|\.\d+)`;

export type UnitKind = 'duration' | 'size' | 'count' | 'rate' | 'fraction' | 'capacity' | 'warmup';

/** How each unit kind reads in a field's description. */
export const UNIT_TEXT: Readonly<Record<UnitKind, string>> = {
  duration: 'a duration: 500us, 5ms, 2s, 1.5s, 10m, 1h (a bare number other than 0 is an error)',
  size: 'a size: 512B, 64KB, 1.5MB, 1GB (binary: 1KB = 1024 bytes); a bare integer is bytes',
  count: 'a count: 10000, 10k, 1M, 2.5M, 1_000_000 (decimal: 1k = 1000)',
  rate: 'a rate: 5000/s, 5k/s, 300/m, 3600/h',
  fraction: 'a fraction: 0.05 or 5%',
  capacity: 'a count of entries (10000, 10k), a size in bytes (64MB), or unlimited',
  warmup: 'a duration (30s, 5m) or a number of requests (10000, 10k)',
};

const durationText = { type: 'string', pattern: `^\\s*${NUMBER}\\s*(us|µs|μs|ms|s|m|h)\\s*$` };
// A capital prefix with a lower-case b (10Mb) is bits, which the loader refuses: so does the pattern.
const sizeText = { type: 'string', pattern: `^\\s*(\\d+|${NUMBER}\\s*([bB]|[kKmMgGtT][iI][bB]|[kmgt][bB]|[KMGT]B))\\s*$` };
const countText = { type: 'string', pattern: String.raw`^\s*(\d+(_\d+)*(\.\d+)?|\.\d+)\s*[kKMG]?\s*$` };
const wholeNumber = { type: 'integer', minimum: 0 };

export const WRITTEN_FORMS = {
  duration: { 'x-unit': 'duration', anyOf: [durationText, { enum: [0, '0'] }] },
  size: { 'x-unit': 'size', anyOf: [sizeText, wholeNumber] },
  count: { 'x-unit': 'count', anyOf: [countText, wholeNumber] },
  rate: { 'x-unit': 'rate', type: 'string', pattern: `^\\s*${NUMBER}\\s*[kKMG]?\\s*/\\s*(ms|s|m|h)\\s*$` },
  fraction: { 'x-unit': 'fraction', anyOf: [{ type: 'number', minimum: 0, maximum: 1 }, { type: 'string', pattern: `^\\s*${NUMBER}\\s*%?\\s*$` }] },
  capacity: { 'x-unit': 'capacity', anyOf: [countText, sizeText, wholeNumber, { const: 'unlimited' }] },
  /** A duration, or `none` (no limit). */
  durationOrNone: { 'x-unit': 'duration', anyOf: [durationText, { enum: [0, '0', 'none', null] }] },
  /** A duration or a number of requests (`warmup`). */
  warmup: { 'x-unit': 'warmup', anyOf: [durationText, countText, wholeNumber] },
  countOrUnlimited: { 'x-unit': 'count', anyOf: [countText, wholeNumber, { enum: ['unlimited', null] }] },
  text: { type: 'string', minLength: 1 },
  flag: { type: 'boolean' },
  positiveNumber: { type: 'number', exclusiveMinimum: 0 },
  /** A whole number ≥ 0 (a seed, a node index). */
  wholeNumber,
  /** A 0-based column index or a header name. */
  column: { anyOf: [{ type: 'integer', minimum: 0, maximum: 1023 }, { type: 'string', minLength: 1 }] },
  /** One character; `\t` or `tab` is a tab. */
  delimiter: { type: 'string', minLength: 1 },
} as const;

/** The JSON Schema of a field that takes one of these names. */
export function namesForm(names: readonly string[]): { enum: string[] } {
  return { enum: [...names] };
}
