import { InputError } from '../errors.js';
import { findMetric, METRIC_NAMES, type MetricDefinition } from './metric-catalog.js';
import { joinAlternatives, listMetricNames, suggestMetricNames } from './metric-name-suggestion.js';
import { parseThresholdValue, VALID_VALUE_FORMS } from './threshold-value.js';

/**
 * Threshold grammar (k6-style gates on a run's metrics, checked before the run starts):
 *
 *   threshold = metric op value                 whitespace around op is optional
 *   metric    = a name from the metric catalogue, e.g. hit_rate, latency.p99, db.qps_peak
 *   op        = "<" | "<=" | ">" | ">=" | "==" | "!="
 *   value     = a number whose unit must suit the metric's kind (see threshold-value.ts):
 *               duration  20ms | 500us | 2s | 1m           compared in milliseconds
 *               ratio     0.8 | 80%                         compared as a fraction
 *               count     500 | 10k | 1M                    compared as a number
 *               rate      500 | 500/s                       compared per second
 *
 * Examples: `hit_rate >= 0.8`, `latency.p99 < 20ms`, `staleness.stale_rate < 0.1%`, `errors == 0`.
 * A threshold passes when `actual op value` holds; a metric without samples fails (threshold-evaluation.ts).
 */

export const COMPARISON_OPERATORS = ['<', '<=', '>', '>=', '==', '!='] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

export interface ParsedThreshold {
  /** The expression as written: what reports and the JSON result show. */
  readonly expr: string;
  /** Position in the list given to parseThresholds (a scenario's `thresholds[index]`). */
  readonly index: number;
  readonly metric: MetricDefinition;
  readonly op: ComparisonOperator;
  /** The bound, converted to the metric's unit: ms for durations, a fraction for ratios, per second for rates. */
  readonly value: number;
}

/** A threshold that cannot be parsed. Invalid input: exit code 2, raised before anything runs. */
export class ThresholdError extends InputError {
  /** Position of the bad expression in the list, so the CLI can point at `thresholds[index]` in the file. */
  readonly index: number;
  readonly expression: string;
  /** What is wrong and what would be valid, without the expression (for callers that quote it themselves). */
  readonly reason: string;

  constructor(index: number, expression: string, reason: string) {
    super(`invalid threshold "${expression}": ${reason}`);
    this.name = 'ThresholdError';
    this.index = index;
    this.expression = expression;
    this.reason = reason;
  }
}

const OPERATOR_LIST = COMPARISON_OPERATORS.join(' ');
const SHAPE_HINT = 'expected `metric op value`, e.g. `hit_rate >= 0.8` or `latency.p99 < 20ms`';
const EXPRESSION = /^([^<>=!\s]+)\s*([<>=!]+)\s*(.*)$/;

/** Operators people type from other languages, mapped to what they meant. */
const OPERATOR_CORRECTIONS: Readonly<Record<string, ComparisonOperator>> = {
  '=': '==',
  '===': '==',
  '!==': '!=',
  '=<': '<=',
  '=>': '>=',
  '<>': '!=',
};

export function parseThresholds(exprs: string[]): ParsedThreshold[] {
  return exprs.map((expr, index) => parseThreshold(expr, index));
}

export function parseThreshold(expr: string, index: number): ParsedThreshold {
  const invalid = (reason: string) => new ThresholdError(index, expr, reason);
  const text = expr.trim();
  if (text === '') throw invalid(`the expression is empty; ${SHAPE_HINT}`);

  const match = EXPRESSION.exec(text);
  if (!match) {
    if (!/[<>=!]/.test(text)) throw invalid(`no comparison operator (one of ${OPERATOR_LIST}); ${SHAPE_HINT}`);
    if (/^[<>=!]/.test(text)) throw invalid(`no metric before the operator; ${SHAPE_HINT}`);
    const beforeOperator = text.split(/[<>=!]/)[0].trim();
    throw invalid(`"${beforeOperator}" is not a metric name (names have no spaces); ${SHAPE_HINT}`);
  }
  const [, metricName, operatorText, valueText] = match;

  if (!isComparisonOperator(operatorText)) {
    const correction = OPERATOR_CORRECTIONS[operatorText];
    const hint = correction ? ` (did you mean ${correction}?)` : '';
    throw invalid(`"${operatorText}" is not a comparison operator${hint}; use one of ${OPERATOR_LIST}`);
  }
  const op = operatorText;

  const metric = findMetric(metricName);
  if (!metric) {
    const suggestions = suggestMetricNames(metricName, METRIC_NAMES);
    const hint = suggestions.length > 0 ? ` (did you mean ${joinAlternatives(suggestions)}?)` : '';
    throw invalid(`unknown metric "${metricName}"${hint}; valid metrics: ${listMetricNames(METRIC_NAMES)}`);
  }

  if (valueText === '') {
    const expected = VALID_VALUE_FORMS[metric.kind];
    throw invalid(`no value after "${op}"; ${metric.name} is a ${metric.kind}: expected ${expected}`);
  }
  const parsedValue = parseThresholdValue(valueText, metric);
  if (!parsedValue.ok) throw invalid(parsedValue.problem);

  return { expr, index, metric, op, value: parsedValue.value };
}

/**
 * The metric an expression names, without validating the rest: for showing a stored result's value in its
 * metric's unit. undefined when the expression names no metric we know.
 */
export function metricOfExpression(expr: string): MetricDefinition | undefined {
  const match = EXPRESSION.exec(expr.trim());
  return match ? findMetric(match[1]) : undefined;
}

function isComparisonOperator(text: string): text is ComparisonOperator {
  return (COMPARISON_OPERATORS as readonly string[]).includes(text);
}
