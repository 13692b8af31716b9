import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { InputError } from '../../errors.js';
import { renderMatrixTable } from '../../report/matrix-table.js';
import { serializeResult } from '../../report/json-result.js';
import { renderRunSummary } from '../../report/run-summary.js';
import { renderThresholdTable } from '../../report/threshold-table.js';
import type { Result, RunResult } from '../../result/run-result.js';
import { runScenario } from '../../run/run-scenario.js';
import { loadScenario } from '../../scenario/load.js';
import { parseScenarioThresholds } from '../scenario-thresholds.js';
import type { Terminal } from '../terminal.js';

export interface RunOptions {
  json?: string;
  set: string[];
  color?: boolean;
}

/**
 * `cachebench run <scenario.yaml>`: every run of the scenario (one per matrix combination), a summary,
 * the JSON result, and the exit code of the CI gate (1 when any threshold failed).
 */
export async function runCommand(file: string, options: RunOptions, terminal: Terminal): Promise<number> {
  const loaded = loadScenario(file, options.set);
  const thresholds = parseScenarioThresholds(loaded);
  const jsonToStdout = options.json === '-';
  // The human summary goes to stderr when stdout carries the JSON.
  const say = jsonToStdout ? terminal.stderr : terminal.stdout;
  const color = options.color !== false && (jsonToStdout ? terminal.stderrColor : terminal.stdoutColor);
  const jsonFile = options.json !== undefined && !jsonToStdout ? openResultFile(options.json) : null;

  const result: Result = { schema_version: 1, scenario: loaded.scenario, runs: [] };
  try {
    for (const run of loaded.runs) {
      result.runs.push(await runScenario(run.scenario, run, thresholds));
      // Rewritten after every run, so a later failure or Ctrl-C loses nothing already measured.
      if (jsonFile !== null) rewrite(jsonFile, serializeResult(result));
    }
  } finally {
    if (jsonFile !== null) closeSync(jsonFile);
  }
  if (jsonToStdout) terminal.stdout(serializeResult(result));

  say(`${renderHuman(result.runs, color)}\n`);
  return result.runs.some((r) => r.thresholds.some((t) => !t.pass)) ? 1 : 0;
}

function renderHuman(runs: RunResult[], color: boolean): string {
  const parts: string[] = [];
  if (runs.length === 1) {
    parts.push(renderRunSummary(runs[0], { color }));
    if (runs[0].thresholds.length > 0) parts.push(renderThresholdTable(runs[0].thresholds, { color }));
  } else {
    parts.push(renderMatrixTable(runs, { color }));
    for (const run of runs) {
      if (run.thresholds.some((t) => !t.pass)) {
        parts.push(`thresholds of ${run.name}:\n${renderThresholdTable(run.thresholds, { color })}`);
      }
    }
  }
  return parts.join('\n\n');
}

function openResultFile(path: string): number {
  try {
    return openSync(path, 'w');
  } catch (error) {
    throw new InputError(`--json ${path}: cannot write there (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

function rewrite(fd: number, text: string): void {
  ftruncateSync(fd, 0);
  writeSync(fd, text, 0);
}
