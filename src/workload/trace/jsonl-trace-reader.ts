import { InputError } from '../../errors.js';
import { type AccessBatch, OP_GET } from '../access-event.js';
import { KeyInterner } from './key-interner.js';
import type { TraceFile } from './trace-file.js';
import type { TraceReader, TraceReaderSettings, TraceReadStats } from './trace-reader.js';

/**
 * The canonical trace as JSON Lines: one object per line with the CSV's field names and defaults —
 * `{"timestamp": 12.5, "key": "user:42", "op": "set", "size": 512, "ttl": 60000}`. `timestamp` and `key`
 * (a string or a number) are required; `op` defaults to get, `size` to 1, `ttl` (0 or null) to none.
 * Other fields are ignored, since JSON producers often carry extra context. Empty lines are skipped.
 *
 * JSON.parse and a string per line make this the slower format; prefer CSV for very large traces.
 */
export class JsonlTraceReader implements TraceReader {
  private readonly interner = new KeyInterner();
  private line = 1;
  private lastTime = Number.NEGATIVE_INFINITY;
  private failure: InputError | null = null;
  private skippedLines = 0;
  private readonly requireOrderedTimestamps: boolean;

  constructor(
    private readonly file: TraceFile,
    private readonly settings: TraceReaderSettings,
  ) {
    this.requireOrderedTimestamps = settings.requireOrderedTimestamps;
    if (!file.hasContentAhead()) {
      throw new InputError(
        `trace is empty: ${file.displayName} has no requests; expected one JSON object per line like {"timestamp": 0, "key": "k1", "op": "get", "size": 100}`,
      );
    }
  }

  get keySpace(): number {
    return this.interner.size;
  }

  keyName(id: number): string {
    return this.interner.keyName(id);
  }

  stats(): TraceReadStats {
    return { skippedLines: this.skippedLines, skippedCommands: new Map() };
  }

  close(): void {
    this.file.close();
  }

  read(batch: AccessBatch, max: number): number {
    if (this.failure !== null) throw this.failure;
    const limit = Math.min(max, batch.capacity);
    const file = this.file;
    let n = 0;
    while (n < limit) {
      if (file.pos >= file.complete && !file.refill()) break;
      const buf = file.buf;
      const start = file.pos;
      const stop = buf.indexOf(10, start);
      const end = stop > start && buf[stop - 1] === 13 ? stop - 1 : stop;
      const text = buf.toString('utf8', start, end);
      const blank = text.trim() === '';
      const parsed = blank || this.parseLine(text, batch, n);
      if (!parsed) {
        if (!this.settings.skipBadLines) break;
        this.failure = null;
        this.skippedLines++;
      }
      file.pos = stop + 1;
      this.line++;
      if (parsed && !blank) n++;
    }
    if (n === 0 && this.failure !== null) throw this.failure;
    return n;
  }

  /** Parses one (non-blank) line into batch[n]; false (with `failure` set) if it is malformed. */
  private parseLine(text: string, batch: AccessBatch, n: number): boolean {
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      return this.fail(text, `not valid JSON (${(error as Error).message}); expected one object per line`);
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      return this.fail(text, 'expected a JSON object per line');
    }
    const fields = record as Record<string, unknown>;

    const t = fields.timestamp;
    if (typeof t !== 'number' || !(t >= 0) || !Number.isFinite(t)) {
      return this.fail(text, invalid('timestamp', t, 'a time in ms ≥ 0'));
    }
    const rawKey = fields.key;
    let keyId: number;
    if (typeof rawKey === 'string' && rawKey.length > 0) keyId = this.interner.internString(rawKey);
    else if (typeof rawKey === 'number' && Number.isFinite(rawKey)) keyId = this.interner.internString(String(rawKey));
    else return this.fail(text, invalid('key', rawKey, 'a non-empty string or a number'));

    const rawOp = fields.op;
    let op = OP_GET as number;
    if (rawOp !== undefined && rawOp !== null && rawOp !== '') {
      op = typeof rawOp === 'string' ? OP_NAMES_LOWER.indexOf(rawOp.toLowerCase()) : -1;
      if (op < 0) return this.fail(text, invalid('op', rawOp, 'one of get, set, delete'));
    }
    const rawSize = fields.size;
    let size = 1;
    if (rawSize !== undefined && rawSize !== null) {
      if (typeof rawSize !== 'number' || !Number.isInteger(rawSize) || rawSize < 0 || rawSize > 0x7fffffff) {
        return this.fail(text, invalid('size', rawSize, 'a whole number of bytes ≥ 0'));
      }
      size = rawSize;
    }
    const rawTtl = fields.ttl;
    let ttl = 0;
    if (rawTtl !== undefined && rawTtl !== null) {
      if (typeof rawTtl !== 'number' || !(rawTtl >= 0) || !Number.isFinite(rawTtl)) {
        return this.fail(text, invalid('ttl', rawTtl, 'a time in ms ≥ 0 (0 or null for none)'));
      }
      ttl = rawTtl;
    }
    if (t < this.lastTime && this.requireOrderedTimestamps) {
      return this.fail(text, `timestamp ${t} is earlier than the previous request's ${this.lastTime}; sort the trace by time`);
    }
    this.lastTime = t;
    batch.time[n] = t;
    batch.key[n] = keyId;
    batch.op[n] = op;
    batch.size[n] = size;
    batch.ttl[n] = ttl;
    return true;
  }

  private fail(text: string, problem: string): false {
    const shown = text.length > 80 ? `${text.slice(0, 79)}…` : text;
    this.failure = new InputError(`${this.file.displayName}:${this.line}: ${problem} (line: ${shown})`);
    return false;
  }
}

const OP_NAMES_LOWER = ['get', 'set', 'delete'];

function invalid(field: string, value: unknown, expected: string): string {
  if (value === undefined) return `${field} is missing; expected ${expected}`;
  const text = JSON.stringify(value) ?? String(value);
  return `${field} ${text.length > 40 ? `${text.slice(0, 39)}…` : text} is not ${expected}`;
}
