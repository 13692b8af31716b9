import { InputError } from '../errors.js';
import type { Result, RunMetrics, RunResult } from '../result/run-result.js';
import { evaluateThresholds } from '../thresholds/threshold-evaluation.js';
import { parseThresholds, ThresholdError } from '../thresholds/threshold-parser.js';
import { HistogramUnion } from './histogram-union.js';
import { mergedOffload, mergeRunMetrics } from './merge-metrics.js';
import { mergeDatabaseViews } from './merge-database-view.js';
import { mergeRedisViews } from './merge-redis-view.js';
import { mergeTimeseries } from './merge-timeseries.js';

/** One result to merge and what to call it in messages (its file name). */
export interface MergeInput {
  source: string;
  result: Result;
}

export interface MergeOptions {
  /** Merge even results that are not the shards of one run (other scenarios, missing or repeated shards). */
  force?: boolean;
}

/**
 * `cachebench merge`: the shards of one run (`run --shard i/N`, i = 0 … N−1) combined into the result of the
 * whole run — counters summed, latency histograms unioned, every rate recomputed from the sums, thresholds
 * checked again on the merged metrics. Inputs that are not exactly the N shards of one scenario are refused
 * with an InputError naming the file, unless `force`. Runs (one per matrix combination) are matched by name.
 */
export function mergeResults(inputs: readonly MergeInput[], options: MergeOptions = {}): Result {
  if (inputs.length === 0) throw new InputError('merge: give the shard results to merge, e.g. cachebench merge shard-*.json');
  const problems = shardProblems(inputs);
  if (problems.length > 0 && options.force !== true) {
    throw new InputError(`${problems.join('\n')}\n(--force merges them anyway)`);
  }
  const first = inputs[0];
  checkRunsMatch(inputs);
  const thresholds = scenarioThresholds(first);
  const count = first.result.shard?.count ?? null;
  const runs = first.result.runs.map((_, r) =>
    mergeRun(
      inputs.map((input) => ({ source: input.source, run: input.result.runs[r] })),
      thresholds,
    ),
  );
  return {
    schema_version: 1,
    scenario: first.result.scenario,
    merged: {
      count: inputs.every((input) => input.result.shard?.count === count) ? count : null,
      indexes: inputs.map((input) => input.result.shard?.index ?? null),
      forced: problems.length > 0,
    },
    runs,
  };
}

/** Everything that keeps `inputs` from being exactly the shards 0 … N−1 of one scenario, one line each. */
function shardProblems(inputs: readonly MergeInput[]): string[] {
  const problems: string[] = [];
  const reference = inputs.find((input) => input.result.shard !== undefined);
  for (const input of inputs) {
    if (input.result.shard === undefined) problems.push(`${input.source}: not a shard result (no "shard": it was run without --shard i/N)`);
  }
  if (reference === undefined) return problems;
  const count = reference.result.shard!.count;
  const bySlot = new Map<number, string>();
  for (const input of inputs) {
    const shard = input.result.shard;
    const difference = scenarioDifference(reference.result.scenario, input.result.scenario);
    if (difference !== null) {
      problems.push(`${input.source}: not a shard of the same scenario as ${reference.source} (${difference})`);
    }
    if (shard === undefined) continue;
    if (shard.count !== count) {
      problems.push(
        `${input.source}: shard ${shard.index}/${shard.count}, but ${reference.source} is shard ${reference.result.shard!.index}/${count}; the shards of one run share their count`,
      );
      continue;
    }
    const twin = bySlot.get(shard.index);
    if (twin !== undefined) problems.push(`${input.source}: shard ${shard.index}/${count} again (${twin} is that shard too)`);
    else bySlot.set(shard.index, input.source);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !bySlot.has(i));
  if (missing.length > 0) {
    const got = [...bySlot].sort((a, b) => a[0] - b[0]).map(([i, source]) => `${i}/${count} from ${source}`);
    problems.push(
      `shard${missing.length === 1 ? '' : 's'} ${missing.map((i) => `${i}/${count}`).join(', ')} missing (got ${got.join(', ') || 'none'})`,
    );
  }
  return problems;
}

/**
 * Where two results' scenarios first differ, or null. Where each machine keeps the scenario file and a
 * trace (`file`, `workload.path`) may differ; everything else must not.
 */
function scenarioDifference(a: unknown, b: unknown): string | null {
  return firstDifference(comparable(a), comparable(b), 'scenario');
}

function comparable(scenario: unknown): unknown {
  if (scenario === null || typeof scenario !== 'object') return scenario;
  const { file: _file, ...rest } = scenario as Record<string, unknown>;
  const workload = rest.workload;
  if (workload !== null && typeof workload === 'object') {
    const { path: _path, ...others } = workload as Record<string, unknown>;
    rest.workload = others;
  }
  return rest;
}

function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (Object.is(a, b)) return null;
  const aObject = a !== null && typeof a === 'object';
  const bObject = b !== null && typeof b === 'object';
  if (aObject && bObject && Array.isArray(a) === Array.isArray(b)) {
    const aRecord = a as Record<string, unknown>;
    const bRecord = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(aRecord), ...Object.keys(bRecord)])];
    for (const key of keys) {
      const inner = firstDifference(aRecord[key], bRecord[key], Array.isArray(a) ? `${path}[${key}]` : `${path}.${key}`);
      if (inner !== null) return inner;
    }
    return null;
  }
  return `${path}: ${describe(b)} instead of ${describe(a)}`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Runs are merged by position, so every result must hold the same runs (the same matrix) in the same order. */
function checkRunsMatch(inputs: readonly MergeInput[]): void {
  const names = inputs[0].result.runs.map((run) => run.name);
  for (const input of inputs.slice(1)) {
    const other = input.result.runs.map((run) => run.name);
    if (other.length !== names.length || other.some((name, i) => name !== names[i])) {
      throw new InputError(
        `${input.source}: its runs (${other.join('; ') || 'none'}) are not those of ${inputs[0].source} (${names.join('; ')}); results of different runs cannot be merged, even with --force`,
      );
    }
  }
}

function scenarioThresholds(input: MergeInput) {
  const scenario = input.result.scenario as { thresholds?: unknown } | null;
  const list = scenario?.thresholds;
  if (list === undefined) return [];
  if (!Array.isArray(list) || list.some((t) => typeof t !== 'string')) {
    throw new InputError(`${input.source}: scenario.thresholds must be a list of expressions such as "hit_rate >= 0.7"`);
  }
  try {
    return parseThresholds(list as string[]);
  } catch (error) {
    if (error instanceof ThresholdError) throw new InputError(`${input.source}: scenario.thresholds[${error.index}]: ${error.message}`);
    throw error;
  }
}

function mergeRun(parts: readonly { source: string; run: RunResult }[], thresholds: ReturnType<typeof scenarioThresholds>): RunResult {
  const runs = parts.map((p) => p.run);
  const first = runs[0];
  const latency = unionOf(parts, (run) => run.histograms.latency_us, 'latency_us');
  const baselineLatency = unionOf(parts, (run) => run.histograms.baseline_latency_us, 'baseline_latency_us');
  try {
    const metrics = mergeRunMetrics(
      runs.map((run) => run.metrics),
      latency,
    );
    const baseline = mergeRunMetrics(
      runs.map((run) => run.baseline),
      baselineLatency,
    );
    metrics.offload = mergedOffload(
      metrics,
      baseline,
      runs.map((run) => run.metrics),
    );
    const timeseries = mergeTimeseries(runs.map((run) => ({ windowMs: run.timeseries_window_ms, points: run.timeseries })));
    const merged: RunResult = {
      name: first.name,
      params: first.params,
      metrics,
      baseline,
      thresholds: evaluateThresholds(thresholds, metrics),
      histograms: { latency_us: latency.encode(), baseline_latency_us: baselineLatency.encode() },
      timeseries_window_ms: timeseries.windowMs,
      timeseries: timeseries.points,
    };
    if (first.faults !== undefined) merged.faults = first.faults;
    const views = runs.flatMap((run) => (run.redis === undefined ? [] : [run.redis]));
    if (views.length > 0) merged.redis = mergeRedisViews(views);
    const databases = runs.flatMap((run) => (run.database === undefined ? [] : [run.database]));
    if (databases.length > 0) merged.database = mergeDatabaseViews(databases);
    const sources = [...new Set(runs.map((run) => run.baseline_source))];
    if (sources.length === 1 && sources[0] !== undefined) merged.baseline_source = sources[0];
    const predictions = runs.flatMap((run) => (run.prediction === undefined ? [] : [run.prediction]));
    if (predictions.length === runs.length) merged.prediction = mergeRunMetrics(predictions as RunMetrics[], null);
    return merged;
  } finally {
    latency.destroy();
    baselineLatency.destroy();
  }
}

function unionOf(parts: readonly { source: string; run: RunResult }[], read: (run: RunResult) => string, field: string): HistogramUnion {
  const union = new HistogramUnion();
  for (const { source, run } of parts) {
    try {
      union.add(read(run));
    } catch (error) {
      union.destroy();
      throw new InputError(`${source}: run "${run.name}": histograms.${field} is not an HdrHistogram encoding (${(error as Error).message})`);
    }
  }
  return union;
}
