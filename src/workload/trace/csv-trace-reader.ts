import { InputError } from '../../errors.js';
import { type AccessBatch, OP_DELETE, OP_GET, OP_SET } from '../access-event.js';
import { KeyInterner } from './key-interner.js';
import type { TraceFile } from './trace-file.js';
import type { TraceReader, TraceReaderSettings, TraceReadStats } from './trace-reader.js';

/**
 * The canonical CSV trace: a header naming the columns, in any order, then one request per line.
 *
 *   timestamp  required  ms since any origin, integer or decimal, never decreasing
 *   key        required  any text; canonical decimals (no sign or leading zero, ≤ 15 digits) take a fast path
 *   op         optional  get | set | delete (any case); an absent column or empty field means get
 *   size       optional  object size in bytes, a whole number ≥ 0; absent or empty means 1
 *   ttl        optional  ms, integer or decimal; 0, empty or absent means none
 *
 * Header names are matched case-insensitively; an unknown or repeated column is an error, so a typo like
 * "sise" is reported rather than silently defaulted. Lines end in LF or CRLF; empty lines are skipped.
 * A field may be double-quoted ("" escapes a quote) but may not span lines. With skipBadLines a malformed
 * line is counted and skipped, the rest of its batch parsed on.
 *
 * The hot path parses bytes in place: numbers are accumulated digit by digit, keys are interned straight
 * from the buffer, and no string is made per line.
 */
export class CsvTraceReader implements TraceReader {
  private readonly interner = new KeyInterner();
  private readonly columns: Uint8Array;
  private readonly columnNames: string[];
  /** 1-based number of the line that starts at file.pos. */
  private line = 1;
  private lastTime = Number.NEGATIVE_INFINITY;
  private failure: InputError | null = null;
  /** Where the line that failed starts in file.buf (valid until the next refill). */
  private failedLineStart = 0;
  private skippedLines = 0;
  /** Per batch index: the numeric key read on that line, until resolveNumericKeys interns it. */
  private pendingNumbers = new Float64Array(0);
  /** Text of the last quoted field (the slow path). */
  private quoted = '';

  private readonly requireOrderedTimestamps: boolean;

  constructor(
    private readonly file: TraceFile,
    private readonly settings: TraceReaderSettings,
  ) {
    this.requireOrderedTimestamps = settings.requireOrderedTimestamps;
    const header = this.readHeader();
    this.columnNames = header;
    this.columns = parseHeader(header, file.displayName);
    if (!file.hasContentAhead(2)) {
      throw new InputError(
        `trace is empty: ${file.displayName} has a header (${truncate(header.join(','), 200)}) but no requests; expected one request per line after it`,
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
    let n = this.parseLines(batch, 0, limit);
    while (this.failure !== null && this.settings.skipBadLines) {
      // Step over the bad line and parse on into the rest of the batch.
      this.failure = null;
      this.skippedLines++;
      this.file.pos = this.file.lineEnd(this.failedLineStart) + 1;
      this.line++;
      if (n < limit) n = this.parseLines(batch, n, limit);
    }
    if (n === 0 && this.failure !== null) throw this.failure;
    return n;
  }

  /** Parses lines into batch[from, max). On a malformed line, records `failure` and stops before it. */
  private parseLines(batch: AccessBatch, from: number, max: number): number {
    const file = this.file;
    const columns = this.columns;
    const lastColumn = columns.length - 1;
    const { time, key, op, size, ttl } = batch;
    let buf = file.buf;
    let p = file.pos;
    let complete = file.complete;
    let line = this.line;
    let n = from;
    if (this.pendingNumbers.length < max) this.pendingNumbers = new Float64Array(max);
    const pendingNumbers = this.pendingNumbers;
    /** First line of this batch whose numeric key may still be pending. */
    let pendingFrom = from;

    lines: while (n < max) {
      if (p >= complete) {
        file.pos = p;
        if (!file.refill(line)) break;
        buf = file.buf;
        p = file.pos;
        complete = file.complete;
      }
      const lineStart = p;
      let b = buf[p];
      if (b === LF) {
        p++;
        line++;
        continue;
      }
      if (b === CR && buf[p + 1] === LF) {
        p += 2;
        line++;
        continue;
      }

      let t = Number.NaN;
      let k = -1;
      let o = OP_GET;
      let s = 1;
      let tt = 0;
      for (let c = 0; c <= lastColumn; c++) {
        const kind = columns[c];
        const fieldStart = p;
        b = buf[p];
        if (b === QUOTE) {
          p = this.readQuoted(buf, p);
          if (p < 0) {
            this.fail(line, lineStart, `a quoted ${COLUMN_NAMES[kind]} field has no closing quote on its line`);
            break lines;
          }
          if (kind === COL_KEY) {
            this.resolveNumericKeys(batch, pendingFrom, n);
            pendingFrom = n + 1;
          }
          const value = this.quotedValue(kind, line, lineStart);
          if (Number.isNaN(value)) break lines;
          if (kind === COL_TIMESTAMP) t = value;
          else if (kind === COL_KEY) k = value;
          else if (kind === COL_OP) o = value as typeof o;
          else if (kind === COL_SIZE) s = value;
          else tt = value;
          b = buf[p];
        } else if (kind === COL_KEY) {
          // Digits first: most traces have numeric keys, which intern by value.
          let v = 0;
          while (b >= ZERO && b <= NINE) {
            v = v * 10 + (b - ZERO);
            b = buf[++p];
          }
          const digits = p - fieldStart;
          if (b === COMMA || b === LF || b === CR) {
            if (digits === 0) {
              this.fail(line, lineStart, 'key is empty');
              break lines;
            }
            if (digits <= 15 && (digits === 1 || buf[fieldStart] !== ZERO)) {
              // Looked up after the batch is parsed (see resolveNumericKeys); −2 marks "pending".
              pendingNumbers[n] = v;
              k = PENDING_KEY;
            } else {
              k = this.internTextKey(batch, pendingFrom, n, buf, fieldStart, p);
              pendingFrom = n + 1;
            }
          } else {
            while (b !== COMMA && b !== LF && b !== CR) b = buf[++p];
            k = this.internTextKey(batch, pendingFrom, n, buf, fieldStart, p);
            pendingFrom = n + 1;
          }
        } else if (kind === COL_OP) {
          while (b !== COMMA && b !== LF && b !== CR) b = buf[++p];
          const length = p - fieldStart;
          const b0 = buf[fieldStart] | 0x20;
          if (
            length === 3 &&
            (buf[fieldStart + 1] | 0x20) === 0x65 &&
            (buf[fieldStart + 2] | 0x20) === 0x74 &&
            (b0 === 0x67 || b0 === 0x73)
          ) {
            o = b0 === 0x67 ? OP_GET : OP_SET; // "get" | "set"
          } else if (length === 6 && b0 === 0x64 && isDeleteTail(buf, fieldStart)) {
            o = OP_DELETE;
          } else if (length === 0) {
            o = OP_GET;
          } else {
            this.fail(line, lineStart, `op "${fieldText(buf, fieldStart, p)}" is not one of get, set, delete`);
            break lines;
          }
        } else {
          // timestamp, size, ttl: plain decimals, accumulated as one integer mantissa and divided once by a
          // power of ten — exactly what parseFloat returns while the mantissa is below 2^53 (≤ 15 digits).
          let mantissa = 0;
          let digits = 0;
          let fraction = -1;
          for (;;) {
            if (b >= ZERO && b <= NINE) {
              mantissa = mantissa * 10 + (b - ZERO);
              digits++;
            } else if (b === DOT && fraction < 0) {
              fraction = digits;
            } else break;
            b = buf[++p];
          }
          let value: number;
          if ((b === COMMA || b === LF || b === CR) && digits <= 15 && (digits > 0 || p === fieldStart)) {
            value = p === fieldStart ? Number.NaN : fraction < 0 ? mantissa : mantissa / POWERS_OF_TEN[digits - fraction];
          } else {
            // Rare: exponents, signs, > 15 digits, or garbage. Let Number() decide, then check the range.
            while (b !== COMMA && b !== LF && b !== CR) b = buf[++p];
            value = Number(fieldText(buf, fieldStart, p));
            if (!(value >= 0) || !Number.isFinite(value)) {
              this.fail(line, lineStart, `${COLUMN_NAMES[kind]} "${fieldText(buf, fieldStart, p)}" is not ${EXPECTED[kind]}`);
              break lines;
            }
          }
          if (kind === COL_TIMESTAMP) {
            if (Number.isNaN(value)) {
              this.fail(line, lineStart, `timestamp is empty; expected ${EXPECTED[COL_TIMESTAMP]}`);
              break lines;
            }
            t = value;
          } else if (kind === COL_SIZE) {
            if (Number.isNaN(value)) s = 1;
            else if (Number.isInteger(value) && value <= MAX_SIZE) s = value;
            else {
              this.fail(line, lineStart, `size "${fieldText(buf, fieldStart, p)}" is not ${EXPECTED[COL_SIZE]}`);
              break lines;
            }
          } else if (kind === COL_TTL) {
            tt = Number.isNaN(value) ? 0 : value;
          }
        }

        // The field must end where the header says: a comma between fields, the line end after the last.
        if (c < lastColumn) {
          if (b !== COMMA) {
            this.failFieldEnd(line, lineStart, buf, fieldStart, p, c);
            break lines;
          }
          p++;
        } else if (b === LF) {
          p++;
        } else if (b === CR && buf[p + 1] === LF) {
          p += 2;
        } else {
          this.failFieldEnd(line, lineStart, buf, fieldStart, p, c);
          break lines;
        }
      }

      if (t < this.lastTime && this.requireOrderedTimestamps) {
        this.fail(
          line,
          lineStart,
          `timestamp ${t} is earlier than the previous request's ${this.lastTime}; sort the trace by time (e.g. sort -t, -k${this.columns.indexOf(COL_TIMESTAMP) + 1},${this.columns.indexOf(COL_TIMESTAMP) + 1}n, keeping the header first)`,
        );
        break;
      }
      this.lastTime = t;
      time[n] = t;
      key[n] = k;
      op[n] = o;
      size[n] = s;
      ttl[n] = tt;
      n++;
      line++;
    }

    file.pos = p;
    this.line = line;
    this.resolveNumericKeys(batch, pendingFrom, n);
    return n;
  }

  /**
   * Numeric keys are interned in a separate tight loop after parsing rather than line by line: the
   * lookups are independent, so the CPU overlaps their cache misses, which dominate once the key table
   * outgrows the cache (≈ 1.5× faster with a million distinct keys). Keys are still numbered in order of
   * first appearance, because a text key first flushes the numeric keys before it.
   */
  private resolveNumericKeys(batch: AccessBatch, from: number, to: number): void {
    const keys = batch.key;
    const pending = this.pendingNumbers;
    const interner = this.interner;
    for (let i = from; i < to; i++) if (keys[i] === PENDING_KEY) keys[i] = interner.internNumber(pending[i]);
  }

  /** Interns a text key, after the numeric keys of lines [from, n) that precede it. */
  private internTextKey(batch: AccessBatch, from: number, n: number, buf: Uint8Array, start: number, end: number): number {
    this.resolveNumericKeys(batch, from, n);
    return this.interner.internBytes(buf, start, end);
  }

  /** Reads a double-quoted field starting at `p` into `quoted`; returns the index after its closing quote, or −1. */
  private readQuoted(buf: Buffer, p: number): number {
    let text = '';
    let from = p + 1;
    for (let i = from; ; i++) {
      const b = buf[i];
      if (b === LF) return -1;
      if (b === QUOTE) {
        text += buf.toString('utf8', from, i);
        if (buf[i + 1] !== QUOTE) {
          this.quoted = text;
          return i + 1;
        }
        text += '"';
        i++;
        from = i + 1;
      }
    }
  }

  /** The value of the quoted field just read, as the hot path would have produced it; NaN after a failure. */
  private quotedValue(kind: number, line: number, lineStart: number): number {
    const text = this.quoted;
    switch (kind) {
      case COL_KEY:
        if (text.length === 0) break;
        return this.interner.internString(text);
      case COL_OP: {
        const index = text === '' ? OP_GET : OP_NAMES_LOWER.indexOf(text.toLowerCase());
        if (index >= 0) return index;
        break;
      }
      default: {
        if (text.trim() === '') {
          if (kind === COL_SIZE) return 1;
          if (kind === COL_TTL) return 0;
          break;
        }
        const value = Number(text);
        if (value >= 0 && Number.isFinite(value) && (kind !== COL_SIZE || (Number.isInteger(value) && value <= MAX_SIZE))) {
          return value;
        }
      }
    }
    const shown = truncate(text, 40);
    this.fail(
      line,
      lineStart,
      kind === COL_OP
        ? `op "${shown}" is not one of get, set, delete`
        : text === ''
          ? `${COLUMN_NAMES[kind]} is empty; expected ${EXPECTED[kind]}`
          : `${COLUMN_NAMES[kind]} "${shown}" is not ${EXPECTED[kind]}`,
    );
    return Number.NaN;
  }

  /** A field did not end with the separator its position calls for. */
  private failFieldEnd(line: number, lineStart: number, buf: Buffer, fieldStart: number, p: number, column: number): void {
    const expected = this.columnNames.length;
    const b = buf[p];
    if (b === LF || b === CR) {
      this.fail(line, lineStart, `expected ${expected} fields (${this.columnNames.join(',')}), found ${column + 1}`);
      return;
    }
    if (b === COMMA && column === expected - 1) {
      this.fail(line, lineStart, `expected ${expected} fields (${this.columnNames.join(',')}), found more`);
      return;
    }
    let end = p;
    while (buf[end] !== COMMA && buf[end] !== LF && buf[end] !== CR) end++;
    const kind = this.columns[column];
    this.fail(line, lineStart, `${COLUMN_NAMES[kind]} "${fieldText(buf, fieldStart, end)}" is not ${EXPECTED[kind]}`);
  }

  private fail(line: number, lineStart: number, problem: string): void {
    this.failedLineStart = lineStart;
    const text = truncate(this.file.lineText(lineStart), 80);
    this.failure = new InputError(`${this.file.displayName}:${line}: ${problem} (line: ${text})`);
  }

  /** Reads and decodes the first line; throws for a file without one. */
  private readHeader(): string[] {
    const file = this.file;
    if (!file.refill(1)) {
      throw new InputError(
        `trace is empty (0 bytes): ${file.displayName}; expected a header line like "timestamp,key,op,size" followed by one request per line`,
      );
    }
    const buf = file.buf;
    let start = file.pos;
    const stop = buf.indexOf(LF, start);
    let end = stop;
    if (end > start && buf[end - 1] === CR) end--;
    if (buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3; // UTF-8 BOM
    const text = buf.toString('utf8', start, Math.max(start, end));
    file.pos = stop + 1;
    this.line = 2;
    return text.split(',').map((name) => name.trim().replace(/^"(.*)"$/, '$1'));
  }
}

const LF = 10;
const CR = 13;
const COMMA = 44;
const QUOTE = 34;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const MAX_SIZE = 0x7fffffff;
const PENDING_KEY = -2;

const COL_TIMESTAMP = 0;
const COL_KEY = 1;
const COL_OP = 2;
const COL_SIZE = 3;
const COL_TTL = 4;
const COLUMN_NAMES = ['timestamp', 'key', 'op', 'size', 'ttl'];
const REQUIRED_COLUMNS = ['timestamp', 'key'];
const EXPECTED = [
  'a time in ms ≥ 0 (integer or decimal)',
  'a key',
  'one of get, set, delete',
  'a whole number of bytes ≥ 0',
  'a time in ms ≥ 0 (integer or decimal; 0 or empty for none)',
];
const OP_NAMES_LOWER = ['get', 'set', 'delete'];
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** bytes "elete" (any case) after a leading d/D. */
function isDeleteTail(buf: Buffer, start: number): boolean {
  return (
    (buf[start + 1] | 0x20) === 0x65 &&
    (buf[start + 2] | 0x20) === 0x6c &&
    (buf[start + 3] | 0x20) === 0x65 &&
    (buf[start + 4] | 0x20) === 0x74 &&
    (buf[start + 5] | 0x20) === 0x65
  );
}

function fieldText(buf: Buffer, start: number, end: number): string {
  return truncate(buf.toString('utf8', start, end), 40);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Column index → column kind, or an InputError that lists what was found and what is valid. */
function parseHeader(names: string[], displayName: string): Uint8Array {
  const columns = new Uint8Array(names.length);
  const seen = new Set<string>();
  // A wrong header can be a whole file (a CR-only or binary file has no "\n"): its echo is cut to ~200 characters.
  const found = truncate(names.map((name) => `"${truncate(name, 40)}"`).join(', '), 200);
  for (let i = 0; i < names.length; i++) {
    const name = names[i].toLowerCase();
    const kind = COLUMN_NAMES.indexOf(name);
    if (kind < 0) {
      throw new InputError(
        `${displayName}:1: unknown column "${truncate(names[i], 40)}" in the header; found columns ${found}; valid names: ${COLUMN_NAMES.join(', ')} (timestamp and key required)`,
      );
    }
    if (seen.has(name)) throw new InputError(`${displayName}:1: column "${name}" appears twice in the header (${found})`);
    seen.add(name);
    columns[i] = kind;
  }
  const missing = REQUIRED_COLUMNS.filter((name) => !seen.has(name));
  if (missing.length > 0) {
    throw new InputError(
      `${displayName}:1: the header lacks required column${missing.length > 1 ? 's' : ''} ${missing.join(' and ')}; found columns ${found}; valid names: ${COLUMN_NAMES.join(', ')} (timestamp and key required)`,
    );
  }
  return columns;
}
