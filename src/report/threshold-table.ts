import { APPROXIMATE_MARK } from './approximation-note.js';
import Table from 'cli-table3';
import type { ThresholdResult } from '../result/run-result.js';
import type { MetricKind } from '../thresholds/metric-catalog.js';
import { metricOfExpression } from '../thresholds/threshold-parser.js';
import { formatCount, formatDuration, formatPercent, formatRate } from './number-format.js';
import { reportChalk, type ReportOptions, tableOptions } from './report-style.js';
import { displayedInput } from './display-text.js';

const ACTUAL_FORMATS: Readonly<Record<MetricKind, (value: number) => string>> = {
  duration: formatDuration,
  ratio: formatPercent,
  count: formatCount,
  rate: formatRate,
};

/**
 * A result carries only the expression, so the metric's kind is recovered from its name. Results read
 * back from an older JSON file may name a metric we no longer know: their value is shown as a plain number.
 */
export function formatThresholdActual(expr: string, actual: number | null, unreliable?: string, approximate?: string): string {
  if (unreliable !== undefined) return actual === null ? `unreliable: ${unreliable}` : `unreliable: ${unreliable} (${formatThresholdActual(expr, actual)})`;
  if (actual === null) return 'no samples';
  const metric = metricOfExpression(expr);
  const text = metric ? ACTUAL_FORMATS[metric.kind](actual) : String(actual);
  return approximate === undefined ? text : `${APPROXIMATE_MARK} ${text} (${approximate})`;
}

/**
 * ✓/✗ per threshold with the value it was judged on, then a one-line tally. Empty when there are no
 * thresholds, so the caller can print nothing.
 */
export function renderThresholdTable(results: ThresholdResult[], options: ReportOptions): string {
  results = displayedInput(results); // control characters escaped, URL passwords masked
  if (results.length === 0) return '';
  const chalk = reportChalk(options);
  const table = new Table(
    tableOptions(['', 'threshold', 'actual'], options, { colAligns: ['center', 'left', 'right'], compact: true }),
  );
  for (const result of results) {
    const mark = result.pass ? chalk.green('✓') : chalk.red('✗');
    table.push([mark, result.expr, formatThresholdActual(result.expr, result.actual, result.unreliable, result.approximate)]);
  }

  const failed = results.filter((result) => !result.pass).length;
  const total = results.length;
  const noun = total === 1 ? 'threshold' : 'thresholds';
  const tally =
    failed === 0
      ? chalk.green(`all ${total} ${noun} passed`)
      : chalk.red(`${failed} of ${total} ${noun} failed`);
  return `${table.toString()}\n${tally}`;
}
