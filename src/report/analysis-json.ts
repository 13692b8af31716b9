import type { TraceAnalysis } from '../analysis/trace-analysis.js';
import { jsonText } from './json-result.js';

/**
 * `cachebench analyze --json`: the TraceAnalysis object (schema_version 1, documented in
 * src/analysis/trace-analysis.ts and docs/analyze.md), 2-space indent and a trailing newline. JSON has no NaN or
 * Infinity: a non-finite number is written as null, as in the run result.
 */
export function serializeAnalysis(analysis: TraceAnalysis): string {
  return `${jsonText(JSON.stringify(analysis, (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2))}\n`;
}
