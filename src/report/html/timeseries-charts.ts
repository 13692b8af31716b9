import type { FaultWindow, RunResult, TimeseriesPoint } from '../../result/run-result.js';
import { formatDuration } from '../number-format.js';
import { type ChartSeries, type ChartSpec, COLORS, chartValue, hasValues, type ShadedRange } from './chart-spec.js';

type PointField = {
  [K in keyof TimeseriesPoint]-?: NonNullable<TimeseriesPoint[K]> extends number ? K : never;
}[keyof TimeseriesPoint];

/**
 * The run over time, one chart per question: did the cache keep hitting (per tier), did latency hold,
 * what reached the database, how stale were reads, how much traffic and how many errors. Fault windows are
 * shaded on every one. Charts that need timing (latency, database load, staleness) are left out of a run
 * replayed without it, whose database queries carry no time.
 */
export function timeseriesCharts(idPrefix: string, run: RunResult): ChartSpec[] {
  const points = run.timeseries;
  if (points.length === 0) return [];
  const window = formatDuration(run.timeseries_window_ms);
  const x = { label: 'run time', unit: 'clock' as const, values: points.map((p) => p.t_ms / 1000) };
  const shaded = (run.faults ?? []).map(faultRange);
  const column = (field: PointField) => points.map((p) => chartValue(p[field]));
  const constant = (value: number | null) => points.map(() => chartValue(value));
  const timed = run.metrics.latency_ms !== null;
  const charts: ChartSpec[] = [];

  const tiers: ChartSeries[] = [
    { label: 'L1 (per node)', color: COLORS.l1, style: 'line', values: column('l1_hit_rate') },
    { label: 'L2 (shared)', color: COLORS.l2, style: 'line', values: column('l2_hit_rate') },
  ].filter((s) => hasValues(s.values)) as ChartSeries[];
  charts.push({
    id: `${idPrefix}-hit-rate`,
    title: tiers.length > 0 ? 'Hit rate over time, per tier' : 'Hit rate over time',
    caption: `Share of reads served from the cache in each ${window} window${tiers.length > 0 ? '; per tier: hits ÷ lookups of that tier' : ''}.`,
    kind: 'lines',
    x,
    y: { label: 'hit rate', unit: 'fraction', min: 0, max: 1 },
    series: [{ label: tiers.length > 0 ? 'any tier' : 'hit rate', color: COLORS.withCache, style: 'line', values: column('hit_rate') }, ...tiers],
    shaded,
  });

  const p99 = column('p99_ms');
  if (timed && hasValues(p99)) {
    const baselineP99 = run.baseline.latency_ms?.p99 ?? null;
    charts.push({
      id: `${idPrefix}-p99`,
      title: 'Latency p99 over time',
      caption: `p99 of the requests that started in each ${window} window; dashed: the no-cache baseline’s p99 over the whole run.`,
      kind: 'lines',
      x,
      y: { label: 'p99', unit: 'ms', min: 0 },
      series: [
        { label: 'with cache', color: COLORS.withCache, style: 'line', values: p99 },
        ...(baselineP99 === null ? [] : [{ label: 'no cache (whole run)', color: COLORS.noCache, style: 'dashed' as const, values: constant(baselineP99) }]),
      ],
      shaded,
    });
  }

  if (timed) {
    const inflight = column('db_inflight_max');
    const baselineQps = run.baseline.db.qps_mean;
    charts.push({
      id: `${idPrefix}-db`,
      title: hasValues(inflight) ? 'Database queries/s and in-flight' : 'Database queries/s',
      caption: `Queries submitted to the database per second${hasValues(inflight) ? ', and the most holding a connection at once (right axis)' : ''}; dashed: the no-cache baseline’s mean.`,
      kind: 'lines',
      x,
      y: { label: 'queries/s', unit: 'per_s', min: 0 },
      ...(hasValues(inflight) ? { y2: { label: 'in flight', unit: 'count' as const, min: 0 } } : {}),
      series: [
        { label: 'queries/s', color: COLORS.withCache, style: 'line', values: column('db_qps') },
        ...(baselineQps === null ? [] : [{ label: 'no cache (mean)', color: COLORS.noCache, style: 'dashed' as const, values: constant(baselineQps) }]),
        ...(hasValues(inflight) ? [{ label: 'in flight (max)', color: COLORS.inflight, style: 'line' as const, axis: 'right' as const, values: inflight }] : []),
      ],
      shaded,
    });
  }

  const stale = column('stale_rate');
  if ((timed || run.metrics.staleness.stale_reads > 0) && hasValues(stale)) {
    charts.push({
      id: `${idPrefix}-staleness`,
      title: 'Staleness over time',
      caption: `Share of reads in each ${window} window that returned a version older than the latest acknowledged write.`,
      kind: 'lines',
      x,
      y: { label: 'stale rate', unit: 'fraction', min: 0 },
      series: [{ label: 'stale rate', color: COLORS.stale, style: 'line', values: stale }],
      shaded,
    });
  }

  const errors = column('errors_per_s');
  charts.push({
    id: `${idPrefix}-traffic`,
    title: hasValues(errors) ? 'Requests/s and errors/s' : 'Requests/s',
    caption: `Requests per second by intended start${hasValues(errors) ? ', and failed requests per second (right axis)' : ''}.`,
    kind: 'lines',
    x,
    y: { label: 'requests/s', unit: 'per_s', min: 0 },
    ...(hasValues(errors) ? { y2: { label: 'errors/s', unit: 'per_s' as const, min: 0 } } : {}),
    series: [
      { label: 'requests/s', color: COLORS.withCache, style: 'line', values: column('requests_per_s') },
      ...(hasValues(errors) ? [{ label: 'errors/s', color: COLORS.errors, style: 'line' as const, axis: 'right' as const, values: errors }] : []),
    ],
    shaded,
  });
  return charts;
}

function faultRange(fault: FaultWindow): ShadedRange {
  return { from: fault.start_ms / 1000, to: fault.end_ms / 1000, label: fault.kind, detail: fault.detail };
}
