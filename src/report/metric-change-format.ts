import type { CompareRuleResult, MetricChange } from '../result/comparison-result.js';
import { findMetric, type MetricKind } from '../thresholds/metric-catalog.js';
import { formatCount, formatDuration, formatPercent, formatRate, MISSING } from './number-format.js';

/**
 * How a metric's value and its change between two results read in every comparison report (terminal,
 * Markdown, JUnit). A change keeps the metric's unit, except ratios, whose absolute change is in
 * percentage points (`+1.2 pp`) so it is never mistaken for the relative change (`+1.3%`).
 */

const VALUE_FORMATS: Readonly<Record<MetricKind, (value: number) => string>> = {
  duration: formatDuration,
  ratio: formatPercent,
  count: formatCount,
  rate: formatRate,
};

const MAGNITUDE_FORMATS: Readonly<Record<MetricKind, (value: number) => string>> = {
  ...VALUE_FORMATS,
  ratio: (value) => formatPercent(value).replace('%', ' pp'),
};

function kindOf(metric: string): MetricKind | undefined {
  return findMetric(metric)?.kind;
}

/** A metric's value in its kind's format (`91.2%`, `2.1 ms`); – without samples. */
export function formatMetricValue(metric: string, value: number | null): string {
  if (value === null) return MISSING;
  const kind = kindOf(metric);
  return kind ? VALUE_FORMATS[kind](value) : String(value);
}

/** current − baseline with its sign: `+1.2 ms`, `-0.5 pp`, `+120`, `0`; – when either side has no samples. */
export function formatChange(metric: string, change: number | null): string {
  if (change === null) return MISSING;
  if (change === 0) return '0';
  const kind = kindOf(metric);
  const magnitude = kind ? MAGNITUDE_FORMATS[kind](Math.abs(change)) : String(Math.abs(change));
  return `${change > 0 ? '+' : '-'}${magnitude}`;
}

/** The relative change with its sign: `+3.4%`, `-0.52%`, `0%`; – when undefined (no samples, or a baseline of 0). */
export function formatRelativeChange(relative: number | null): string {
  if (relative === null) return MISSING;
  if (relative === 0) return '0%';
  return `${relative > 0 ? '+' : '-'}${formatPercent(Math.abs(relative))}`;
}

/** Whether a change is an improvement, a regression, or neither, by the metric's `better` direction. */
export function changeEffect(change: MetricChange): 'better' | 'worse' | 'neutral' {
  const better = findMetric(change.metric)?.better;
  if (better === undefined || change.change === null || change.change === 0) return 'neutral';
  return (change.change > 0) === (better === 'higher') ? 'better' : 'worse';
}

/** The quantity a rule judges: the relative change for `N%` rules, the absolute change otherwise. */
export function formatRuleChange(rule: CompareRuleResult): string {
  if (rule.mode === 'absolute') return formatChange(rule.metric, rule.change);
  if (rule.relative_change === null && rule.change !== null && rule.change !== 0) return `${rule.change > 0 ? '+' : '-'}∞%`;
  return formatRelativeChange(rule.relative_change ?? (rule.change === 0 ? 0 : null));
}

/** The rule's limit as a bound: `a drop of at most 2%`, `a rise of at most 5.0 ms`. */
export function formatRuleAllowance(rule: CompareRuleResult): string {
  const limit =
    rule.mode === 'relative' ? `${Number((rule.limit * 100).toPrecision(12))}%` : formatChange(rule.metric, rule.limit).replace(/^\+/, '');
  return `a ${rule.direction} of at most ${limit}`;
}

/**
 * What happened to the rule's metric, in words: `hit_rate dropped by 3.1% (91.2% → 88.4%)`,
 * `latency.p99 rose by 1.2 ms (2.1 ms → 3.3 ms)`, `latency.p99 has no samples in the current run`.
 */
export function describeRuleOutcome(rule: CompareRuleResult): string {
  const missing = [rule.baseline === null ? 'baseline' : '', rule.current === null ? 'current' : ''].filter((side) => side !== '');
  if (missing.length > 0) return `${rule.metric} has no samples in the ${missing.join(' or the ')} run`;
  const values = `(${formatMetricValue(rule.metric, rule.baseline)} → ${formatMetricValue(rule.metric, rule.current)})`;
  if (rule.change === 0) return `${rule.metric} did not change ${values}`;
  const verb = (rule.change ?? 0) > 0 ? 'rose' : 'dropped';
  if (rule.mode === 'relative' && rule.relative_change === null) {
    return `${rule.metric} ${verb} from 0 ${values}: an unbounded relative change`;
  }
  return `${rule.metric} ${verb} by ${formatRuleChange(rule).replace(/^[+-]/, '')} ${values}`;
}
