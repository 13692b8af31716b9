import { parseCount, parseDuration, parseFraction, parseRate, UnitError } from '../scenario/units.js';
import type { MetricDefinition, MetricKind } from './metric-catalog.js';

/**
 * The right-hand side of a threshold, read with the scenario file's unit grammar (src/scenario/units.ts)
 * according to the metric's kind, and converted to the unit the comparison runs in:
 *
 *   duration  20ms | 500us | 2s | 1m | 0        → milliseconds (a bare number other than 0 is an error)
 *   ratio     0.8 | 80%                          → a fraction in [0, 1]
 *   count     500 | 10k | 1M                     → a whole number
 *   rate      500 | 500/s | 2k/s | 300/m         → per second (a bare number is per second)
 */
export type ThresholdValue = { ok: true; value: number } | { ok: false; problem: string };

const PARSERS: Readonly<Record<MetricKind, (text: string) => number>> = {
  duration: parseDuration,
  ratio: parseFraction,
  count: parseCount,
  rate: parseThresholdRate,
};

/** How to write a valid value for each kind, for messages that have no value to judge yet. */
export const VALID_VALUE_FORMS: Readonly<Record<MetricKind, string>> = {
  duration: 'a duration like 500us, 20ms or 2s',
  ratio: 'a fraction from 0 to 1 like 0.8, or a percentage like 80%',
  count: 'a count like 500, 10k or 1M',
  rate: 'a rate like 500 or 500/s',
};

export function parseThresholdValue(text: string, metric: MetricDefinition): ThresholdValue {
  const trimmed = text.trim();
  try {
    // Twelve significant digits drop binary noise (1.1 × 1000 is 1100.0000000000002) from a value typed by hand.
    return { ok: true, value: Number(PARSERS[metric.kind](trimmed).toPrecision(12)) };
  } catch (error) {
    if (!(error instanceof UnitError)) throw error;
    // A ratio's parser already says what `hit_rate >= 80` meant ("did you mean 0.8 (80%)?").
    return { ok: false, problem: `${metric.name} is a ${metric.kind}, so the value ${error.message}` };
  }
}

const ZERO_RATE = /^(?:0+(?:\.0*)?|\.0+)\s*(?:\/\s*(?:ms|s|m|h))?$/;
const BARE_RATE = /^(?:\d+(?:\.\d+)?|\.\d+)\s*[kKMG]?$/;

/**
 * Thresholds accept a bare number as per second (`db.qps_peak < 500`), where a scenario's `rate:` insists
 * on a unit; and a zero bound (`db.qps_peak == 0`), where a scenario's rate must be positive.
 */
function parseThresholdRate(text: string): number {
  if (ZERO_RATE.test(text)) return 0;
  return parseRate(BARE_RATE.test(text) ? `${text}/s` : text);
}
