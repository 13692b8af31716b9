import { InputError } from '../../errors.js';
import { type ByteSource, openTraceSource } from './byte-source.js';

const LF = 10;
const CR = 13;

/**
 * The longest line a text trace may have. Real records are well under a kilobyte; a "line" of a megabyte
 * is a file that is not a text trace (a binary file, /dev/zero through a pipe), and it is refused rather
 * than buffered until memory runs out.
 */
export const MAX_TRACE_LINE_BYTES = 1 << 20;

/** Default read size: large enough that the read syscalls vanish from profiles, small enough to stay in L2/L3. */
export const DEFAULT_TRACE_CHUNK_BYTES = 1 << 20;

/**
 * A text trace read synchronously in chunks (from the file, or from its gunzipped content: see
 * byte-source.ts) into one reused buffer, so memory stays constant however long the trace is. Readers parse bytes in place between `pos` and `complete`: every line that starts there
 * is whole and ends with "\n" (a missing final newline is supplied), so a parser never has to check for
 * the end of the buffer in the middle of a line. A line longer than the buffer grows it, up to
 * MAX_TRACE_LINE_BYTES.
 *
 * Every text reader gets the same clean-up here: a UTF-8 byte-order mark at the start is dropped, and a
 * file whose first line ends in a lone CR (old Mac line endings, some exports) has each CR read as "\n".
 */
export class TraceFile {
  buf: Buffer;
  /** Next byte a reader has not consumed. */
  pos = 0;
  /** One past the last "\n" in the buffer: bytes in [pos, complete) are whole lines. */
  complete = 0;
  /** End of the bytes read from the file. */
  private end = 0;
  private eof = false;
  /** Nothing read yet: the first read decides about a BOM and about CR-only line endings. */
  private atStart = true;
  /** The file's lines end in a lone CR: every CR read is turned into LF. */
  private crLineEnds = false;
  private source: ByteSource | null;

  constructor(
    source: ByteSource,
    /** The path as the user wrote it, for messages. */
    readonly displayName: string,
    chunkBytes = DEFAULT_TRACE_CHUNK_BYTES,
  ) {
    this.source = source;
    this.buf = Buffer.allocUnsafe(Math.max(16, Math.floor(chunkBytes)));
  }

  /** Opens `path` (gzip read transparently); every way that can fail is an InputError naming the file. */
  static open(path: string, displayName: string, chunkBytes = DEFAULT_TRACE_CHUNK_BYTES): TraceFile {
    return new TraceFile(openTraceSource(path, displayName).source, displayName, chunkBytes);
  }

  /**
   * Makes at least one more whole line available at `pos`. Returns false when the file has no bytes left.
   * `line` is the 1-based number of the line at `pos`, for the message about a line too long.
   */
  refill(line: number): boolean {
    while (this.pos >= this.complete) {
      if (!this.readMore(line)) return false;
    }
    return true;
  }

  /**
   * Whether anything but blank lines and whitespace remains after `pos` (the start of line `line`),
   * reading ahead (without consuming) as needed.
   */
  hasContentAhead(line: number): boolean {
    let scanned = this.pos;
    for (;;) {
      const buf = this.buf;
      for (let i = scanned; i < this.end; i++) {
        const b = buf[i];
        if (b !== LF && b !== 13 && b !== 32 && b !== 9) return true;
      }
      scanned = this.end - this.pos;
      if (!this.readMore(line)) return false;
      scanned += this.pos;
    }
  }

  /** The text of the line that starts at `start`, without its line ending, for error messages. */
  lineText(start: number): string {
    let stop = this.buf.indexOf(LF, start);
    if (stop < 0 || stop > this.end) stop = this.end;
    if (stop > start && this.buf[stop - 1] === 13) stop--;
    return this.buf.toString('utf8', start, stop);
  }

  /** The bytes of the line that starts at `start` up to its "\n" (exclusive), as [start, end). */
  lineEnd(start: number): number {
    const stop = this.buf.indexOf(LF, start);
    return stop < 0 || stop > this.end ? this.end : stop;
  }

  close(): void {
    this.source?.close();
    this.source = null;
  }

  /**
   * Reads more of the file after `end`, first moving the unconsumed tail [pos, end) to the front and
   * doubling the buffer if that tail fills it. Returns false once the file is exhausted.
   */
  private readMore(line: number): boolean {
    if (this.eof || this.source === null) return false;
    let buf = this.buf;
    if (this.pos > 0) {
      buf.copy(buf, 0, this.pos, this.end);
      this.end -= this.pos;
      this.complete = Math.max(0, this.complete - this.pos);
      this.pos = 0;
    }
    if (this.end >= buf.length - 1) {
      if (this.end - this.complete >= MAX_TRACE_LINE_BYTES) this.lineTooLong(line);
      const grown = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(grown, 0, 0, this.end);
      this.buf = buf = grown;
    }
    // Leave one byte spare for the "\n" a final line without one gets.
    const bytesRead = this.source.read(buf, this.end, buf.length - 1 - this.end);
    if (bytesRead === 0) {
      this.eof = true;
      if (this.end > 0 && buf[this.end - 1] !== LF) buf[this.end++] = LF;
      this.complete = this.end;
      return true;
    }
    if (this.atStart) this.start(bytesRead);
    if (this.crLineEnds) crToLf(buf, this.end, this.end + bytesRead);
    this.end += bytesRead;
    this.complete = buf.lastIndexOf(LF, this.end - 1) + 1;
    return true;
  }

  /** The first bytes are in buf[0, n): skip a BOM, and see how the first line ends. */
  private start(n: number): void {
    this.atStart = false;
    const buf = this.buf;
    if (n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) this.pos = 3;
    for (let i = this.pos; i < n - 1; i++) {
      if (buf[i] === LF) return;
      if (buf[i] === CR) {
        this.crLineEnds = buf[i + 1] !== LF;
        return;
      }
    }
  }

  private lineTooLong(line: number): never {
    let at = line;
    for (let i = this.buf.indexOf(LF, this.pos); i >= 0 && i < this.complete; i = this.buf.indexOf(LF, i + 1)) at++;
    throw new InputError(
      `${this.displayName}:${at}: a line longer than ${MAX_TRACE_LINE_BYTES / (1 << 20)} MiB with no line end; a text trace has one request per line (is this the right file, or its format?)`,
    );
  }
}

function crToLf(buf: Buffer, from: number, to: number): void {
  const read = buf.subarray(from, to);
  for (let i = read.indexOf(CR); i >= 0; i = read.indexOf(CR, i + 1)) read[i] = LF;
}
