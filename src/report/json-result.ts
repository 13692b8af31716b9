import type { Result } from '../result/run-result.js';

/**
 * The JSON result (DESIGN.md, "Interface contract"): 2-space indent and a trailing newline, so files diff
 * cleanly and `--json -` ends its line. JSON has no NaN or Infinity; a non-finite number is written as null,
 * which readers of the contract already treat as "no samples".
 */
export function serializeResult(result: Result): string {
  return `${JSON.stringify(result, finiteNumbersOnly, 2)}\n`;
}

function finiteNumbersOnly(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
