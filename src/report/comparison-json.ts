import type { ComparisonResult } from '../result/comparison-result.js';

/** `compare --json`: 2-space indent and a trailing newline, like the run result (json-result.ts). */
export function serializeComparison(comparison: ComparisonResult): string {
  return `${JSON.stringify(comparison, null, 2)}\n`;
}
