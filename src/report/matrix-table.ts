import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import type { RunResult } from '../result/run-result.js';
import { formatCount, formatDuration, formatPercent } from './number-format.js';
import { reportChalk, type ReportOptions, tableOptions } from './report-style.js';
import { formatRunParams } from './run-label.js';

interface MatrixColumn {
  title: string;
  align: Table.HorizontalAlignment;
  cell(run: RunResult, chalk: ChalkInstance, bestHitRate: number | null): string;
  /** Shown only when the runs make it worth a column (it differs between them, or something happened). */
  when?: (runs: readonly RunResult[]) => boolean;
}

const differs = (runs: readonly RunResult[], value: (run: RunResult) => unknown) => new Set(runs.map(value)).size > 1;

const NAME_COLUMN: MatrixColumn = { title: 'run', align: 'left', cell: (run) => run.name };
const PARAMS_COLUMN: MatrixColumn = { title: 'params', align: 'left', cell: (run) => formatRunParams(run.params) };

const METRIC_COLUMNS: MatrixColumn[] = [
  {
    title: 'hit rate',
    align: 'right',
    cell: (run, chalk, bestHitRate) => {
      const text = formatPercent(run.metrics.hit_rate);
      return run.metrics.hit_rate !== null && run.metrics.hit_rate === bestHitRate ? chalk.green.bold(text) : text;
    },
  },
  { title: 'p99', align: 'right', cell: (run) => formatDuration(run.metrics.latency_ms?.p99) },
  { title: 'DB reads', align: 'right', cell: (run) => formatCount(run.metrics.db.reads) },
  { title: 'offload', align: 'right', cell: (run) => formatPercent(run.metrics.offload) },
  { title: 'stale rate', align: 'right', cell: (run) => formatPercent(run.metrics.staleness.stale_rate) },
  {
    title: 'dup fetches',
    align: 'right',
    cell: (run) => formatCount(run.metrics.herd.duplicate_fetches),
    when: (runs) => differs(runs, (run) => run.params['cache.stampede.protection'] ?? run.params['cache.stampede']),
  },
  { title: 'errors', align: 'right', cell: (run) => formatCount(run.metrics.errors), when: (runs) => runs.some((run) => run.metrics.errors > 0) },
  {
    title: 'lost writes',
    align: 'right',
    cell: (run) => formatCount(run.metrics.write_behind?.lost_writes),
    when: (runs) => runs.some((run) => run.metrics.write_behind !== undefined),
  },
  { title: 'thresholds', align: 'right', cell: (run, chalk) => thresholdTally(run, chalk) },
];

/** `3/3 ✓`, `2/3 ✗` (red with colour), or – for a run without thresholds. */
function thresholdTally(run: RunResult, chalk: ChalkInstance): string {
  const total = run.thresholds.length;
  if (total === 0) return '–';
  const passed = run.thresholds.filter((result) => result.pass).length;
  return passed === total ? `${passed}/${total} ✓` : chalk.red(`${passed}/${total} ✗`);
}

/**
 * Every run of a matrix in one table, a row per run, so combinations compare at a glance. With colour,
 * the best hit rate is highlighted (every run tying for it; none when there is a single run).
 */
export function renderMatrixTable(runs: RunResult[], options: ReportOptions): string {
  const chalk = reportChalk(options);
  const showParams = runs.some((run) => Object.keys(run.params).length > 0);
  const columns = [NAME_COLUMN, ...(showParams ? [PARAMS_COLUMN] : []), ...METRIC_COLUMNS.filter((column) => column.when?.(runs) ?? true)];
  const table = new Table(
    tableOptions(
      columns.map((column) => column.title),
      options,
      { colAligns: columns.map((column) => column.align), compact: true },
    ),
  );

  const hitRates = runs.map((run) => run.metrics.hit_rate).filter((rate): rate is number => rate !== null);
  const bestHitRate = runs.length > 1 && hitRates.length > 0 ? Math.max(...hitRates) : null;
  for (const run of runs) table.push(columns.map((column) => column.cell(run, chalk, bestHitRate)));
  return table.toString();
}
