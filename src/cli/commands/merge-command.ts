import { type MergeInput, mergeResults } from '../../merge/merge-results.js';
import { readResultFile } from '../../merge/result-file.js';
import { serializeResult } from '../../report/json-result.js';
import type { Result } from '../../result/run-result.js';
import { OutputFile } from '../output-file.js';
import type { Terminal } from '../terminal.js';
import { renderHuman } from './run-command.js';

export interface MergeCommandOptions {
  json?: string;
  force?: boolean;
  color?: boolean;
}

/**
 * `cachebench merge <shard.json…>`: the shards of one run combined into the whole run's result, its
 * summary, and the exit code of its thresholds checked on the merged metrics (1 when any fails).
 */
export function mergeCommand(files: string[], options: MergeCommandOptions, terminal: Terminal): number {
  const jsonToStdout = options.json === '-';
  const say = jsonToStdout ? terminal.stderr : terminal.stdout;
  const color = options.color !== false && (jsonToStdout ? terminal.stderrColor : terminal.stdoutColor);
  // A bad --json path (or one of the results being merged) fails before any file is read.
  const readFiles = files.map((file, index) => ({ role: `result ${index + 1} being merged`, path: file }));
  const jsonFile = options.json !== undefined && !jsonToStdout ? OutputFile.open('--json', options.json, readFiles) : null;
  const inputs: MergeInput[] = files.map((file) => ({ source: file, result: readResultFile(file) }));
  const merged: Result = mergeResults(inputs, { force: options.force === true });
  jsonFile?.write(serializeResult(merged));
  jsonFile?.close();
  if (jsonToStdout) terminal.stdout(serializeResult(merged));
  say(`${describeMerge(merged, files)}\n\n${renderHuman(merged.runs, color)}\n`);
  return merged.runs.some((run) => run.thresholds.some((t) => !t.pass)) ? 1 : 0;
}

/** `merged 4 shards of 4: a.json, b.json, …` (or what --force merged). */
function describeMerge(result: Result, files: string[]): string {
  const info = result.merged!;
  const what = info.count === null ? `${files.length} results` : `${files.length} shard${files.length === 1 ? '' : 's'} of ${info.count}`;
  return `merged ${what}${info.forced ? ' (--force)' : ''}: ${files.join(', ')}`;
}
