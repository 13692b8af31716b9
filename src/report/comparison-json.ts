import { redactSecrets } from '../result/redaction.js';
import type { ComparisonResult } from '../result/comparison-result.js';
import { jsonText } from './json-result.js';

/** `compare --json`: 2-space indent and a trailing newline, like the run result (json-result.ts). */
export function serializeComparison(comparison: ComparisonResult): string {
  return `${jsonText(JSON.stringify(redactSecrets(comparison), null, 2))}\n`;
}
