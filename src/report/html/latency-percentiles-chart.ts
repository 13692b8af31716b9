import type { LatencySummary, RunMetrics } from '../../result/run-result.js';
import { type ChartSpec, COLORS, chartValue, hasValues } from './chart-spec.js';

const PERCENTILES: { label: string; value: (latency: LatencySummary) => number | null }[] = [
  { label: 'mean', value: (l) => l.mean },
  { label: 'p50', value: (l) => l.p50 },
  { label: 'p90', value: (l) => l.p90 },
  { label: 'p99', value: (l) => l.p99 },
  { label: 'p99.9', value: (l) => l.p999 },
  { label: 'max', value: (l) => l.max },
];

/** The summary percentiles side by side, with the cache and without it; null when neither side was timed. */
export function latencyPercentilesChart(id: string, metrics: RunMetrics, baseline: RunMetrics): ChartSpec | null {
  const sides = [
    { label: 'with cache', color: COLORS.withCache, latency: metrics.latency_ms },
    { label: 'no cache', color: COLORS.noCache, latency: baseline.latency_ms },
  ];
  const series = sides.map(({ label, color, latency }) => ({
    label,
    color,
    style: 'bars' as const,
    // A log axis takes no zero: a 0 ms percentile is left out.
    values: PERCENTILES.map(({ value }) => {
      const ms = latency === null ? null : value(latency);
      return ms !== null && ms > 0 ? chartValue(ms) : null;
    }),
  }));
  const drawn = series.filter((s) => hasValues(s.values));
  if (drawn.length === 0) return null;
  // Bars rise from the axis's floor: a decade under the smallest value, so that one still shows as a bar
  // (a floor at the power of ten just below it would leave 110 µs a sliver above 100 µs).
  const smallest = Math.min(...drawn.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const floor = 10 ** (Math.floor(Math.log10(smallest)) - 1);
  return {
    id,
    title: 'Latency percentiles',
    caption: 'End-to-end latency from each request’s intended start, with the cache and without it (log scale).',
    kind: 'bars',
    x: { label: 'statistic', unit: 'count', values: PERCENTILES.map((_, i) => i), categories: PERCENTILES.map((p) => p.label) },
    y: { label: 'latency', unit: 'ms', log: true, min: floor },
    series: drawn,
  };
}
