import { InputError } from '../../errors.js';
import { type AccessBatch, OP_GET } from '../access-event.js';
import { BAD_LINE, LineTraceReader } from './line-trace-reader.js';
import type { TraceFile } from './trace-file.js';
import type { TraceReaderSettings } from './trace-reader.js';

/**
 * The canonical trace as JSON Lines: one object per line with the CSV's field names and defaults —
 * `{"timestamp": 12.5, "key": "user:42", "op": "set", "size": 512, "ttl": 60000}`. `timestamp` and `key`
 * (a string or a number) are required; `op` defaults to get, `size` to 1, `ttl` (0 or null) to none.
 * Other fields are ignored, since JSON producers often carry extra context. Empty lines are skipped.
 *
 * JSON.parse and a string per line make this the slower format; prefer CSV for very large traces.
 */
export class JsonlTraceReader extends LineTraceReader {
  constructor(file: TraceFile, settings: TraceReaderSettings) {
    super(file, settings);
    if (!file.hasContentAhead(1)) {
      throw new InputError(
        `trace is empty: ${file.displayName} has no requests; expected one JSON object per line like {"timestamp": 0, "key": "k1", "op": "get", "size": 100}`,
      );
    }
  }

  /** One object per line into batch[n]; an empty line holds no request. */
  protected parseLine(buf: Buffer, start: number, end: number, batch: AccessBatch, n: number): number {
    const text = buf.toString('utf8', start, end);
    if (text.trim() === '') return 0;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      return this.bad(`not valid JSON (${(error as Error).message}); expected one object per line`);
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      return this.bad('expected a JSON object per line');
    }
    const fields = record as Record<string, unknown>;

    const t = fields.timestamp;
    if (typeof t !== 'number' || !(t >= 0) || !Number.isFinite(t)) {
      return this.bad(invalid('timestamp', t, 'a time in ms ≥ 0'));
    }
    const rawKey = fields.key;
    let keyId: number;
    if (typeof rawKey === 'string' && rawKey.length > 0) keyId = this.interner.internString(rawKey);
    else if (typeof rawKey === 'number' && Number.isFinite(rawKey)) keyId = this.interner.internString(String(rawKey));
    else return this.bad(invalid('key', rawKey, 'a non-empty string or a number'));

    const rawOp = fields.op;
    let op = OP_GET as number;
    if (rawOp !== undefined && rawOp !== null && rawOp !== '') {
      op = typeof rawOp === 'string' ? OP_NAMES_LOWER.indexOf(rawOp.toLowerCase()) : -1;
      if (op < 0) return this.bad(invalid('op', rawOp, 'one of get, set, delete'));
    }
    const rawSize = fields.size;
    let size = 1;
    if (rawSize !== undefined && rawSize !== null) {
      if (typeof rawSize !== 'number' || !Number.isInteger(rawSize) || rawSize < 0 || rawSize > 0x7fffffff) {
        return this.bad(invalid('size', rawSize, 'a whole number of bytes ≥ 0'));
      }
      size = rawSize;
    }
    const rawTtl = fields.ttl;
    let ttl = 0;
    if (rawTtl !== undefined && rawTtl !== null) {
      if (typeof rawTtl !== 'number' || !(rawTtl >= 0) || !Number.isFinite(rawTtl)) {
        return this.bad(invalid('ttl', rawTtl, 'a time in ms ≥ 0 (0 or null for none)'));
      }
      ttl = rawTtl;
    }
    if (!this.inOrder(t)) return BAD_LINE;
    batch.time[n] = t;
    batch.key[n] = keyId;
    batch.op[n] = op;
    batch.size[n] = size;
    batch.ttl[n] = ttl;
    return 1;
  }

  private bad(problem: string): number {
    this.problem = problem;
    return BAD_LINE;
  }
}

const OP_NAMES_LOWER = ['get', 'set', 'delete'];

function invalid(field: string, value: unknown, expected: string): string {
  if (value === undefined) return `${field} is missing; expected ${expected}`;
  const text = JSON.stringify(value) ?? String(value);
  return `${field} ${text.length > 40 ? `${text.slice(0, 39)}…` : text} is not ${expected}`;
}
