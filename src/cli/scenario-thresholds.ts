import { InputError } from '../errors.js';
import type { LoadedScenario } from '../scenario/load.js';
import { parseThresholds, ThresholdError } from '../thresholds/threshold-parser.js';
import type { ParsedThreshold } from '../thresholds/threshold-evaluation.js';

/** Parses a scenario's thresholds before anything runs; a bad one names its place in the file. */
export function parseScenarioThresholds(loaded: LoadedScenario): ParsedThreshold[] {
  try {
    return parseThresholds(loaded.scenario.thresholds);
  } catch (error) {
    if (error instanceof ThresholdError) {
      throw new InputError(`${loaded.locate(['thresholds', error.index])} thresholds[${error.index}]: ${error.message}`);
    }
    throw error;
  }
}
