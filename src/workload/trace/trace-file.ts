import { type ByteSource, openTraceSource } from './byte-source.js';

const LF = 10;

/** Default read size: large enough that the read syscalls vanish from profiles, small enough to stay in L2/L3. */
export const DEFAULT_TRACE_CHUNK_BYTES = 1 << 20;

/**
 * A text trace read synchronously in chunks (from the file, or from its gunzipped content: see
 * byte-source.ts) into one reused buffer, so memory stays constant however long the trace is. Readers parse bytes in place between `pos` and `complete`: every line that starts there
 * is whole and ends with "\n" (a missing final newline is supplied), so a parser never has to check for
 * the end of the buffer in the middle of a line. A line longer than the buffer grows it.
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

  /** Makes at least one more whole line available at `pos`. Returns false when the file has no bytes left. */
  refill(): boolean {
    while (this.pos >= this.complete) {
      if (!this.readMore()) return false;
    }
    return true;
  }

  /** Whether anything but blank lines and whitespace remains after `pos`, reading ahead (without consuming) as needed. */
  hasContentAhead(): boolean {
    let scanned = this.pos;
    for (;;) {
      const buf = this.buf;
      for (let i = scanned; i < this.end; i++) {
        const b = buf[i];
        if (b !== LF && b !== 13 && b !== 32 && b !== 9) return true;
      }
      scanned = this.end - this.pos;
      if (!this.readMore()) return false;
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
  private readMore(): boolean {
    if (this.eof || this.source === null) return false;
    let buf = this.buf;
    if (this.pos > 0) {
      buf.copy(buf, 0, this.pos, this.end);
      this.end -= this.pos;
      this.complete = Math.max(0, this.complete - this.pos);
      this.pos = 0;
    }
    if (this.end >= buf.length - 1) {
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
    this.end += bytesRead;
    this.complete = buf.lastIndexOf(LF, this.end - 1) + 1;
    return true;
  }
}
