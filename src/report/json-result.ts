import { redactSecrets } from '../result/redaction.js';
import type { Result } from '../result/run-result.js';

/**
 * The JSON result (docs/json-result.md): 2-space indent and a trailing newline, so files diff
 * cleanly and `--json -` ends its line. JSON has no NaN or Infinity; a non-finite number is written as null,
 * which readers of the contract already treat as "no samples".
 */
export function serializeResult(result: Result): string {
  return `${jsonText(JSON.stringify(redactSecrets(result), finiteNumbersOnly, 2))}\n`;
}

/**
 * JSON as it is written: C1 controls, DEL and the invisible formatting characters (bidirectional
 * overrides, zero-width marks, line separators) that JSON.stringify leaves raw are written as \uXXXX
 * escapes — the same strings once parsed, but nothing that acts on a terminal showing `--json -`.
 */
export function jsonText(json: string): string {
  return json.replace(/[\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function finiteNumbersOnly(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
