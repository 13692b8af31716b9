import { InputError } from '../errors.js';
import type { CompareRuleResult, ComparisonResult, MetricChange, RunComparison } from '../result/comparison-result.js';
import type { Result, RunResult } from '../result/run-result.js';
import { METRIC_NAMES } from '../thresholds/metric-catalog.js';
import { compare } from '../thresholds/threshold-evaluation.js';
import type { CompareRule } from './compare-rule.js';
import { metricValue } from '../result/result-file.js';
import { pairRuns } from './run-pairing.js';

export interface ComparedFile {
  /** As given on the command line: how reports name it. */
  file: string;
  result: Result;
}

export interface SourcedRule {
  rule: CompareRule;
  source: CompareRuleResult['source'];
}

/**
 * The comparison of two results: every metric's change in each pair of runs, and each rule's verdict on
 * every pair. Throws an InputError when no run pairs up, since then nothing was compared.
 */
export function compareResults(baseline: ComparedFile, current: ComparedFile, rules: readonly SourcedRule[]): ComparisonResult {
  const pairing = pairRuns(baseline.result.runs, current.result.runs);
  if (pairing.pairs.length === 0) {
    const names = (file: ComparedFile) =>
      file.result.runs.length === 0 ? 'no runs' : `runs ${file.result.runs.map((run) => `"${run.name}"`).join(', ')}`;
    throw new InputError(
      `no run of ${current.file} has the name of a run of ${baseline.file}, so there is nothing to compare (${baseline.file}: ${names(baseline)}; ${current.file}: ${names(current)})`,
    );
  }
  const runs = pairing.pairs.map(({ baseline: before, current: after }) => compareRuns(before, after, rules));
  return {
    kind: 'cachebench-comparison',
    schema_version: 1,
    baseline: { file: baseline.file, runs: baseline.result.runs.length },
    current: { file: current.file, runs: current.result.runs.length },
    rules: rules.map(({ rule }) => rule.rule),
    runs,
    unpaired: { baseline: pairing.onlyBaseline.map((run) => run.name), current: pairing.onlyCurrent.map((run) => run.name) },
    pass: runs.every((run) => run.rules.every((rule) => rule.pass)),
  };
}

function compareRuns(baseline: RunResult, current: RunResult, rules: readonly SourcedRule[]): RunComparison {
  const metrics = METRIC_NAMES.map((name) => metricChange(name, metricValue(baseline, name), metricValue(current, name))).filter(
    (change) => change.baseline !== null || change.current !== null,
  );
  return {
    name: current.name,
    baseline_name: baseline.name,
    params: current.params ?? {},
    metrics,
    rules: rules.map(({ rule, source }) => {
      const change = metricChange(rule.metric.name, metricValue(baseline, rule.metric.name), metricValue(current, rule.metric.name));
      return {
        rule: rule.rule,
        source,
        direction: rule.direction,
        mode: rule.mode,
        limit: rule.limit,
        ...change,
        pass: rulePasses(rule, change),
      };
    }),
  };
}

export function metricChange(metric: string, baseline: number | null, current: number | null): MetricChange {
  const change = baseline !== null && current !== null ? current - baseline : null;
  const relative = change !== null && baseline !== null && baseline !== 0 ? change / Math.abs(baseline) : null;
  return { metric, baseline, current, change, relative_change: relative };
}

/**
 * Whether the change stays within the rule's limit; a change exactly at the limit does (within the
 * thresholds' floating-point tolerance). Without samples on either side the rule is broken: a gate that
 * measured nothing does not pass.
 */
export function rulePasses(rule: CompareRule, change: MetricChange): boolean {
  if (change.change === null) return false;
  const measured = rule.mode === 'absolute' ? change.change : relativeChangeForRule(change);
  if (!Number.isFinite(measured)) return rule.direction === 'rise' ? measured < 0 : measured > 0;
  return rule.direction === 'rise' ? compare(measured, '<=', rule.limit) : compare(measured, '>=', -rule.limit);
}

/** Against a baseline of 0, no change is 0% and any change is unbounded (+∞ or −∞). */
function relativeChangeForRule(change: MetricChange): number {
  if (change.relative_change !== null) return change.relative_change;
  const delta = change.change ?? 0;
  return delta === 0 ? 0 : delta > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}
