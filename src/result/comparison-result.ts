/**
 * What `cachebench compare --json` writes: the change of every metric between two results of `cachebench
 * run --json`, run by run, and each compare rule's verdict. Values are in the metric's unit (ms for
 * durations, a fraction for ratios, per second for rates); relative changes are fractions (0.05 = +5%).
 * A value without samples is null, as in the result it came from.
 */

export interface MetricChange {
  /** The metric's name as thresholds and rules write it, e.g. `latency.p99`. */
  metric: string;
  baseline: number | null;
  current: number | null;
  /** current − baseline; null when either has no samples. */
  change: number | null;
  /** change ÷ baseline; null when either has no samples or the baseline is 0. */
  relative_change: number | null;
}

export interface CompareRuleResult extends MetricChange {
  /** The rule as written, e.g. `hit_rate -2%`. */
  rule: string;
  /** Where the rule came from: a `--fail-on` flag, or the current result's `scenario.compare`. */
  source: 'flag' | 'scenario';
  /** `drop`: broken when the metric fell by more than the limit; `rise`: when it rose by more. */
  direction: 'drop' | 'rise';
  /** `relative`: the limit is a fraction of the baseline; `absolute`: in the metric's unit. */
  mode: 'relative' | 'absolute';
  limit: number;
  pass: boolean;
}

export interface RunComparison {
  /** The current run's name (runs are paired by name). */
  name: string;
  /** The baseline run's name: the same, unless each file held a single run and the names differ. */
  baseline_name: string;
  /** The current run's matrix parameters. */
  params: Record<string, unknown>;
  /** Every metric of the catalogue with a value in either run, in catalogue order. */
  metrics: MetricChange[];
  rules: CompareRuleResult[];
}

export interface ComparisonResult {
  kind: 'cachebench-comparison';
  schema_version: 1;
  baseline: { file: string; runs: number };
  current: { file: string; runs: number };
  /** Every rule applied to each paired run: the `--fail-on` flags, then the current result's `scenario.compare`. */
  rules: string[];
  runs: RunComparison[];
  /** Runs of one file with no run of the same name in the other: not compared, and no rule checks them. */
  unpaired: { baseline: string[]; current: string[] };
  /** false exactly when a rule is broken in some paired run (exit code 1). */
  pass: boolean;
}
