import { InputError } from '../errors.js';
import { checkResult as checkRunResult, readResultFile as readRunResultFile } from '../result/result-file.js';
import type { Result } from '../result/run-result.js';

/**
 * A result to merge: one `cachebench run --json` wrote (checked as every result is), with what merging
 * reads besides — runs with a baseline and histograms, and a well-formed shard. Anything else is an
 * InputError naming the file.
 */
export function readResultFile(file: string): Result {
  return checkShardResult(readRunResultFile(file), file);
}

/** `data` as a Result to merge when it has the shape of one; an InputError naming `source` otherwise. */
export function checkResult(data: unknown, source: string): Result {
  return checkShardResult(checkRunResult(data, source), source);
}

function checkShardResult(result: Result, source: string): Result {
  function fail(what: string): never {
    throw new InputError(`${source}: ${what}; expected a result written by cachebench run --json`);
  }
  if (result.runs.length === 0) fail('it has no runs');
  for (const [i, run] of result.runs.entries()) {
    const r = run as unknown as Record<string, unknown>;
    for (const field of ['baseline', 'histograms'] as const) {
      if (r[field] === null || typeof r[field] !== 'object') fail(`runs[${i}].${field} is missing`);
    }
  }
  if (result.shard !== undefined) {
    const { index, count } = (result.shard ?? {}) as { index?: unknown; count?: unknown };
    const valid = typeof index === 'number' && typeof count === 'number' && Number.isInteger(index) && Number.isInteger(count) && index >= 0 && index < count;
    if (!valid) fail(`shard is ${JSON.stringify(result.shard)}, not { "index": i, "count": N } with 0 ≤ i < N`);
  }
  return result;
}
