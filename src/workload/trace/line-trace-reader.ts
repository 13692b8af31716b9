import { InputError } from '../../errors.js';
import type { AccessBatch } from '../access-event.js';
import { KeyInterner } from './key-interner.js';
import type { TraceFile } from './trace-file.js';
import type { TraceReader, TraceReaderSettings, TraceReadStats } from './trace-reader.js';

/** parseLine's verdict on a line it could not use. */
export const BAD_LINE = -1;

const NO_COMMANDS: ReadonlyMap<string, number> = new Map();

/**
 * The loop every line-oriented reader shares (delimited, Twitter, redis-monitor, key-per-line): pull
 * whole lines from the file, hand each to `parseLine`, and deal with malformed ones — stop with an
 * InputError naming the file, the 1-based line number and the text, or (skipBadLines) count and go on.
 * Subclasses parse bytes in place; nothing is allocated per line on the way here.
 */
export abstract class LineTraceReader implements TraceReader {
  protected readonly interner = new KeyInterner();
  /** 1-based number of the line being parsed. */
  protected line = 1;
  /** Why parseLine returned BAD_LINE. */
  protected problem = '';
  /**
   * Set by parseLine when the line has more events than the batch had room for (a multi-key command):
   * the line is parsed again on the next call, and parseLine resumes where it stopped.
   */
  protected lineUnfinished = false;
  private lastTime = Number.NEGATIVE_INFINITY;
  private failure: InputError | null = null;
  private skippedLines = 0;

  constructor(
    protected readonly file: TraceFile,
    protected readonly settings: TraceReaderSettings,
  ) {}

  /**
   * Parses the line bytes [start, end) (no line ending) into batch[n, n + room), returns how many events
   * it wrote (0 for a line that holds none, e.g. a separator), or BAD_LINE with `problem` set.
   */
  protected abstract parseLine(buf: Buffer, start: number, end: number, batch: AccessBatch, n: number, room: number): number;

  get keySpace(): number {
    return this.interner.size;
  }

  keyName(id: number): string {
    return this.interner.keyName(id);
  }

  stats(): TraceReadStats {
    return { skippedLines: this.skippedLines, skippedCommands: NO_COMMANDS };
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
      if (file.pos >= file.complete && !file.refill(this.line)) break;
      const buf = file.buf;
      const start = file.pos;
      const stop = buf.indexOf(LF, start);
      const end = stop > start && buf[stop - 1] === CR ? stop - 1 : stop;
      this.lineUnfinished = false;
      const written = this.parseLine(buf, start, end, batch, n, limit - n);
      if (written === BAD_LINE) {
        if (!this.settings.skipBadLines) {
          this.failure = new InputError(
            `${file.displayName}:${this.line}: ${this.problem} (line: ${truncate(file.lineText(start), 80)})`,
          );
          break;
        }
        this.skippedLines++;
      } else {
        n += written;
        if (this.lineUnfinished) break;
      }
      file.pos = stop + 1;
      this.line++;
    }
    if (n === 0 && this.failure !== null) throw this.failure;
    return n;
  }

  /** Checks that `time` does not go back (when the replay uses trace time); false with `problem` set. */
  protected inOrder(time: number): boolean {
    if (time < this.lastTime && this.settings.requireOrderedTimestamps) {
      this.problem = `timestamp ${time} ms is earlier than the previous request's ${this.lastTime} ms; sort the trace by time`;
      return false;
    }
    this.lastTime = time;
    return true;
  }
}

const LF = 10;
const CR = 13;

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The bytes [start, end) as text for a message, shortened. */
export function fieldText(buf: Uint8Array, start: number, end: number): string {
  return truncate(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8'), 40);
}

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * A plain non-negative decimal in bytes [start, end) ("12", "0.5", "1e3"); NaN when empty or not a number
 * ≥ 0. Digits are accumulated into one mantissa and divided once by a power of ten — exactly what
 * parseFloat returns while the mantissa is below 2^53 — so the common case makes no string.
 */
export function parseDecimal(buf: Uint8Array, start: number, end: number): number {
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  let j = start;
  for (; j < end; j++) {
    const b = buf[j];
    if (b >= 0x30 && b <= 0x39) {
      mantissa = mantissa * 10 + (b - 0x30);
      digits++;
    } else if (b === 0x2e && fraction < 0) {
      fraction = digits;
    } else break;
  }
  if (j === end && digits > 0 && digits <= 15) return fraction < 0 ? mantissa : mantissa / POWERS_OF_TEN[digits - fraction];
  if (end === start) return Number.NaN;
  // Rare: exponents, signs, very long numbers, or garbage. Let Number() decide, then check the range.
  const text = Buffer.from(buf.buffer, buf.byteOffset + start, end - start)
    .toString('latin1')
    .trim();
  const value = text === '' ? Number.NaN : Number(text);
  return value >= 0 && Number.isFinite(value) ? value : Number.NaN;
}

/** Milliseconds per unit of a trace's time column. */
export const MS_PER_UNIT = { s: 1000, ms: 1, us: 1e-3, ns: 1e-6 } as const;

/** Sizes travel in Int32Array batches. */
export const MAX_SIZE = 0x7fffffff;
