import type { ComparisonResult, MetricChange, RunComparison } from '../result/comparison-result.js';
import { pairLabel } from './comparison-table.js';
import { codeSpan, markdownTable, markdownText } from './markdown-text.js';
import {
  changeEffect,
  describeRuleOutcome,
  formatChange,
  formatMetricValue,
  formatRelativeChange,
  formatRuleAllowance,
} from './metric-change-format.js';
import { displayedInput } from './display-text.js';

/**
 * `cachebench compare --markdown`: the gate's outcome first, then per pair of runs each rule ✓/✗, the key
 * metrics' changes, and every metric's change folded in a <details> block. Pure: returns the text.
 */

/** Shown unfolded: what a reviewer checks first. */
const KEY_METRICS = ['hit_rate', 'offload', 'latency.p50', 'latency.p99', 'db.reads', 'db.qps_peak', 'staleness.stale_rate', 'errors'];

export function renderComparisonMarkdown(comparison: ComparisonResult): string {
  comparison = displayedInput(comparison); // control characters escaped, URL passwords masked
  const { baseline, current } = comparison;
  const runs = (count: number) => (count === 1 ? '1 run' : `${count} runs`);
  const parts = [
    `## cachebench compare: ${gateSummary(comparison)}`,
    `baseline ${codeSpan(baseline.file)} (${runs(baseline.runs)}) → current ${codeSpan(current.file)} (${runs(current.runs)})`,
  ];
  for (const run of comparison.runs) parts.push(runSection(run));
  const { baseline: onlyBaseline, current: onlyCurrent } = comparison.unpaired;
  if (onlyBaseline.length > 0) parts.push(`Only in ${codeSpan(baseline.file)} (not compared): ${onlyBaseline.map(markdownText).join(', ')}`);
  if (onlyCurrent.length > 0) parts.push(`Only in ${codeSpan(current.file)} (not compared): ${onlyCurrent.map(markdownText).join(', ')}`);
  return `${parts.join('\n\n')}\n`;
}

function gateSummary(comparison: ComparisonResult): string {
  const checks = comparison.runs.flatMap((run) => run.rules);
  if (checks.length === 0) return 'no rules';
  const broken = checks.filter((rule) => !rule.pass).length;
  const noun = checks.length === 1 ? 'rule check' : 'rule checks';
  return broken === 0 ? `✓ all ${checks.length} ${noun} passed` : `✗ ${broken} of ${checks.length} ${noun} broken`;
}

function runSection(run: RunComparison): string {
  const parts = [`### ${markdownText(pairLabel(run))}`];
  if (run.rules.length > 0) {
    parts.push(
      markdownTable(
        ['', 'rule', 'outcome', 'allowed'],
        ['center', 'left', 'left', 'left'],
        run.rules.map((rule) => [
          rule.pass ? '✓' : '✗',
          rule.source === 'scenario' ? `${codeSpan(rule.rule)} (scenario)` : codeSpan(rule.rule),
          markdownText(describeRuleOutcome(rule)),
          markdownText(formatRuleAllowance(rule)),
        ]),
      ),
    );
  }
  const key = KEY_METRICS.map((name) => run.metrics.find((change) => change.metric === name)).filter(
    (change): change is MetricChange => change !== undefined,
  );
  if (key.length > 0) parts.push(changeTable(key));
  parts.push(`<details><summary>all ${run.metrics.length} metrics</summary>\n\n${changeTable(run.metrics)}\n\n</details>`);
  return parts.join('\n\n');
}

function changeTable(changes: MetricChange[]): string {
  return markdownTable(
    ['metric', 'baseline', 'current', 'change', 'relative', ''],
    ['left', 'right', 'right', 'right', 'right', 'left'],
    changes.map((change) => {
      const effect = changeEffect(change);
      return [
        codeSpan(change.metric),
        formatMetricValue(change.metric, change.baseline),
        formatMetricValue(change.metric, change.current),
        formatChange(change.metric, change.change),
        formatRelativeChange(change.relative_change),
        effect === 'neutral' ? '' : effect,
      ];
    }),
  );
}
