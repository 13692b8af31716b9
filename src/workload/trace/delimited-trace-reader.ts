import { InputError } from '../../errors.js';
import type { DelimitedColumn, DelimitedTraceSpec } from '../../scenario/scenario.js';
import { type AccessBatch, OP_DELETE, OP_GET, OP_SET } from '../access-event.js';
import { BAD_LINE, fieldText, LineTraceReader, MAX_SIZE, MS_PER_UNIT, parseDecimal, truncate } from './line-trace-reader.js';
import type { TraceFile } from './trace-file.js';
import type { TraceReaderSettings } from './trace-reader.js';

/**
 * Any delimited text trace, read through a column mapping (DelimitedTraceSpec): which column holds the
 * key, and optionally the time, size, op and ttl, each by 0-based index or by header name.
 *
 *   key   required; canonical decimals take the interner's fast path
 *   time  a number ≥ 0 in `time_unit`, converted to ms; no column: the request's 0-based index, as ms
 *   size  a whole number of bytes ≥ 0; no column or empty: 1
 *   op    mapped through `ops` (exact text → get | set | delete); without `ops`, get/set/delete in any
 *         case; an empty field is a get; no column: every request is a get
 *   ttl   a number ≥ 0 in `ttl_unit`, converted to ms; 0 or empty: none
 *
 * Fields are separated by one delimiter byte (with `" "`, a run of spaces is one separator); blanks
 * around a field are ignored; a field may be double-quoted ("" escapes a quote); columns past the last
 * one used are ignored, so lines may carry extra fields. Blank lines are skipped.
 */
export class DelimitedTraceReader extends LineTraceReader {
  private readonly delimiter: number;
  private readonly collapseRuns: boolean;
  /** Column index of each field, −1 when absent. */
  private readonly keyColumn: number;
  private readonly timeColumn: number;
  private readonly sizeColumn: number;
  private readonly opColumn: number;
  private readonly ttlColumn: number;
  private readonly lastColumn: number;
  private readonly msPerTime: number;
  private readonly msPerTtl: number;
  private readonly opValues: Buffer[];
  private readonly opKinds: number[];
  private readonly caseInsensitiveOps: boolean;
  /** Per column up to lastColumn: where its field starts and ends on the current line. */
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private requestIndex = 0;
  /** Unescaped bytes of a quoted key. */
  private scratch = Buffer.allocUnsafe(256);

  constructor(file: TraceFile, settings: TraceReaderSettings, spec: DelimitedTraceSpec) {
    super(file, settings);
    const delimiter = Buffer.from(spec.delimiter, 'utf8');
    if (delimiter.length !== 1) {
      throw new InputError(
        `${file.displayName}: the delimiter must be one byte (like "," or "\\t"); got ${JSON.stringify(spec.delimiter)}`,
      );
    }
    this.delimiter = delimiter[0];
    this.collapseRuns = this.delimiter === SPACE;
    const header = spec.header ? this.readHeader() : null;
    const column = (field: string, column: DelimitedColumn | null): number => {
      if (column === null) return -1;
      if (typeof column === 'number') return column;
      if (header === null) {
        throw new InputError(
          `${file.displayName}: columns.${field} names a header column ("${column}") but header is false; give its 0-based index, or set header: true`,
        );
      }
      const index = header.indexOf(column);
      if (index < 0) {
        throw new InputError(
          `${file.displayName}:1: columns.${field} names "${column}", which is not in the header; found ${header.map((name) => `"${name}"`).join(', ')}`,
        );
      }
      return index;
    };
    this.keyColumn = column('key', spec.columns.key);
    this.timeColumn = column('time', spec.columns.time);
    this.sizeColumn = column('size', spec.columns.size);
    this.opColumn = column('op', spec.columns.op);
    this.ttlColumn = column('ttl', spec.columns.ttl);
    this.lastColumn = Math.max(this.keyColumn, this.timeColumn, this.sizeColumn, this.opColumn, this.ttlColumn);
    this.starts = new Int32Array(this.lastColumn + 1);
    this.ends = new Int32Array(this.lastColumn + 1);
    this.msPerTime = MS_PER_UNIT[spec.time_unit];
    this.msPerTtl = MS_PER_UNIT[spec.ttl_unit];
    const ops = spec.ops ?? { get: 'get', set: 'set', delete: 'delete' };
    this.caseInsensitiveOps = spec.ops === null;
    this.opValues = Object.keys(ops).map((value) => Buffer.from(value, 'utf8'));
    this.opKinds = Object.values(ops).map((op) => (op === 'get' ? OP_GET : op === 'set' ? OP_SET : OP_DELETE));
  }

  protected parseLine(buf: Buffer, start: number, end: number, batch: AccessBatch, n: number): number {
    if (start === end) return 0;
    if (!this.splitFields(buf, start, end)) return BAD_LINE;
    const { starts, ends } = this;

    let time = this.requestIndex;
    if (this.timeColumn >= 0) {
      const raw = parseDecimal(buf, starts[this.timeColumn], ends[this.timeColumn]);
      if (Number.isNaN(raw)) return this.bad('time', this.timeColumn, `a time ≥ 0 in ${this.timeUnitName()}`);
      time = raw * this.msPerTime;
    }
    let size = 1;
    if (this.sizeColumn >= 0 && starts[this.sizeColumn] < ends[this.sizeColumn]) {
      size = parseDecimal(buf, starts[this.sizeColumn], ends[this.sizeColumn]);
      if (!(Number.isInteger(size) && size <= MAX_SIZE)) return this.bad('size', this.sizeColumn, 'a whole number of bytes ≥ 0');
    }
    let op = OP_GET;
    if (this.opColumn >= 0 && starts[this.opColumn] < ends[this.opColumn]) {
      op = this.mapOp(buf, starts[this.opColumn], ends[this.opColumn]);
      if (op < 0) {
        const valid = this.opValues.map((value) => `"${value.toString('utf8')}"`).join(', ');
        this.problem = `op "${fieldText(buf, starts[this.opColumn], ends[this.opColumn])}" is not one of ${valid}${this.caseInsensitiveOps ? ' (any case)' : ''}; map it with workload.ops, e.g. ops: { read: get, write: set }`;
        return BAD_LINE;
      }
    }
    let ttl = 0;
    if (this.ttlColumn >= 0 && starts[this.ttlColumn] < ends[this.ttlColumn]) {
      const raw = parseDecimal(buf, starts[this.ttlColumn], ends[this.ttlColumn]);
      if (Number.isNaN(raw)) return this.bad('ttl', this.ttlColumn, 'a time ≥ 0 (0 or empty for none)');
      ttl = raw * this.msPerTtl;
    }
    const keyStart = starts[this.keyColumn];
    const keyEnd = ends[this.keyColumn];
    if (keyStart === keyEnd) return this.bad('key', this.keyColumn, 'a key');
    if (!this.inOrder(time)) return BAD_LINE;

    batch.time[n] = time;
    batch.key[n] =
      buf[keyStart - 1] === QUOTE ? this.internQuoted(buf, keyStart, keyEnd) : this.interner.internField(buf, keyStart, keyEnd);
    batch.op[n] = op;
    batch.size[n] = size;
    batch.ttl[n] = ttl;
    this.requestIndex++;
    return 1;
  }

  /**
   * Finds fields 0 … lastColumn of the line; a quoted field's bounds exclude its quotes. False (with
   * `problem` set) when the line has too few fields or an unclosed quote.
   */
  private splitFields(buf: Buffer, start: number, end: number): boolean {
    const { starts, ends, delimiter, lastColumn } = this;
    let p = start;
    for (let column = 0; column <= lastColumn; column++) {
      if (this.collapseRuns) while (p < end && buf[p] === SPACE) p++;
      else while (p < end && (buf[p] === SPACE || buf[p] === TAB) && buf[p] !== delimiter) p++;
      let fieldEnd: number;
      if (buf[p] === QUOTE && p < end) {
        const close = closingQuote(buf, p + 1, end);
        if (close < 0) {
          this.problem = `field ${column} has no closing quote`;
          return false;
        }
        starts[column] = p + 1;
        ends[column] = close;
        p = close + 1;
        while (p < end && buf[p] !== delimiter) p++;
        fieldEnd = p;
      } else {
        let q = p;
        while (q < end && buf[q] !== delimiter) q++;
        fieldEnd = q;
        while (q > p && (buf[q - 1] === SPACE || buf[q - 1] === TAB)) q--;
        starts[column] = p;
        ends[column] = q;
      }
      if (column < lastColumn) {
        if (fieldEnd >= end) {
          this.problem = `expected at least ${lastColumn + 1} fields separated by ${describeDelimiter(delimiter)}, found ${column + 1}`;
          return false;
        }
        p = fieldEnd + 1;
      }
    }
    return true;
  }

  private mapOp(buf: Buffer, start: number, end: number): number {
    const length = end - start;
    const values = this.opValues;
    outer: for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value.length !== length) continue;
      if (this.caseInsensitiveOps) {
        for (let j = 0; j < length; j++) if ((buf[start + j] | 0x20) !== value[j]) continue outer;
      } else {
        for (let j = 0; j < length; j++) if (buf[start + j] !== value[j]) continue outer;
      }
      return this.opKinds[i];
    }
    return -1;
  }

  /** A quoted key's bytes with "" turned into ". */
  private internQuoted(buf: Buffer, start: number, end: number): number {
    if (this.scratch.length < end - start) this.scratch = Buffer.allocUnsafe(2 * (end - start));
    let length = 0;
    for (let j = start; j < end; j++) {
      this.scratch[length++] = buf[j];
      if (buf[j] === QUOTE) j++;
    }
    return this.interner.internField(this.scratch, 0, length);
  }

  private bad(field: string, column: number, expected: string): number {
    this.problem = `${field} (column ${column}) "${fieldText(this.file.buf, this.starts[column], this.ends[column])}" is not ${expected}`;
    return BAD_LINE;
  }

  private timeUnitName(): string {
    return ({ 1000: 's', 1: 'ms', 0.001: 'us', 0.000001: 'ns' } as Record<number, string>)[this.msPerTime] ?? 'ms';
  }

  /** Reads the header line: the column names, in order. */
  private readHeader(): string[] {
    const file = this.file;
    if (!file.refill(1)) throw new InputError(`trace is empty (0 bytes): ${file.displayName}; expected a header line`);
    const start = file.pos;
    const stop = file.lineEnd(start);
    let text = file.buf.toString('utf8', start, stop).replace(/\r$/, '');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    file.pos = stop + 1;
    this.line = 2;
    const separator = String.fromCharCode(this.delimiter);
    const names = this.collapseRuns ? text.trim().split(/ +/) : text.split(separator);
    return names.map((name) => truncate(name.trim().replace(/^"(.*)"$/, '$1'), 60));
  }
}

const SPACE = 32;
const TAB = 9;
const QUOTE = 34;

function closingQuote(buf: Buffer, from: number, end: number): number {
  for (let j = from; j < end; j++) {
    if (buf[j] !== QUOTE) continue;
    if (buf[j + 1] === QUOTE && j + 1 < end) {
      j++;
      continue;
    }
    return j;
  }
  return -1;
}

function describeDelimiter(byte: number): string {
  if (byte === TAB) return 'tabs';
  if (byte === SPACE) return 'spaces';
  return `"${String.fromCharCode(byte)}"`;
}
