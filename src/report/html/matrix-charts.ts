import type { RunMetrics, RunResult } from '../../result/run-result.js';
import { formatBytes } from '../byte-format.js';
import { type VariedAxis, axisValue, capacityAxis, capacityValue, variedAxes } from '../matrix-axes.js';
import { formatCount, formatDuration, formatPercent, formatRate } from '../number-format.js';
import { type ChartSeries, type ChartSpec, type ChartUnit, COLORS, chartValue } from './chart-spec.js';
import { shortRunLabel } from './matrix-comparison.js';

/**
 * The runs of a matrix compared, one chart per metric that differs between them — a sweep of pub/sub loss
 * charts the stale rate it changes, not three equal hit rates. When the matrix varies a cache's capacity,
 * each chart is a line over the sizes, one line per combination of the other parameters (policy-sweep:
 * one line per policy, a miss-ratio-curve-like picture); otherwise a bar per run.
 */

interface MatrixMetric {
  id: string;
  /** `Stale rate`: the chart's title begins with it, and the list of metrics that did not vary names it. */
  name: string;
  unit: ChartUnit;
  caption: string;
  value(metrics: RunMetrics): number | null | undefined;
  /** A share whose complement reads better when the share is near 1 everywhere: `Miss rate` for the hit rate. */
  complement?: string;
  /** Whether the no-cache baseline has the metric too (drawn beside it). */
  baseline?: boolean;
  /** How the value reads in the note on metrics that did not vary. */
  text(value: number): string;
}

const percent = (value: number) => formatPercent(value);

/** In the order the charts appear. */
const MATRIX_METRICS: MatrixMetric[] = [
  { id: 'hit-rate', name: 'Hit rate', complement: 'Miss rate', unit: 'fraction', caption: 'Share of reads served from the cache.', value: (m) => m.hit_rate, text: percent },
  {
    id: 'l1-hit-rate',
    name: 'L1 hit rate',
    complement: 'L1 miss rate',
    unit: 'fraction',
    caption: 'Hits ÷ lookups of the local tiers (all nodes).',
    value: (m) => m.tiers?.l1?.hit_rate,
    text: percent,
  },
  {
    id: 'l2-hit-rate',
    name: 'L2 hit rate',
    complement: 'L2 miss rate',
    unit: 'fraction',
    caption: 'Hits ÷ lookups of the shared tier.',
    value: (m) => m.tiers?.l2?.hit_rate,
    text: percent,
  },
  {
    id: 'p99',
    name: 'Latency p99',
    unit: 'ms',
    caption: 'End-to-end p99.',
    value: (m) => m.latency_ms?.p99,
    baseline: true,
    text: (v) => formatDuration(v),
  },
  {
    id: 'db-reads',
    name: 'DB reads',
    unit: 'count',
    caption: 'Reads that reached the database.',
    value: (m) => m.db.reads,
    baseline: true,
    text: (v) => formatCount(v),
  },
  {
    id: 'db-qps-peak',
    name: 'DB queries/s peak',
    unit: 'per_s',
    caption: 'Most database queries in any 1-second window.',
    value: (m) => m.db.qps_peak,
    baseline: true,
    text: (v) => formatRate(v),
  },
  { id: 'stale-rate', name: 'Stale rate', unit: 'fraction', caption: 'Share of reads that returned a superseded version.', value: (m) => m.staleness.stale_rate, text: percent },
  {
    id: 'stale-age-p99',
    name: 'Staleness age p99',
    unit: 'ms',
    caption: 'p99 of how long stale reads had been stale.',
    value: (m) => m.staleness.age_ms.p99,
    text: (v) => formatDuration(v),
  },
  {
    id: 'herd',
    name: 'Herd duplicate fetches',
    unit: 'count',
    caption: 'DB reads started for a key while another read of it was in flight.',
    // Without the baseline, which dwarfs what a cache leaves (thousands against a handful).
    value: (m) => m.herd.duplicate_fetches,
    text: (v) => formatCount(v),
  },
  { id: 'errors', name: 'Errors', unit: 'count', caption: 'Requests that failed.', value: (m) => m.errors, baseline: true, text: (v) => formatCount(v) },
  {
    id: 'pubsub-lost',
    name: 'Pub/sub messages lost',
    unit: 'count',
    caption: 'Invalidation messages that never arrived.',
    value: (m) => m.invalidation?.lost,
    text: (v) => formatCount(v),
  },
  {
    id: 'lost-writes',
    name: 'Lost writes',
    unit: 'count',
    caption: 'Acknowledged writes never persisted (write-behind, a crashed node).',
    value: (m) => m.write_behind?.lost_writes,
    text: (v) => formatCount(v),
  },
  {
    id: 'peak-bytes',
    name: 'Memory used (peak)',
    unit: 'bytes',
    caption: 'Most bytes the cache held at once.',
    value: (m) => m.cache?.peak_bytes,
    text: (v) => formatBytes(v),
  },
];

/** Values differ when the spread is over 1% of the largest: 87.5% against 87.5% does not; 40% against 0.24% does. */
export function varies(values: readonly (number | null)[]): boolean {
  const present = values.filter((value): value is number => value !== null);
  if (present.length < 2) return false;
  const low = Math.min(...present);
  const high = Math.max(...present);
  return high - low > 0.01 * Math.max(Math.abs(low), Math.abs(high));
}

/** A share differs when it, or its complement, does: hit rates of 99.0% and 99.9% are misses of 1% and 0.1%. */
function metricVaries(metric: MatrixMetric, values: readonly (number | null)[]): boolean {
  return varies(values) || (metric.unit === 'fraction' && varies(values.map((value) => (value === null ? null : 1 - value))));
}

/** A share that is near 1 in every run and differs only in its complement is charted as the complement. */
function complemented(runs: readonly RunResult[], metric: MatrixMetric): MatrixMetric {
  const values = valuesOf(runs, metric, 'metrics');
  if (metric.complement === undefined || varies(values) || !metricVaries(metric, values)) return metric;
  const value = metric.value;
  return {
    ...metric,
    id: metric.id.replace('hit', 'miss'),
    name: metric.complement,
    caption: `${metric.caption.replace(/served from/, 'not served from')} (1 − ${inProse(metric.name)}: the ${inProse(metric.name)}s, ${spread(metric, values)}, are close together; the misses differ by more.)`,
    value: (m) => {
      const share = value(m);
      return share === null || share === undefined ? share : 1 - share;
    },
  };
}

/** `94.3% to 95.3%`, or one value. */
function spread(metric: MatrixMetric, values: readonly (number | null)[]): string {
  const present = values.filter((value): value is number => value !== null);
  const [low, high] = [metric.text(Math.min(...present)), metric.text(Math.max(...present))];
  return low === high ? low : `${low} to ${high}`;
}

/** Bars or a line of the baseline beside the cache's, unless they would flatten it (over 10 times larger). */
function baselineBeside(metric: MatrixMetric, withCache: readonly (number | null)[], baseline: readonly (number | null)[]): boolean {
  if (metric.baseline !== true || !baseline.some((value) => value !== null)) return false;
  const largest = (values: readonly (number | null)[]) => Math.max(0, ...values.filter((value): value is number => value !== null));
  return largest(baseline) <= 10 * largest(withCache);
}

/** ` Without the cache: 249 ms.` (or a range) when the baseline is left off the chart for its scale. */
function baselineNote(metric: MatrixMetric, baseline: readonly (number | null)[]): string {
  if (metric.baseline !== true || !baseline.some((value) => value !== null)) return '';
  return ` Without the cache (not drawn, to keep the scale): ${spread(metric, baseline)}.`;
}

function valuesOf(runs: readonly RunResult[], metric: MatrixMetric, side: 'metrics' | 'baseline'): (number | null)[] {
  return runs.map((run) => chartValue(metric.value(run[side])));
}

/** The capacity sweep, when the matrix varies a capacity that every run has, in one unit, at two sizes or more. */
interface CapacitySweep {
  axis: VariedAxis;
  unit: 'entries' | 'bytes';
  sizes: number[];
  amounts: number[];
  /** The other varied parameters: one line per combination of them. */
  others: VariedAxis[];
}

function capacitySweep(runs: readonly RunResult[]): CapacitySweep | null {
  const axes = variedAxes(runs);
  const axis = capacityAxis(axes);
  if (axis === null) return null;
  const values = runs.map((run) => capacityValue(run.params[axis.path]));
  if (values.some((value) => value === null || value.unit !== values[0]?.unit || !(value.amount > 0))) return null;
  const amounts = values.map((value) => (value as { amount: number }).amount);
  const sizes = [...new Set(amounts)].sort((a, b) => a - b);
  if (sizes.length < 2) return null;
  return { axis, unit: (values[0] as { unit: 'entries' | 'bytes' }).unit, sizes, amounts, others: axes.filter((other) => other !== axis) };
}

export function matrixCharts(runs: RunResult[]): ChartSpec[] {
  const sweep = capacitySweep(runs);
  const chosen = MATRIX_METRICS.filter((metric) => metricVaries(metric, valuesOf(runs, metric, 'metrics')));
  // Nothing differs: the hit rate still shows that the runs were compared.
  const metrics = (chosen.length > 0 ? chosen : MATRIX_METRICS.slice(0, 1)).map((metric) => complemented(runs, metric));
  return metrics.map((metric) => (sweep === null ? barChart(runs, metric) : sweepChart(runs, metric, sweep)));
}

/** The metrics not charted because they hardly differ (within 1%), with their values: `hit rate 87.5%, p99 16 ms`. */
export function unvariedMetrics(runs: RunResult[]): string[] {
  return MATRIX_METRICS.flatMap((metric) => {
    const values = valuesOf(runs, metric, 'metrics');
    if (values.some((value) => value === null) || metricVaries(metric, values)) return [];
    return [`${inProse(metric.name)} ${spread(metric, values)}`];
  });
}

/** `Stale rate` → `stale rate`; `DB reads` stays. */
function inProse(name: string): string {
  return /^[A-Z][a-z]/.test(name) ? name[0].toLowerCase() + name.slice(1) : name;
}

function barChart(runs: RunResult[], metric: MatrixMetric): ChartSpec {
  const bars = (label: string, color: string, values: (number | null)[]): ChartSeries => ({ label, color, style: 'bars', values });
  const baseline = valuesOf(runs, metric, 'baseline');
  const withCache = valuesOf(runs, metric, 'metrics');
  const withBaseline = baselineBeside(metric, withCache, baseline);
  return {
    id: `matrix-${metric.id}`,
    title: `${metric.name} per run`,
    caption: withBaseline ? `${metric.caption} Beside it, the no-cache baseline.` : `${metric.caption}${baselineNote(metric, baseline)}`,
    kind: 'bars',
    x: { label: 'run', unit: 'count', values: runs.map((_, i) => i), categories: runs.map(shortRunLabel) },
    y: { label: inProse(metric.name), unit: metric.unit, min: 0 },
    series: [
      bars(withBaseline ? 'with cache' : inProse(metric.name), COLORS.withCache, withCache),
      ...(withBaseline ? [bars('no cache', COLORS.noCache, baseline)] : []),
    ],
  };
}

function sweepChart(runs: RunResult[], metric: MatrixMetric, sweep: CapacitySweep): ChartSpec {
  const groups = new Map<string, number[]>();
  runs.forEach((run, i) => {
    // One other parameter: its values name the lines (`lru`); several: `policy=lru ttl=1m`.
    const key =
      sweep.others.length === 1 ? axisValue(run, sweep.others[0]) : sweep.others.map((axis) => `${axis.label}=${axisValue(run, axis)}`).join(' ');
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const single = groups.size === 1;
  const series: ChartSeries[] = [...groups].map(([key, members], g) => ({
    label: single ? 'with cache' : key,
    color: single ? COLORS.withCache : COLORS.policies[g % COLORS.policies.length],
    style: 'line',
    markers: true,
    spanGaps: true,
    values: sweep.sizes.map((size) => {
      const at = members.find((i) => sweep.amounts[i] === size);
      return at === undefined ? null : chartValue(metric.value(runs[at].metrics));
    }),
  }));
  // The no-cache baseline does not depend on the cache's size: one dashed line, when every run agrees on it.
  const baseline = valuesOf(runs, metric, 'baseline');
  const oneBaseline = baseline[0] !== null && !varies(baseline) && baseline.every((value) => value !== null);
  const dashed = oneBaseline && baselineBeside(metric, valuesOf(runs, metric, 'metrics'), baseline);
  if (dashed) series.push({ label: 'no cache', color: COLORS.noCache, style: 'dashed', values: sweep.sizes.map(() => baseline[0]) });
  const log = sweep.sizes[sweep.sizes.length - 1] / sweep.sizes[0] >= 10;
  return {
    id: `matrix-${metric.id}`,
    title: `${metric.name} by ${sweep.axis.label}`,
    caption: `${metric.caption} A point per ${sweep.axis.label} of the matrix${single ? '' : `, a line per ${sweep.others.map((axis) => axis.label).join(' and ')}`}${log ? ' (log scale)' : ''}${dashed ? '; dashed: the no-cache baseline' : ''}.${dashed ? '' : baselineNote(metric, baseline)}`,
    kind: 'lines',
    // The axis spans the sizes run, not the powers of ten around them.
    x: { label: `${sweep.axis.label} (${sweep.unit})`, unit: sweep.unit, log, min: sweep.sizes[0], max: sweep.sizes[sweep.sizes.length - 1], values: sweep.sizes },
    y: { label: inProse(metric.name), unit: metric.unit, min: 0 },
    series,
  };
}
