import { InputError } from '../errors.js';
import { findMetric, METRIC_NAMES, type MetricDefinition } from '../thresholds/metric-catalog.js';
import { joinAlternatives, listMetricNames, suggestMetricNames } from '../thresholds/metric-name-suggestion.js';
import { parseThresholdValue, VALID_VALUE_FORMS } from '../thresholds/threshold-value.js';

/**
 * Compare rule grammar: a gate on how much a metric may change from a baseline result to a current one
 * (`cachebench compare --fail-on`, or a scenario's `compare:` list).
 *
 *   rule   = metric sign limit              whitespace around the sign is optional
 *   metric = a name from the metric catalogue, as in thresholds: hit_rate, latency.p99, db.qps_peak
 *   sign   = "-"   broken when the metric dropped by more than the limit
 *          | "+"   broken when the metric rose by more than the limit
 *   limit  = N%    relative to the baseline's value (any metric): hit_rate -2%, latency.p99 +10%
 *          | Npp   percentage points (ratio metrics only): hit_rate -1.5pp, the same as hit_rate -0.015
 *          | value absolute, written as a threshold value of the metric's kind (threshold-value.ts):
 *                    duration  latency.p99 +5ms, latency.p50 +500us
 *                    ratio     hit_rate -0.02
 *                    count     db.queries +1k, errors +0
 *                    rate      db.qps_peak +50/s
 *
 * A change exactly at the limit passes. A metric without samples in either result breaks its rule, as a
 * threshold with no samples fails. A relative limit against a baseline of 0: any rise is unbounded.
 */

export type ChangeDirection = 'rise' | 'drop';
export type LimitMode = 'relative' | 'absolute';

export interface CompareRule {
  /** The rule as written: what reports and the JSON comparison show. */
  readonly rule: string;
  /** Position in the list given to parseCompareRules (a `--fail-on` flag, or `compare[index]`). */
  readonly index: number;
  readonly metric: MetricDefinition;
  readonly direction: ChangeDirection;
  readonly mode: LimitMode;
  /** ≥ 0. Relative: a fraction of the baseline's value (2% → 0.02). Absolute: in the metric's unit (ms, fraction, count, per second). */
  readonly limit: number;
}

/** A rule that cannot be parsed: invalid input (exit 2), raised before anything is compared. */
export class CompareRuleError extends InputError {
  readonly index: number;
  readonly rule: string;
  /** What is wrong and what would be valid, without the rule itself (for callers that quote it their own way). */
  readonly reason: string;

  constructor(index: number, rule: string, reason: string) {
    super(`invalid compare rule "${rule}": ${reason}`);
    this.name = 'CompareRuleError';
    this.index = index;
    this.rule = rule;
    this.reason = reason;
  }
}

const SHAPE_HINT =
  'a rule is `metric -limit` (broken when the metric drops by more) or `metric +limit` (rises by more), ' +
  'e.g. "hit_rate -2%", "latency.p99 +10%", "latency.p99 +5ms", "hit_rate -0.02"';
const RULE = /^([^\s+\-<>=!]+)\s*([+-])\s*(.*)$/;
const NUMBER = /^(?:\d+(?:\.\d+)?|\.\d+)$/;

export function parseCompareRules(rules: readonly string[]): CompareRule[] {
  return rules.map((rule, index) => parseCompareRule(rule, index));
}

export function parseCompareRule(rule: string, index: number): CompareRule {
  const invalid = (reason: string) => new CompareRuleError(index, rule, reason);
  const text = rule.trim();
  if (text === '') throw invalid(`the rule is empty; ${SHAPE_HINT}`);

  const match = RULE.exec(text);
  if (!match) throw invalid(shapeProblem(text));
  const [, metricName, sign, limitText] = match;

  const metric = findMetric(metricName);
  if (!metric) {
    const suggestions = suggestMetricNames(metricName, METRIC_NAMES);
    const hint = suggestions.length > 0 ? ` (did you mean ${joinAlternatives(suggestions)}?)` : '';
    throw invalid(`unknown metric "${metricName}"${hint}; valid metrics: ${listMetricNames(METRIC_NAMES)}`);
  }
  const direction: ChangeDirection = sign === '-' ? 'drop' : 'rise';
  const limit = parseLimit(limitText.trim(), metric, sign);
  if (!limit.ok) throw invalid(limit.problem);
  return { rule, index, metric, direction, mode: limit.mode, limit: limit.value };
}

/** Why a rule does not even have the shape `metric ±limit`. */
function shapeProblem(text: string): string {
  if (/[<>=!]/.test(text)) {
    return `a compare rule limits a change, it does not compare with a value (that is a threshold, under thresholds:); ${SHAPE_HINT}`;
  }
  if (/^[+-]/.test(text)) return `no metric before the sign; ${SHAPE_HINT}`;
  const [first, ...rest] = text.split(/\s+/);
  if (rest.length === 0) return `no limit after "${first}"; ${SHAPE_HINT}`;
  const given = rest.join(' ');
  if (/^[\d.]/.test(given)) {
    return `the limit needs a sign: -${given} (broken when ${first} drops by more) or +${given} (when it rises by more); ${SHAPE_HINT}`;
  }
  return `"${text}" is not a metric followed by a signed limit; ${SHAPE_HINT}`;
}

type ParsedLimit = { ok: true; mode: LimitMode; value: number } | { ok: false; problem: string };

function parseLimit(text: string, metric: MetricDefinition, sign: string): ParsedLimit {
  const valid = `write a relative limit like ${sign}5%, or an absolute one: ${VALID_VALUE_FORMS[metric.kind]}${
    metric.kind === 'ratio' ? ', or percentage points like 1.5pp' : ''
  }`;
  if (text === '') return { ok: false, problem: `no limit after "${sign}"; ${valid}` };
  if (/^[+-]/.test(text)) return { ok: false, problem: `the limit "${text}" has a second sign; give one sign, then a number ≥ 0` };

  if (text.endsWith('%')) {
    const number = text.slice(0, -1).trim();
    if (!NUMBER.test(number)) return { ok: false, problem: `"${text}" is not a percentage; ${valid}` };
    return { ok: true, mode: 'relative', value: roundTyped(Number(number) / 100) };
  }
  if (/pp$/i.test(text)) {
    const number = text.slice(0, -2).trim();
    if (metric.kind !== 'ratio') {
      return { ok: false, problem: `percentage points (pp) apply only to ratio metrics, and ${metric.name} is a ${metric.kind}; ${valid}` };
    }
    if (!NUMBER.test(number)) return { ok: false, problem: `"${text}" is not a number of percentage points; ${valid}` };
    return { ok: true, mode: 'absolute', value: roundTyped(Number(number) / 100) };
  }
  const value = parseThresholdValue(text, metric);
  if (!value.ok) return { ok: false, problem: `${value.problem}; or a relative limit like ${sign}5%` };
  return { ok: true, mode: 'absolute', value: value.value };
}

/** Twelve significant digits drop binary noise (1.1 / 100) from a value typed by hand, as threshold values do. */
function roundTyped(value: number): number {
  return Number(value.toPrecision(12));
}
