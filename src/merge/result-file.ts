import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { Result } from '../result/run-result.js';

/**
 * A JSON result written by `cachebench run --json` (or `merge --json`), checked for the fields merging reads:
 * schema version 1 and runs with metrics, baseline and histograms. Anything else is an InputError naming the file.
 */
export function readResultFile(file: string): Result {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? `${file}: no such result file` : `${file}: cannot read it (${code ?? String(error)})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: not JSON (${(error as Error).message}); expected a result written by cachebench run --json`);
  }
  return checkResult(data, file);
}

/** `data` as a Result when it has the shape of one; an InputError naming `source` otherwise. */
export function checkResult(data: unknown, source: string): Result {
  function fail(what: string): never {
    throw new InputError(`${source}: ${what}; expected a result written by cachebench run --json`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) fail('not a JSON object');
  const result = data as Record<string, unknown>;
  if (result.schema_version !== 1) fail(`schema_version is ${JSON.stringify(result.schema_version)}, not 1`);
  if (!Array.isArray(result.runs) || result.runs.length === 0) fail('it has no runs');
  for (const [i, run] of (result.runs as unknown[]).entries()) {
    const r = run as Record<string, unknown> | null;
    if (r === null || typeof r !== 'object') fail(`runs[${i}] is not an object`);
    for (const field of ['metrics', 'baseline', 'histograms'] as const) {
      if (r[field] === null || typeof r[field] !== 'object') fail(`runs[${i}].${field} is missing`);
    }
    if (typeof r.name !== 'string') fail(`runs[${i}].name is missing`);
  }
  if (result.shard !== undefined) {
    const { index, count } = (result.shard ?? {}) as { index?: unknown; count?: unknown };
    const valid = typeof index === 'number' && typeof count === 'number' && Number.isInteger(index) && Number.isInteger(count) && index >= 0 && index < count;
    if (!valid) fail(`shard is ${JSON.stringify(result.shard)}, not { "index": i, "count": N } with 0 ≤ i < N`);
  }
  return data as Result;
}
