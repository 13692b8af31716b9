import type { FaultWindow, RunResult, TimeseriesPoint } from '../../result/run-result.js';
import { formatCount, formatDuration } from '../number-format.js';
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
  if (timed) {
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
  } else {
    charts.push(hitRateByRequests(idPrefix, run));
  }

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
        ...(hasValues(inflight) ? [{ label: 'in flight (max)', color: COLORS.inflight, style: 'line' as const, axis: 'right' as const, faint: true, values: inflight }] : []),
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

  // An all-zero error line (and its axis) says nothing the summary does not: drawn only when a request failed.
  const errorsColumn = column('errors_per_s');
  const errors = errorsColumn.some((value) => value !== null && value > 0) ? errorsColumn : [];
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

/** Points of the hit-rate chart of a run without timing: about this many along its requests. */
const REQUEST_POINTS = 200;

/**
 * A run without timing, against its requests: a trace's clock bunches them (a burst of thousands in one
 * window, then windows of a few, each 0% or 100%), so over time its hit rate is a solid block. Neighbouring
 * windows are merged until each point covers about 1/200 of the requests; a point's hit rate is its windows'
 * weighted by their requests (exact when every request is a read).
 */
function hitRateByRequests(idPrefix: string, run: RunResult): ChartSpec {
  const windowS = run.timeseries_window_ms / 1000;
  const total = run.timeseries.reduce((sum, p) => sum + p.requests_per_s * windowS, 0);
  const step = Math.max(1, total / REQUEST_POINTS);
  const fields = ['hit_rate', 'l1_hit_rate', 'l2_hit_rate'] as const;
  const xs: number[] = [];
  const ys: Record<(typeof fields)[number], (number | null)[]> = { hit_rate: [], l1_hit_rate: [], l2_hit_rate: [] };
  let seen = 0;
  let pending = 0;
  const sums = { hit_rate: [0, 0], l1_hit_rate: [0, 0], l2_hit_rate: [0, 0] };
  const flush = () => {
    xs.push(seen);
    for (const field of fields) {
      const [weighted, weight] = sums[field];
      ys[field].push(weight > 0 ? chartValue(weighted / weight) : null);
      sums[field] = [0, 0];
    }
    pending = 0;
  };
  for (const point of run.timeseries) {
    const requests = point.requests_per_s * windowS;
    seen += requests;
    pending += requests;
    for (const field of fields) {
      const rate = point[field];
      if (rate !== null && rate !== undefined && requests > 0) sums[field] = [sums[field][0] + rate * requests, sums[field][1] + requests];
    }
    if (pending >= step) flush();
  }
  if (pending > 0) flush();
  const tiers: ChartSeries[] = [
    { label: 'L1 (per node)', color: COLORS.l1, style: 'line' as const, values: ys.l1_hit_rate },
    { label: 'L2 (shared)', color: COLORS.l2, style: 'line' as const, values: ys.l2_hit_rate },
  ].filter((s) => hasValues(s.values));
  return {
    id: `${idPrefix}-hit-rate`,
    title: tiers.length > 0 ? 'Hit rate along the replay, per tier' : 'Hit rate along the replay',
    caption: `Share of reads served from the cache, a point per about ${formatCount(Math.round(step))} requests: a replay without timing has no clock of its own to chart it against.`,
    kind: 'lines',
    x: { label: 'requests', unit: 'count', values: xs.map((value) => Math.round(value)) },
    y: { label: 'hit rate', unit: 'fraction', min: 0, max: 1 },
    series: [{ label: tiers.length > 0 ? 'any tier' : 'hit rate', color: COLORS.withCache, style: 'line', values: ys.hit_rate }, ...tiers],
  };
}

function faultRange(fault: FaultWindow): ShadedRange {
  return { from: fault.start_ms / 1000, to: fault.end_ms / 1000, label: fault.kind, detail: fault.detail };
}
