/**
 * How numbers read in every report: one format per kind of quantity, so a p99 looks the same in the run
 * summary, the matrix table and the verdict. A missing value (null: no samples) prints as an en dash.
 * Formats are fixed (en-US separators), not taken from the machine's locale: reports are compared in CI.
 */

export const MISSING = '–';

const THOUSANDS = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function isPresent(value: number | null | undefined): value is number {
  return value !== null && value !== undefined && Number.isFinite(value);
}

/** Two significant figures below 10 (`2.1`), whole numbers above (`48`): the precision a latency deserves. */
function roundForDisplay(value: number): number {
  return value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
}

function withDecimals(value: number): string {
  return value < 10 ? value.toFixed(1) : THOUSANDS.format(value);
}

/** Each unit covers values up to `limit` (in that unit) before the next one takes over. */
const DURATION_UNITS = [
  { symbol: 'µs', perMs: 1_000, limit: 1_000 },
  { symbol: 'ms', perMs: 1, limit: 1_000 },
  { symbol: 's', perMs: 1 / 1_000, limit: 60 },
  { symbol: 'min', perMs: 1 / 60_000, limit: Number.POSITIVE_INFINITY },
] as const;

/** A duration given in ms: `850 µs`, `2.1 ms`, `48 ms`, `1.5 s`, `2.0 min`. */
export function formatDuration(ms: number | null | undefined): string {
  if (!isPresent(ms)) return MISSING;
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return '0 ms';
  for (const unit of DURATION_UNITS) {
    // Round first, so 999.6 µs becomes 1.0 ms rather than "1,000 µs".
    const rounded = roundForDisplay(ms * unit.perMs);
    if (rounded < unit.limit) return `${withDecimals(rounded)} ${unit.symbol}`;
  }
  throw new Error(`unreachable: no duration unit for ${ms} ms`);
}

/** A fraction as a percentage with one decimal, `91.2%`; tiny non-zero values keep two significant digits. */
export function formatPercent(ratio: number | null | undefined): string {
  if (!isPresent(ratio)) return MISSING;
  const percent = ratio * 100;
  // Small rates (stale reads, errors) keep two significant digits: 0.072%, not 0.1%.
  if (percent !== 0 && Math.abs(percent) < 1) return `${Number(percent.toPrecision(2))}%`;
  return `${percent.toFixed(1)}%`;
}

/**
 * A fraction as a rounded percentage for prose, `91%`, `0.3%`. Never rounds a value to 0% or 100% that is
 * not exactly that: "cuts DB reads by 100%" must mean every DB read is gone.
 */
export function formatPercentInProse(ratio: number): string {
  const percent = ratio * 100;
  const magnitude = Math.abs(percent);
  const sign = percent < 0 ? '-' : '';
  let digits: number;
  if (magnitude === 0 || magnitude === 100) digits = magnitude;
  else if (magnitude < 10) digits = Number(magnitude.toPrecision(2));
  else if (magnitude < 99.5 || magnitude > 100) digits = Math.round(magnitude);
  else digits = Math.min(99.9, Math.round(magnitude * 10) / 10);
  return `${sign}${digits}%`;
}

/** A count with thousands separators: `1,234,567`. */
export function formatCount(count: number | null | undefined): string {
  if (!isPresent(count)) return MISSING;
  return THOUSANDS.format(count);
}

/** Events per second: `4,981/s`, `12.5/s`. */
export function formatRate(perSecond: number | null | undefined): string {
  if (!isPresent(perSecond)) return MISSING;
  const text = Math.abs(perSecond) < 100 ? String(Math.round(perSecond * 10) / 10) : THOUSANDS.format(perSecond);
  return `${text}/s`;
}
