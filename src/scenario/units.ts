import { InputError } from '../errors.js';

/**
 * Human units in scenario files, converted to the units the resolved scenario uses: durations to
 * milliseconds, sizes to bytes, rates to per second, percentages to fractions.
 *
 *   duration   = number unit          unit: us | µs | ms | s | m | h; a bare 0 is allowed, any other bare
 *                                      number is an error (is 5 five ms or five s?)
 *   size       = number unit | integer unit: B | KB | MB | GB | TB (binary: 1KB = 1024 B, as in the trace
 *                                      docs/scenario-reference.md, "Units": 1mb = 1,048,576), KiB | MiB | GiB | TiB spell the same;
 *                                      any letter case; a bare integer is bytes; rounded to whole bytes
 *   count      = integer | number suffix   suffix: k | K (10^3), M (10^6), G (10^9); underscores between
 *                                      digits are allowed (1_000_000); must come out whole. Lowercase m
 *                                      is not a count suffix: it means minutes in a duration.
 *   rate       = count-like "/" unit  unit: ms | s | m | h, e.g. 5000/s, 5k/s, 300/m; may be fractional (0.5/s)
 *   fraction   = number in [0, 1] | number "%" (0.5% = 0.005)
 *
 * Each parser takes what the YAML parser produced (a number or a string) and throws a `UnitError` whose
 * message reads "must be …; got …", so the scenario loader can prefix it with the file, line and field.
 */
export class UnitError extends InputError {
  constructor(
    expected: string,
    given: unknown,
    /** A nudge towards the valid form, e.g. "write a unit, e.g. 5ms". */
    readonly hint?: string,
  ) {
    super(`must be ${expected}; got ${describeGiven(given)}${hint ? ` (${hint})` : ''}`);
    this.name = 'UnitError';
  }
}

/** How a value the user wrote is echoed back in messages: numbers bare, strings quoted, at most ~200 characters. */
export function describeGiven(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO - 1)}…` : text;
}

const MAX_ECHO = 200;

const NUMBER = String.raw`(\d+(?:\.\d+)?|\.\d+)`;

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  us: 0.001,
  µs: 0.001, // U+00B5 micro sign
  μs: 0.001, // U+03BC Greek mu: both are typed for "micro"
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};
const DURATION_PATTERN = new RegExp(`^${NUMBER}\\s*(us|µs|μs|ms|s|m|h)$`);
const DURATION_EXPECTED = 'a duration like 500us, 5ms, 2s, 1.5s, 10m or 1h';

/** A non-negative duration in milliseconds. */
export function parseDuration(input: unknown): number {
  if (input === 0 || input === '0') return 0;
  if (typeof input === 'number' || (typeof input === 'string' && /^[+-]?(\d+(\.\d+)?|\.\d+)$/.test(input.trim()))) {
    const example = Number(input) > 0 ? `${input}ms or ${input}s` : '5ms';
    return fail(DURATION_EXPECTED, input, `write a unit, e.g. ${example}`);
  }
  if (typeof input !== 'string') return fail(DURATION_EXPECTED, input);
  const text = input.trim();
  if (text.startsWith('-')) return fail('a duration that is not negative', input);
  const match = DURATION_PATTERN.exec(text);
  if (!match) return fail(DURATION_EXPECTED, input, durationSpellingHint(text));
  return Number(match[1]) * DURATION_UNITS_MS[match[2]];
}

/** Units people write for a duration, mapped to the one cachebench reads (`5min`, `5 minutes`, `5M` → `5m`). */
const DURATION_SPELLINGS: ReadonlyArray<[RegExp, string]> = [
  [/^(?:M|mins?|minutes?)$/i, 'm'],
  [/^(?:S|secs?|seconds?)$/i, 's'],
  [/^(?:H|hrs?|hours?)$/i, 'h'],
  [/^(?:MS|msecs?|millis|milliseconds?)$/i, 'ms'],
  [/^(?:usecs?|micros|microseconds?)$/i, 'us'],
];

function durationSpellingHint(text: string): string | undefined {
  const match = new RegExp(`^${NUMBER}\\s*([a-zA-Zµμ]+)$`).exec(text);
  if (!match) return undefined;
  const [, amount, unit] = match;
  if (/^(?:d|days?)$/i.test(unit)) return `did you mean ${Number(amount) * 24}h?`;
  const spelled = DURATION_SPELLINGS.find(([pattern]) => pattern.test(unit));
  return spelled === undefined ? undefined : `did you mean ${amount}${spelled[1]}?`;
}

const SIZE_UNITS_BYTES: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};
const SIZE_PATTERN = new RegExp(`^${NUMBER}\\s*(b|kb|kib|mb|mib|gb|gib|tb|tib)$`, 'i');
const SIZE_EXPECTED = 'a size like 512B, 64KB, 1.5MB or 1GB';

/** A non-negative size in whole bytes. A bare integer is a number of bytes. */
export function parseSize(input: unknown): number {
  if (typeof input === 'number') {
    if (Number.isInteger(input) && input >= 0) return input;
    return fail(SIZE_EXPECTED, input, input < 0 ? 'a size cannot be negative' : 'a bare number is whole bytes');
  }
  if (typeof input !== 'string') return fail(SIZE_EXPECTED, input);
  const text = input.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const match = SIZE_PATTERN.exec(text);
  if (!match) return fail(SIZE_EXPECTED, input, text.startsWith('-') ? 'a size cannot be negative' : undefined);
  const bits = bitsHint(match[1], match[2]);
  if (bits !== undefined) return fail(SIZE_EXPECTED, input, bits);
  return Math.round(Number(match[1]) * SIZE_UNITS_BYTES[match[2].toLowerCase()]);
}

/** `Mb`, `Kb`, `Gb`, `Tb` (a capital prefix, a lower-case b) are how bits are written: never read as bytes. */
function bitsHint(amount: string, unit: string): string | undefined {
  if (!/^[KMGT]b$/.test(unit)) return undefined;
  return `${unit} is ${{ K: 'kilo', M: 'mega', G: 'giga', T: 'tera' }[unit[0]]}bits; did you mean ${amount}${unit[0]}B (bytes)?`;
}

/** True when a string carries a byte unit (so `capacity: 64MB` means bytes while `capacity: 10k` means entries). */
export function hasByteUnit(input: unknown): boolean {
  return typeof input === 'string' && SIZE_PATTERN.test(input.trim());
}

const COUNT_MULTIPLIERS: Readonly<Record<string, number>> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9 };
const COUNT_PATTERN = /^(\d+(?:_\d+)*(?:\.\d+)?|\.\d+)\s*([kKMG]?)$/;
const COUNT_EXPECTED = 'a count like 10000, 10k, 1_000_000 or 2.5M';

/** A non-negative whole number, with an optional k/M/G suffix. */
export function parseCount(input: unknown): number {
  if (typeof input === 'number') {
    if (Number.isSafeInteger(input) && input >= 0) return input;
    return fail(COUNT_EXPECTED, input, input < 0 ? 'a count cannot be negative' : 'a count is a whole number');
  }
  if (typeof input !== 'string') return fail(COUNT_EXPECTED, input);
  const text = input.trim();
  const match = COUNT_PATTERN.exec(text);
  if (!match) {
    const hint = text.startsWith('-')
      ? 'a count cannot be negative'
      : /^[\d.]+\s*m$/.test(text)
        ? 'write M for a million; lowercase m means minutes'
        : undefined;
    return fail(COUNT_EXPECTED, input, hint);
  }
  // Multiply as decimal text scaled to an integer, so 2.3M is exactly 2300000 (2.3 * 1e6 is not).
  const value = scaleDecimal(match[1].replaceAll('_', ''), COUNT_MULTIPLIERS[match[2]]);
  if (!Number.isSafeInteger(value)) return fail(COUNT_EXPECTED, input, 'a count is a whole number');
  return value;
}

const RATE_UNITS_PER_SECOND: Readonly<Record<string, number>> = { ms: 1000, s: 1, m: 1 / 60, h: 1 / 3600 };
const RATE_PATTERN = new RegExp(`^${NUMBER}\\s*([kKMG]?)\\s*/\\s*(ms|s|m|h)$`);
const RATE_EXPECTED = 'a rate like 5000/s, 5k/s or 300/m';

/** A positive rate in events per second. */
export function parseRate(input: unknown): number {
  if (typeof input === 'number' || (typeof input === 'string' && /^[+-]?[\d.]+\s*[kKMG]?$/.test(input.trim()))) {
    return fail(RATE_EXPECTED, input, `write a unit, e.g. ${String(input).trim()}/s`);
  }
  if (typeof input !== 'string') return fail(RATE_EXPECTED, input);
  const match = RATE_PATTERN.exec(input.trim());
  if (!match) return fail(RATE_EXPECTED, input, input.trim().startsWith('-') ? 'a rate cannot be negative' : undefined);
  const perSecond = Number(match[1]) * COUNT_MULTIPLIERS[match[2]] * RATE_UNITS_PER_SECOND[match[3]];
  if (perSecond <= 0) return fail('a positive rate like 5000/s', input);
  return perSecond;
}

const FRACTION_EXPECTED = 'a fraction from 0 to 1 like 0.05, or a percentage like 5%';

/** A fraction in [0, 1]; `x%` is x / 100. */
export function parseFraction(input: unknown): number {
  let value: number;
  if (typeof input === 'number') value = input;
  else if (typeof input === 'string') {
    const text = input.trim();
    const percent = new RegExp(`^${NUMBER}\\s*%$`).exec(text);
    if (percent) value = Number(percent[1]) / 100;
    else if (new RegExp(`^${NUMBER}$`).test(text)) value = Number(text);
    else return fail(FRACTION_EXPECTED, input);
  } else return fail(FRACTION_EXPECTED, input);
  // 50 for 50%: the commonest slip, answered with both spellings.
  if (value > 1 && value <= 100) return fail(FRACTION_EXPECTED, input, `did you mean ${value / 100} (${value}%)?`);
  if (!(value >= 0 && value <= 1)) return fail(FRACTION_EXPECTED, input);
  return value;
}

function scaleDecimal(digits: string, multiplier: number): number {
  const [whole, decimals = ''] = digits.split('.');
  const scale = 10 ** decimals.length;
  return (Number(whole || '0') * scale + Number(decimals || '0')) * (multiplier / scale);
}

function fail(expected: string, given: unknown, hint?: string): never {
  throw new UnitError(expected, given, hint);
}
