import { statSync } from 'node:fs';
import type { CompareRule } from '../compare/compare-rule.js';
import { InputError } from '../errors.js';
import { type LoadedScenario, loadScenario } from '../scenario/load.js';
import type { OverrideFlag } from '../scenario/overrides.js';
import type { ParsedThreshold } from '../thresholds/threshold-evaluation.js';
import { createWorkload } from '../workload/create-workload.js';
import { parseScenarioCompareRules } from './scenario-compare-rules.js';
import { parseScenarioThresholds } from './scenario-thresholds.js';

export interface CheckedScenario {
  loaded: LoadedScenario;
  thresholds: ParsedThreshold[];
  compareRules: CompareRule[];
}

/**
 * Everything `run` checks before it starts, which is all `validate` does: the scenario (schema, units,
 * `--set`), its thresholds and compare rules, and every trace its runs replay — opened as the run opens
 * it and closed, so a missing, empty or unreadable trace, a folder, or a bad header fails here (exit 2)
 * rather than in the middle of a matrix.
 */
export function loadCheckedScenario(file: string, overrides: readonly OverrideFlag[]): CheckedScenario {
  const loaded = loadScenario(file, overrides);
  const thresholds = parseScenarioThresholds(loaded);
  // The result carries the compare rules for `cachebench compare`: a bad one fails now, not at the gate.
  const compareRules = parseScenarioCompareRules(loaded);
  const opened = new Set<string>();
  for (const run of loaded.runs) {
    const workload = run.scenario.workload;
    if (workload.kind !== 'trace') continue;
    const key = JSON.stringify(workload);
    if (opened.has(key) || isReadOnce(workload.path)) continue;
    opened.add(key);
    try {
      createWorkload(workload, run.scenario.seed).close();
    } catch (error) {
      throw located(error, loaded);
    }
  }
  return { loaded, thresholds, compareRules };
}

/**
 * A trace that cannot be opened (missing, a folder, a device, empty) is reported at the scenario's
 * `workload.trace`, so the message says which field to fix; one that names its own line already is as is.
 */
function located(error: unknown, loaded: LoadedScenario): unknown {
  if (!(error instanceof InputError) || /^\S+:\d+/.test(error.message)) return error;
  return new InputError(`${loaded.locate(['workload', 'trace'])} workload.trace: ${error.message}`);
}

/** A pipe can be read once only, by the run: opening it here would take what the run needs. */
function isReadOnce(path: string): boolean {
  try {
    const stats = statSync(path);
    // A device is opened: the reader refuses it at once (it never ends and holds no trace).
    return stats.isFIFO() || stats.isSocket();
  } catch {
    return false; // missing: the reader says so in its own words
  }
}
