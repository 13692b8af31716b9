import * as fs from 'node:fs';
import { InputError } from '../../errors.js';

const LF = 10;

/** Default read size: large enough that the read syscalls vanish from profiles, small enough to stay in L2/L3. */
export const DEFAULT_TRACE_CHUNK_BYTES = 1 << 20;

/**
 * A trace file read synchronously in chunks into one reused buffer, so memory stays constant however long
 * the trace is. Readers parse bytes in place between `pos` and `complete`: every line that starts there
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
  private fd: number;

  private constructor(
    fd: number,
    chunkBytes: number,
    /** The path as the user wrote it, for messages. */
    readonly displayName: string,
  ) {
    this.fd = fd;
    this.buf = Buffer.allocUnsafe(chunkBytes);
  }

  /** Opens `path`, turning every way that can fail into a message naming the file as written and as resolved. */
  static open(path: string, displayName: string, chunkBytes = DEFAULT_TRACE_CHUNK_BYTES): TraceFile {
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch (error) {
      throw new InputError(describeOpenFailure(error, path, displayName));
    }
    try {
      if (fs.fstatSync(fd).isDirectory()) {
        throw new InputError(`trace path is a directory, not a file: ${displayName} (resolved to ${path})`);
      }
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
    return new TraceFile(fd, Math.max(16, Math.floor(chunkBytes)), displayName);
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

  close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }

  /**
   * Reads more of the file after `end`, first moving the unconsumed tail [pos, end) to the front and
   * doubling the buffer if that tail fills it. Returns false once the file is exhausted.
   */
  private readMore(): boolean {
    if (this.eof || this.fd < 0) return false;
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
    let bytesRead: number;
    try {
      // Leave one byte spare for the "\n" a final line without one gets.
      bytesRead = fs.readSync(this.fd, buf, this.end, buf.length - 1 - this.end, null);
    } catch (error) {
      throw new InputError(`trace file could not be read: ${this.displayName}: ${(error as Error).message}`);
    }
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

function describeOpenFailure(error: unknown, path: string, displayName: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  const where = path === displayName ? displayName : `${displayName} (resolved to ${path})`;
  switch (code) {
    case 'ENOENT':
      return `trace file not found: ${where}`;
    case 'EACCES':
    case 'EPERM':
      return `trace file is not readable (permission denied): ${where}`;
    case 'EISDIR':
      return `trace path is a directory, not a file: ${where}`;
    default:
      return `trace file could not be opened: ${where}: ${(error as Error).message}`;
  }
}
