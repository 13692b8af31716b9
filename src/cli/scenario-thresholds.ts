import { InputError } from '../errors.js';
import type { LoadedScenario } from '../scenario/load.js';
import { parseThresholds, ThresholdError } from '../thresholds/threshold-parser.js';
import type { ParsedThreshold } from '../thresholds/threshold-evaluation.js';

/** Parses a scenario's thresholds before anything runs; a bad one names its place in the file. */
export function parseScenarioThresholds(loaded: LoadedScenario): ParsedThreshold[] {
  let parsed: ParsedThreshold[];
  try {
    parsed = parseThresholds(loaded.scenario.thresholds);
  } catch (error) {
    if (error instanceof ThresholdError) {
      throw new InputError(`${loaded.locate(['thresholds', error.index])} thresholds[${error.index}]: ${error.message}`);
    }
    throw error;
  }
  checkBudgetIsSet(loaded, parsed);
  return parsed;
}

/**
 * `staleness.budget_violations` counts stale reads older than `max_staleness`: without a budget in any
 * run there is nothing to violate, and a gate on it would pass on a 0 that measured nothing.
 */
function checkBudgetIsSet(loaded: LoadedScenario, parsed: ParsedThreshold[]): void {
  const index = parsed.findIndex((threshold) => threshold.metric.name === 'staleness.budget_violations');
  if (index < 0 || loaded.runs.some((run) => run.scenario.max_staleness !== null)) return;
  throw new InputError(
    `${loaded.locate(['thresholds', index])} thresholds[${index}]: staleness.budget_violations counts stale reads older than max_staleness, and the scenario sets none; add e.g. max_staleness: 5s, or gate on staleness.stale_reads or staleness.age.p99`,
  );
}
