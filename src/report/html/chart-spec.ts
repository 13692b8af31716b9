/**
 * What a chart of the HTML report shows, as data: the renderer computes these from a result, the page
 * embeds them as JSON, and the page's script (chart-script.ts) hands them to uPlot. Everything about the
 * numbers is decided here, in typed code; the browser side only draws.
 */

/** How an axis's values read: each unit has one formatter on the page. */
export type ChartUnit =
  /** 0.42 → 42% */
  | 'fraction'
  /** milliseconds → 850 µs, 2.1 ms, 1.5 s */
  | 'ms'
  /** events per second → 1.2k/s */
  | 'per_s'
  | 'count'
  /** seconds on the run's clock → 0:42, 1:02:03 */
  | 'clock'
  /** cache capacity in entries → 10k */
  | 'entries'
  /** bytes, binary units → 64 MB */
  | 'bytes'
  /** "nines" of a percentile: x = −log10(1 − q), so 1 → 90%, 2 → 99%, 3 → 99.9% */
  | 'nines';

export interface ChartAxis {
  label: string;
  unit: ChartUnit;
  /** Logarithmic (base 10); every value on it must be positive. */
  log?: boolean;
  /** Fixed ends of the axis; free when absent. */
  min?: number;
  max?: number;
}

export interface ChartSeries {
  label: string;
  /** A CSS colour; series of one chart have different colours. */
  color: string;
  /** One value per x; null: no value there (a gap). */
  values: (number | null)[];
  /** Which y axis it is read against (default: the left one). */
  axis?: 'left' | 'right';
  /**
   * line: a line through the values; dashed: a reference line (e.g. the no-cache baseline); points: dots
   * only (values measured at a few x, such as replayed policies); bars: a bar per x (bar charts).
   */
  style: 'line' | 'dashed' | 'points' | 'bars';
  /** Lines: drawn thin and translucent, so that it stays behind the chart's main series (e.g. queries in flight). */
  faint?: boolean;
  /** Lines: a dot at each value too (a line through a few measured points, such as a matrix's sizes). */
  markers?: boolean;
  /** Lines: join across null values instead of breaking (for series measured at other x than the rest). */
  spanGaps?: boolean;
}

/** A range of x shaded behind the series, e.g. a fault window on a time chart. */
export interface ShadedRange {
  from: number;
  to: number;
  /** Its name (`cache-down`), shown along the top of the range, followed by the detail when that fits. */
  label: string;
  detail: string;
}

export interface ChartSpec {
  /** The id of the element the chart is drawn into. */
  id: string;
  title: string;
  /** One sentence under the chart: what it shows, how to read it. */
  caption: string;
  /** lines: x is numeric; bars: x is the index of `categories`, bars of several series sit side by side. */
  kind: 'lines' | 'bars';
  x: ChartAxis & { values: number[]; categories?: string[] };
  y: ChartAxis;
  /** A second y axis, on the right, for series with axis: 'right'. */
  y2?: ChartAxis;
  series: ChartSeries[];
  shaded?: ShadedRange[];
}

/** The colours of the report, one per meaning, so "no cache" looks the same on every chart. */
export const COLORS = {
  withCache: '#2563eb',
  noCache: '#f97316',
  l1: '#16a34a',
  l2: '#9333ea',
  inflight: '#0891b2',
  errors: '#dc2626',
  stale: '#ca8a04',
  belady: '#111827',
  /** Replayed policies, in order. */
  policies: ['#db2777', '#059669', '#7c3aed', '#b45309', '#0d9488', '#4f46e5', '#be123c', '#65a30d'],
} as const;

/** Chart values carry four significant digits: more than a chart can show, and it keeps the page small. */
export function chartValue(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return value === 0 ? 0 : Number(value.toPrecision(4));
}

/** Whether a series has anything to draw. */
export function hasValues(values: readonly (number | null)[]): boolean {
  return values.some((value) => value !== null);
}
