import { type CompareRule, CompareRuleError, parseCompareRules } from '../compare/compare-rule.js';
import { InputError } from '../errors.js';
import type { LoadedScenario } from '../scenario/load.js';

/** Parses a scenario's `compare:` rules before anything runs; a bad one names its place in the file. */
export function parseScenarioCompareRules(loaded: LoadedScenario): CompareRule[] {
  try {
    return parseCompareRules(loaded.scenario.compare);
  } catch (error) {
    if (error instanceof CompareRuleError) {
      throw new InputError(`${loaded.locate(['compare', error.index])} compare[${error.index}]: ${error.message}`);
    }
    throw error;
  }
}
