import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { ComparisonResult, MetricChange, RunComparison } from '../result/comparison-result.js';
import {
  changeEffect,
  describeRuleOutcome,
  formatChange,
  formatMetricValue,
  formatRelativeChange,
  formatRuleAllowance,
} from './metric-change-format.js';
import { reportChalk, type ReportOptions, tableOptions } from './report-style.js';
import { displayedInput } from './display-text.js';

/**
 * `cachebench compare` in the terminal: per pair of runs, every metric's baseline and current value with
 * the absolute and relative change (green when it is an improvement, red when a regression, by the
 * metric's direction), then each rule ✓/✗; then the runs that had no partner. Pure: returns the text.
 */
export function renderComparison(comparison: ComparisonResult, options: ReportOptions): string {
  comparison = displayedInput(comparison); // control characters escaped, URL passwords masked
  const chalk = reportChalk(options);
  const parts: string[] = [
    `baseline ${comparison.baseline.file} (${runCount(comparison.baseline.runs)}) → current ${comparison.current.file} (${runCount(comparison.current.runs)})`,
  ];
  for (const run of comparison.runs) parts.push(renderRunComparison(run, chalk, options));
  const unpaired = renderUnpaired(comparison);
  if (unpaired !== '') parts.push(chalk.yellow(unpaired));
  if (comparison.runs.length > 1 && comparison.rules.length > 0) parts.push(overallTally(comparison, chalk));
  return parts.join('\n\n');
}

function runCount(runs: number): string {
  return runs === 1 ? '1 run' : `${runs} runs`;
}

/** The heading of a pair: its name, and the baseline's when a lone run of each file was paired across names. */
export function pairLabel(run: RunComparison): string {
  return run.baseline_name === run.name ? run.name : `${run.name} (baseline: ${run.baseline_name})`;
}

function renderRunComparison(run: RunComparison, chalk: ChalkInstance, options: ReportOptions): string {
  const table = new Table(
    tableOptions(['metric', 'baseline', 'current', 'change', 'relative'], options, {
      colAligns: ['left', 'right', 'right', 'right', 'right'],
      compact: true,
    }),
  );
  for (const change of run.metrics) {
    const paint = effectColour(change, chalk);
    table.push([
      change.metric,
      formatMetricValue(change.metric, change.baseline),
      formatMetricValue(change.metric, change.current),
      paint(formatChange(change.metric, change.change)),
      paint(formatRelativeChange(change.relative_change)),
    ]);
  }
  const lines = [chalk.bold(pairLabel(run)), table.toString()];
  if (run.rules.length > 0) lines.push(renderRules(run, chalk, options));
  return lines.join('\n');
}

function effectColour(change: MetricChange, chalk: ChalkInstance): (text: string) => string {
  const effect = changeEffect(change);
  if (effect === 'better') return chalk.green;
  if (effect === 'worse') return chalk.red;
  return (text) => text;
}

function renderRules(run: RunComparison, chalk: ChalkInstance, options: ReportOptions): string {
  const table = new Table(
    tableOptions(['', 'rule', 'outcome', 'allowed'], options, { colAligns: ['center', 'left', 'left', 'left'], compact: true }),
  );
  for (const rule of run.rules) {
    const mark = rule.pass ? chalk.green('✓') : chalk.red('✗');
    table.push([mark, rule.source === 'scenario' ? `${rule.rule} (scenario)` : rule.rule, describeRuleOutcome(rule), formatRuleAllowance(rule)]);
  }
  const broken = run.rules.filter((rule) => !rule.pass).length;
  const total = run.rules.length;
  const noun = total === 1 ? 'rule' : 'rules';
  const tally = broken === 0 ? chalk.green(`all ${total} ${noun} passed`) : chalk.red(`${broken} of ${total} ${noun} broken`);
  return `${table.toString()}\n${tally}`;
}

/** Runs left out of the comparison, by file: not compared, and not checked by any rule. */
export function renderUnpaired(comparison: ComparisonResult): string {
  comparison = displayedInput(comparison); // control characters escaped, URL passwords masked
  const lines: string[] = [];
  const { baseline, current } = comparison.unpaired;
  if (baseline.length > 0) lines.push(`only in ${comparison.baseline.file} (not compared): ${baseline.join(', ')}`);
  if (current.length > 0) lines.push(`only in ${comparison.current.file} (not compared): ${current.join(', ')}`);
  return lines.join('\n');
}

function overallTally(comparison: ComparisonResult, chalk: ChalkInstance): string {
  const failing = comparison.runs.filter((run) => run.rules.some((rule) => !rule.pass));
  if (failing.length === 0) return chalk.green(`every rule passed in all ${comparison.runs.length} compared runs`);
  return chalk.red(`rules broken in ${failing.length} of ${comparison.runs.length} compared runs: ${failing.map((run) => run.name).join(', ')}`);
}
