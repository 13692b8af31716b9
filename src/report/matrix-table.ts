import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import type { RunMetrics, RunResult } from '../result/run-result.js';
import { formatBytes } from './byte-format.js';
import { type VariedAxis, axisValue, variedAxes } from './matrix-axes.js';
import { formatCount, formatDuration, formatPercent, formatRate, MISSING } from './number-format.js';
import { reportChalk, type ReportOptions, tableOptions } from './report-style.js';
import { displayedInput } from './display-text.js';
import { APPROXIMATE_MARK } from './approximation-note.js';

/**
 * The matrix overview shared by the terminal table and the Markdown summary: the no-cache baseline once
 * (once per distinct baseline when the matrix varies the workload or the database), then a row per run
 * with only the parameters that vary, the key metrics, the memory the cache actually held and the run's
 * threshold result.
 */

type Align = 'left' | 'right';

interface MetricColumn {
  title: string;
  /** A value of the run (or of its baseline, on a baseline row). */
  cell(metrics: RunMetrics): string;
  /** Shown only when the runs make it worth a column (it differs between them, or something happened). */
  when?: (runs: readonly RunResult[]) => boolean;
  /** The cache's own number: an estimate in an approximate run (`run --approximate`), marked ≈. */
  cacheSide?: true;
}

const differs = (runs: readonly RunResult[], value: (run: RunResult) => unknown) => new Set(runs.map(value)).size > 1;
const timed = (runs: readonly RunResult[]) => runs.some((run) => run.metrics.latency_ms !== null);
/** A live run's cache is Redis, whose view is in run.redis rather than in metrics.cache. */
const hasCache = (m: RunMetrics) => m.cache !== null || m.live !== undefined;

const METRIC_COLUMNS: MetricColumn[] = [
  { title: 'hit rate', cacheSide: true, cell: (m) => formatPercent(hasCache(m) ? m.hit_rate : null) },
  { title: 'p99', cell: (m) => formatDuration(m.latency_ms?.p99), when: timed },
  // A timed run's database load reads best per second; an untimed replay has only counts.
  { title: 'DB reads', cacheSide: true, cell: (m) => formatCount(m.db.reads), when: (runs) => !timed(runs) },
  { title: 'DB qps', cell: (m) => formatRate(m.db.qps_mean), when: timed },
  { title: 'DB peak', cell: (m) => formatRate(m.db.qps_peak), when: timed },
  { title: 'stale rate', cacheSide: true, cell: (m) => formatPercent(hasCache(m) ? m.staleness.stale_rate : null) },
  {
    title: 'dup fetches',
    cell: (m) => formatCount(m.herd.duplicate_fetches),
    when: (runs) => differs(runs, (run) => run.params['cache.stampede.protection'] ?? run.params['cache.stampede']),
  },
  { title: 'errors', cell: (m) => formatCount(m.errors), when: (runs) => runs.some((run) => run.metrics.errors > 0) },
  {
    title: 'lost writes',
    cell: (m) => formatCount(m.write_behind?.lost_writes),
    when: (runs) => runs.some((run) => run.metrics.write_behind !== undefined),
  },
  // What the cache held at its fullest: the memory a real cache of this size would need.
  { title: 'peak bytes', cacheSide: true, cell: (m) => (m.cache === null ? MISSING : formatBytes(m.cache.peak_bytes)), when: (runs) => runs.some((run) => run.metrics.cache !== null) },
  { title: 'peak entries', cacheSide: true, cell: (m) => formatCount(m.cache?.peak_entries), when: (runs) => runs.some((run) => run.metrics.cache !== null) },
];

/** `✓`, `✗ 1 failed`, or – for a run without thresholds. */
export function thresholdOutcome(run: RunResult): { text: string; failed: boolean } {
  if (run.thresholds.length === 0) return { text: MISSING, failed: false };
  const failed = run.thresholds.filter((result) => !result.pass).length;
  return failed === 0 ? { text: '✓', failed: false } : { text: `✗ ${failed} failed`, failed: true };
}

export interface MatrixRow {
  kind: 'baseline' | 'run';
  run: RunResult;
  /** One cell per varied axis, then one per metric column, then the thresholds. */
  cells: string[];
}

export interface MatrixOverview {
  head: string[];
  align: Align[];
  rows: MatrixRow[];
}

/** The overview as plain text cells, for any renderer. */
export function matrixOverview(runs: readonly RunResult[]): MatrixOverview {
  const axes = variedAxes(runs);
  const metricColumns = METRIC_COLUMNS.filter((column) => column.when?.(runs) ?? true);
  const showThresholds = runs.some((run) => run.thresholds.length > 0);
  // Without a varied axis (a single run, or runs alike in every parameter), rows are told apart by name.
  const labelHead = axes.length > 0 ? axes.map((axis) => axis.label) : ['run'];
  const head = [...labelHead, ...metricColumns.map((column) => column.title), ...(showThresholds ? ['thresholds'] : [])];
  const align: Align[] = [...labelHead.map((): Align => 'left'), ...metricColumns.map((): Align => 'right'), ...(showThresholds ? (['right'] as Align[]) : [])];

  const rows: MatrixRow[] = [];
  const distinctBaselines = new Set(runs.map((run) => baselineKey(run.baseline))).size;
  let previousBaseline: string | null = null;
  for (const run of runs) {
    const key = baselineKey(run.baseline);
    if (hasCache(run.metrics) && key !== previousBaseline) {
      const label = baselineLabel(run, axes, distinctBaselines > 1);
      rows.push({ kind: 'baseline', run, cells: [...label, ...metricColumns.map((column) => column.cell(run.baseline)), ...(showThresholds ? [MISSING] : [])] });
    }
    previousBaseline = key;
    const label = axes.length > 0 ? axes.map((axis) => axisValue(run, axis)) : [run.name];
    const estimated = (column: MetricColumn, cell: string) => (run.approximate !== undefined && column.cacheSide === true && cell !== MISSING ? `${APPROXIMATE_MARK} ${cell}` : cell);
    const metricCells = metricColumns.map((column) => estimated(column, column.cell(run.metrics)));
    const cells = [...label, ...metricCells, ...(showThresholds ? [thresholdOutcome(run).text] : [])];
    rows.push({ kind: 'run', run, cells });
  }
  return { head, align, rows };
}

/** Runs share a baseline when the matrix varies only the cache: their no-cache replays are the same. */
function baselineKey(m: RunMetrics): string {
  return JSON.stringify([m.requests, m.reads, m.writes, m.db.queries, m.db.reads, m.latency_ms?.p99 ?? null, m.db.qps_peak]);
}

/**
 * `no cache` in the first label column; when baselines differ, the axes they depend on (those outside
 * `cache.`) keep their values, so each baseline row says which workload or database it is.
 */
function baselineLabel(run: RunResult, axes: readonly VariedAxis[], several: boolean): string[] {
  if (axes.length === 0) return ['no cache'];
  let named = false;
  return axes.map((axis) => {
    if (several && !axis.path.startsWith('cache.')) return axisValue(run, axis);
    if (named) return '';
    named = true;
    return 'no cache';
  });
}

/**
 * Every run of a matrix in one table, the baseline first, so combinations compare at a glance. With colour,
 * the best hit rate is highlighted (every run tying for it; none when there is a single run), baseline rows
 * are dim and failed thresholds red.
 */
export function renderMatrixTable(runs: RunResult[], options: ReportOptions): string {
  runs = displayedInput(runs); // control characters escaped, URL passwords masked
  const chalk = reportChalk(options);
  const overview = matrixOverview(runs);
  const table = new Table(tableOptions(overview.head, options, { colAligns: overview.align, compact: true }));
  const hitRates = runs.map((run) => run.metrics.hit_rate).filter((rate): rate is number => rate !== null);
  const bestHitRate = runs.length > 1 && hitRates.length > 0 ? Math.max(...hitRates) : null;
  const hitRateColumn = overview.head.indexOf('hit rate');
  const thresholdColumn = overview.head.indexOf('thresholds');
  for (const row of overview.rows) table.push(row.cells.map((cell, column) => styleCell(chalk, row, cell, column, { hitRateColumn, thresholdColumn, bestHitRate })));
  return table.toString();
}

function styleCell(
  chalk: ChalkInstance,
  row: MatrixRow,
  cell: string,
  column: number,
  at: { hitRateColumn: number; thresholdColumn: number; bestHitRate: number | null },
): string {
  if (row.kind === 'baseline') return chalk.dim(cell);
  if (column === at.hitRateColumn && row.run.metrics.hit_rate !== null && row.run.metrics.hit_rate === at.bestHitRate) return chalk.green.bold(cell);
  if (column === at.thresholdColumn && cell !== MISSING) return thresholdOutcome(row.run).failed ? chalk.red(cell) : chalk.green(cell);
  return cell;
}
