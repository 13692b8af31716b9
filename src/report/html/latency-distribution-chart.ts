import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { type ChartSeries, type ChartSpec, COLORS, chartValue } from './chart-spec.js';

/** Points per "nine" of the percentile axis: 90% → 99% is drawn with 20 points. */
const POINTS_PER_NINE = 20;

/** A decoded latency histogram, reduced to what the chart draws. */
export interface PercentileCurve {
  /** Requests recorded. */
  count: number;
  /** The percentiles drawn, as "nines" (see ninesGrid). */
  nines: number[];
  /** Latency (ms) at each of them; the last is the maximum. */
  ms: number[];
}

/**
 * Decodes a run's HdrHistogram (compressed base64, microseconds, as in `histograms.latency_us`) into its
 * percentile curve; null for an empty encoding (a run without timing).
 */
export function decodePercentileCurve(encoded: string): PercentileCurve | null {
  if (encoded === '') return null;
  const histogram = decodeFromCompressedBase64(encoded, 64);
  try {
    const count = histogram.totalCount;
    if (count === 0) return null;
    const nines = ninesGrid(count);
    const ms = nines.map((x, i) => (i === nines.length - 1 ? histogram.maxValue : histogram.getValueAtPercentile(100 * (1 - 10 ** -x))) / 1000);
    return { count, nines, ms };
  } finally {
    histogram.destroy();
  }
}

/**
 * The percentiles drawn for `count` requests, as "nines" (x = −log10(1 − q), so 1 is 90%, 2 is 99%), every
 * 1/20 of a nine from 0 (the minimum) to log10(count), the last percentile the requests resolve (99.9%
 * for 1,000 requests), where the curve reaches the maximum.
 */
function ninesGrid(count: number): number[] {
  const last = Math.log10(Math.max(count, 10));
  const steps = Math.ceil(last * POINTS_PER_NINE - 1e-9);
  return Array.from({ length: steps + 1 }, (_, i) => Math.min(last, i / POINTS_PER_NINE));
}

/**
 * Latency against percentile, with and without the cache: the whole distribution, the tail included,
 * on a log scale. Null when neither side was timed.
 */
export function latencyDistributionChart(
  id: string,
  histograms: { latency_us: string; baseline_latency_us: string },
): ChartSpec | null {
  const sides = [
    { label: 'with cache', color: COLORS.withCache, curve: decodePercentileCurve(histograms.latency_us) },
    { label: 'no cache', color: COLORS.noCache, curve: decodePercentileCurve(histograms.baseline_latency_us) },
  ];
  const present = sides.filter((side) => side.curve !== null);
  if (present.length === 0) return null;
  // Both sides share the grid of the larger count: the same percentile at the same index.
  const longest = present.reduce((a, b) => (b.curve!.nines.length > a.curve!.nines.length ? b : a)).curve!;
  const nines = longest.nines;
  const series: ChartSeries[] = present.map(({ label, color, curve }) => ({
    label,
    color,
    style: 'line',
    values: nines.map((_, i) => {
      // Past its own resolution a side has reached its maximum; a log axis takes no zero.
      const ms = curve!.ms[Math.min(i, curve!.ms.length - 1)];
      return ms > 0 ? chartValue(ms) : null;
    }),
  }));
  return {
    id,
    title: 'Latency distribution',
    caption:
      'End-to-end latency of every request at each percentile (from the HDR histograms), with the cache and without it; the right end is the maximum.',
    kind: 'lines',
    x: { label: 'percentile', unit: 'nines', values: nines.map((x) => Number(x.toFixed(4))), min: 0 },
    y: { label: 'latency', unit: 'ms', log: true },
    series,
  };
}
