import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { Result, RunMetrics, RunResult } from './run-result.js';
import { METRIC_CATALOG } from '../thresholds/metric-catalog.js';

/** The only schema_version this build reads (docs/json-result.md). */
export const SUPPORTED_SCHEMA_VERSION = 1;

const EXPECTED_SHAPE = 'expected the JSON that `cachebench run --json` writes: { "schema_version": 1, "scenario": {…}, "runs": [ … ] }';

/**
 * Reads a result written by `cachebench run --json` (or `merge --json`), for `compare` and `merge`. Every
 * problem is an InputError naming the file: missing, not JSON, not a cachebench result, another
 * schema_version, a run whose metrics cannot be read. Metrics are checked through the metric catalogue,
 * so what is read is what is checked.
 */
export function readResultFile(file: string): Result {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${file}: no such file`);
    if (code === 'EISDIR') throw new InputError(`${file}: is a directory, not a result file`);
    throw new InputError(`${file}: cannot read the file (${code ?? (error as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: not JSON (${(error as Error).message}); ${EXPECTED_SHAPE}`);
  }
  return checkResult(data, file);
}

/** Checks parsed JSON against the parts of the result contract that compare reads. */
export function checkResult(data: unknown, file: string): Result {
  if (!isObject(data)) throw new InputError(`${file}: not a cachebench result (the JSON is ${describeJson(data)}); ${EXPECTED_SHAPE}`);
  if (data.kind === 'cachebench-comparison') {
    throw new InputError(`${file}: is the output of \`cachebench compare --json\`, not a run result; compare two files written by \`cachebench run --json\``);
  }
  if (!('schema_version' in data) || !Array.isArray(data.runs)) {
    throw new InputError(`${file}: not a cachebench result (no schema_version and runs); ${EXPECTED_SHAPE}`);
  }
  if (data.schema_version !== SUPPORTED_SCHEMA_VERSION) {
    const newer = typeof data.schema_version === 'number' && data.schema_version > SUPPORTED_SCHEMA_VERSION;
    const remedy = newer ? 'it was written by a newer cachebench: compare with that version' : 'run the scenario again with this version';
    throw new InputError(
      `${file}: schema_version ${JSON.stringify(data.schema_version)} is not supported; this cachebench reads schema_version ${SUPPORTED_SCHEMA_VERSION} (${remedy})`,
    );
  }
  for (const [index, run] of data.runs.entries()) checkRun(run, `${file}: runs[${index}]`);
  return data as unknown as Result;
}

function checkRun(run: unknown, where: string): void {
  if (!isObject(run)) throw new InputError(`${where} is ${describeJson(run)}, expected a run { "name", "params", "metrics", … }`);
  if (typeof run.name !== 'string') throw new InputError(`${where}: "name" must be a string; got ${describeJson(run.name)}`);
  const named = `${where} ("${run.name}")`;
  if (run.params !== undefined && !isObject(run.params)) throw new InputError(`${named}: "params" must be an object`);
  if (!isObject(run.metrics)) throw new InputError(`${named}: "metrics" must be an object; got ${describeJson(run.metrics)}`);
  for (const metric of METRIC_CATALOG.values()) {
    let value: unknown;
    try {
      value = metric.read(run.metrics as unknown as RunMetrics);
    } catch {
      throw new InputError(`${named}: metrics lack what ${metric.name} is read from (is the file truncated or edited?)`);
    }
    if (value !== null && value !== undefined && typeof value !== 'number') {
      throw new InputError(`${named}: metric ${metric.name} is ${describeJson(value)}, expected a number or null`);
    }
  }
}

/** A run's value of each catalogue metric: null without samples (or absent from an older result). */
export function metricValue(run: RunResult, name: string): number | null {
  const metric = METRIC_CATALOG.get(name);
  const value = metric?.read(run.metrics);
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A result's own compare rules: its scenario's `compare` list (absent in results written before it existed). */
export function scenarioCompareRules(result: Result, file: string): string[] {
  const scenario = result.scenario;
  if (!isObject(scenario) || scenario.compare === undefined) return [];
  const rules = scenario.compare;
  if (!Array.isArray(rules) || !rules.every((rule) => typeof rule === 'string')) {
    throw new InputError(`${file}: scenario.compare must be a list of rule strings like "hit_rate -2%"; got ${describeJson(rules)}`);
  }
  return rules;
}

/** The constants of Redis's per-key charge (engine/redis-memory-charge.ts), in bytes. */
export interface MeasuredRedisMemory {
  baseline: number;
  key_bytes: number;
  entry_bytes: number;
  expires_bytes: number;
}

const MEASURED_FIELDS = { baseline: 'baseline_used_memory', key_bytes: 'key_bytes', entry_bytes: 'entry_bytes', expires_bytes: 'expires_bytes' } as const;

/**
 * What a live run measured Redis to charge per key: `redis.memory_model` of the result's first run that has
 * one (a live run with --allow-config setting maxmemory and an LRU or LFU policy), for a simulation's
 * `memory_model: { type: redis, from }` and `analyze --memory-model`. An InputError names the file and what
 * it lacks.
 */
export function measuredRedisMemory(file: string): MeasuredRedisMemory {
  const result = readResultFile(file);
  const index = result.runs.findIndex((run) => isObject(run.redis) && isObject(run.redis.memory_model));
  if (index < 0) {
    throw new InputError(
      `${file}: no run has redis.memory_model; a live run measures it when --allow-config sets maxmemory with an LRU or LFU policy (mode: live, cache.capacity a size like 4MB, cache.policy redis-lru or redis-lfu)`,
    );
  }
  const model = result.runs[index].redis!.memory_model as unknown as Record<string, unknown>;
  const read = (field: string): number => {
    const value = model[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new InputError(
        `${file}: runs[${index}].redis.memory_model.${field} is ${value === undefined ? 'missing' : describeJson(value)}, expected bytes ≥ 0 (a result written before cachebench recorded the per-key constants? run the live scenario again)`,
      );
    }
    return value;
  };
  return {
    baseline: read(MEASURED_FIELDS.baseline),
    key_bytes: read(MEASURED_FIELDS.key_bytes),
    entry_bytes: read(MEASURED_FIELDS.entry_bytes),
    expires_bytes: read(MEASURED_FIELDS.expires_bytes),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${typeof value} ${String(value)}`;
}
