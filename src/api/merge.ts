import { type MergeInput, mergeResults } from '../merge/merge-results.js';
import { checkResult, readResultFile } from '../merge/result-file.js';
import type { Result } from '../result/run-result.js';

export interface MergeOptions {
  /** Merge even results that are not the shards of one run (other scenarios, missing or repeated shards). */
  force?: boolean;
}

/**
 * Combines the results of `run(…, { shard })` (or JSON files of `cachebench run --shard i/N --json`) into the
 * result of the whole run, as `cachebench merge` does. Rejects with an InputError naming the file when the
 * inputs are not the shards 0 … N−1 of one scenario, unless `force`.
 */
export async function merge(results: readonly (string | Result)[], options: MergeOptions = {}): Promise<Result> {
  const inputs: MergeInput[] = results.map((item, i) =>
    typeof item === 'string' ? { source: item, result: readResultFile(item) } : { source: `results[${i}]`, result: checkResult(item, `results[${i}]`) },
  );
  return mergeResults(inputs, options);
}
