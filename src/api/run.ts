import path from 'node:path';
import { stringify } from 'yaml';
import { parseScenarioThresholds } from '../cli/scenario-thresholds.js';
import { InputError } from '../errors.js';
import { redactedRun, redactedScenario } from '../live/redacted-scenario.js';
import type { Result, RunResult, ShardInfo } from '../result/run-result.js';
import type { ProgressUpdate, RunProgress } from '../run/run-progress.js';
import { runScenario, runSweep } from '../run/run-scenario.js';
import { defaultSweepThreads, MAX_SWEEP_THREADS } from '../run/sweep.js';
import { checkApproximation, sweepGroups } from '../run/sweep-plan.js';
import { type LoadedScenario, loadScenario, parseScenarioText } from '../scenario/load.js';
import { MAX_SHARDS, parseShard, type ShardSpec } from '../workload/key-shard.js';

export interface RunOptions {
  /** Field overrides as `run --set` takes them, e.g. `['cache.capacity=10k', 'cache.policy=fifo']`. */
  set?: string[];
  /** Drive only one shard of the workload, as `run --shard`: `'1/4'` or `{ index: 1, count: 4 }` (0 ≤ index < count). */
  shard?: string | ShardInfo;
  /** Live runs: set Redis's maxmemory and maxmemory-policy for the run and restore them afterwards (`--allow-config`). */
  allowConfig?: boolean;
  /**
   * Aborting stops the run in progress: a simulated one at the request it has reached (its baseline cut at
   * the same request); a live one stops sending requests, waits briefly for those in flight and deletes the
   * run's keys. `run` then rejects with a RunStopped (a LiveRunStopped, live) whose `result` holds what was
   * measured, marked partial.
   */
  signal?: AbortSignal;
  /** For a scenario given as an object: the folder a relative `workload.trace` is read from. Default: the current directory. */
  baseDir?: string;
  /**
   * Threads that replay the caches of runs differing only in cache settings, which share one pass over the
   * workload (default: cores − 1). Results do not depend on it.
   */
  threads?: number;
  /** A capacity sweep estimated by miniature simulation at this sampling rate (as `run --approximate`). */
  approximate?: number;
  /**
   * Called about every 150 ms while a run goes on (and at the end of each simulated replay). Runs sharing
   * one pass report as the first of them.
   */
  onProgress?: (update: ProgressUpdate & { run: string }) => void;
}

/**
 * Runs a scenario — a YAML file's path, or the same fields as an object (`{ workload: { keys: '100k', … },
 * cache: { policy: 'lru', capacity: 1000 } }`) — exactly as `cachebench run` does: every matrix combination,
 * each with its no-cache baseline and its thresholds. Resolves with the result `--json` would write.
 * Thresholds that fail are in `runs[i].thresholds` (`pass: false`); nothing is printed and the process is
 * never exited. Rejects with an InputError for an invalid scenario or option (what the CLI exits 2 for), a
 * RunFailure when the run cannot complete (exit 3), or a RunStopped when `signal` aborted a run.
 */
export async function run(scenario: string | Record<string, unknown>, options: RunOptions = {}): Promise<Result> {
  const shard = options.shard === undefined ? undefined : shardOption(options.shard);
  const loaded = loadInput(scenario, options);
  const thresholds = parseScenarioThresholds(loaded);
  const result: Result = {
    schema_version: 1,
    scenario: redactedScenario(loaded.scenario),
    ...(shard === undefined ? {} : { shard: { index: shard.index, count: shard.count } }),
    runs: [],
  };
  const scenarios = loaded.runs.map((each) =>
    shard === undefined ? each.scenario : { ...each.scenario, workload: { ...each.scenario.workload, shard } },
  );
  const onProgress = options.onProgress;
  const progressOf = (label: string): RunProgress | undefined =>
    onProgress === undefined
      ? undefined
      : { now: () => performance.now(), report: (update) => onProgress({ ...update, run: label }) };
  const threads = options.threads === undefined ? defaultSweepThreads() : threadsOption(options.threads);
  // Runs that differ only in cache settings replay in one pass (run/sweep-plan.ts); results keep the runs' order.
  const finished: RunResult[] = new Array(scenarios.length);
  const approximate =
    options.approximate === undefined ? null : checkApproximation(scenarios.map((scenario, i) => ({ name: loaded.runs[i].name, scenario })), String(options.approximate));
  for (const group of sweepGroups(scenarios)) {
    if (group.length > 1) {
      const runs = group.map((index) => ({ scenario: scenarios[index], run: redactedRun(loaded.runs[index]) }));
      const results = await runSweep(runs, thresholds, threads, progressOf(loaded.runs[group[0]].name), options.signal, approximate);
      for (const [i, index] of group.entries()) finished[index] = results[i];
    } else {
      const each = loaded.runs[group[0]];
      const live = { allowConfig: options.allowConfig === true, signal: options.signal };
      finished[group[0]] = await runScenario(scenarios[group[0]], redactedRun(each), thresholds, live, progressOf(each.name));
    }
  }
  result.runs.push(...finished);
  return result;
}

function loadInput(scenario: string | Record<string, unknown>, options: RunOptions): LoadedScenario {
  const set = options.set ?? [];
  if (typeof scenario === 'string') return loadScenario(scenario, set);
  if (scenario === null || typeof scenario !== 'object' || Array.isArray(scenario)) {
    throw new InputError('run: the scenario must be a file path or an object of scenario fields (workload, cache, …)');
  }
  // The object goes through the same YAML path as a file, so its fields are read (units, defaults, errors) alike.
  return parseScenarioText(stringify(scenario), '<inline>', set, path.resolve(options.baseDir ?? '.'));
}

function threadsOption(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_SWEEP_THREADS) {
    throw new InputError(`threads: ${threads} is not a thread count; give a whole number from 1 to ${MAX_SWEEP_THREADS}`);
  }
  return threads;
}

function shardOption(shard: string | ShardInfo): ShardSpec {
  if (typeof shard === 'string') return parseShard(shard, 'shard');
  const { index, count } = shard;
  if (!(Number.isInteger(count) && count >= 1 && count <= MAX_SHARDS && Number.isInteger(index) && index >= 0 && index < count)) {
    throw new InputError(
      `shard: { index: ${index}, count: ${count} } is not a shard; the index must be 0 to count − 1, the count 1 to ${MAX_SHARDS}`,
    );
  }
  return { index, count };
}
