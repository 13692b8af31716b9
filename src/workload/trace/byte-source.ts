import * as fs from 'node:fs';
import { InputError } from '../../errors.js';
import { GzipByteSource } from './gzip-byte-source.js';

/**
 * Where a trace's bytes come from, pulled synchronously because the engine pulls events synchronously:
 * the file itself, or its gunzipped content. Readers never know which.
 */
export interface ByteSource {
  /** Copies up to `length` bytes into into[offset, offset + length) and returns how many; 0 only at the end. */
  read(into: Uint8Array, offset: number, length: number): number;
  /** Releases the file (and the gunzip thread). Safe to call twice. */
  close(): void;
}

/** A file read with plain synchronous reads. */
export class FileByteSource implements ByteSource {
  constructor(
    private fd: number,
    private readonly displayName: string,
  ) {}

  read(into: Uint8Array, offset: number, length: number): number {
    try {
      return fs.readSync(this.fd, into, offset, length, null);
    } catch (error) {
      throw new InputError(`trace file could not be read: ${this.displayName}: ${(error as Error).message}`);
    }
  }

  close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

/**
 * A source whose first bytes were read ahead, so format detection can look at them (magic bytes, the
 * first line) and the chosen reader still receives the stream from its first byte.
 */
export class PeekedByteSource implements ByteSource {
  private headPos = 0;

  constructor(
    private readonly inner: ByteSource,
    /** The first bytes of the stream (fewer than asked only when the stream is that short). */
    readonly head: Uint8Array,
  ) {}

  read(into: Uint8Array, offset: number, length: number): number {
    if (this.headPos < this.head.length) {
      const n = Math.min(length, this.head.length - this.headPos);
      into.set(this.head.subarray(this.headPos, this.headPos + n), offset);
      this.headPos += n;
      return n;
    }
    return this.inner.read(into, offset, length);
  }

  close(): void {
    this.inner.close();
  }
}

/** How much of a trace's (decompressed) start format detection sees. */
export const HEAD_BYTES = 64 * 1024;

export interface OpenedTrace {
  source: PeekedByteSource;
  /** Whether the file is gzip (by its magic bytes 1f 8b, RFC 1952 §2.3.1), read through a gunzip thread. */
  gzip: boolean;
}

/**
 * Opens a trace file: checks it is a readable file, decides from its first two bytes whether it is gzip,
 * and reads the start of its content ahead for format detection. Every way opening can fail is an
 * InputError naming the file as written and as resolved.
 */
export function openTraceSource(path: string, displayName: string): OpenedTrace {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (error) {
    throw new InputError(describeOpenFailure(error, path, displayName));
  }
  let inner: ByteSource;
  let gzip = false;
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) {
      throw new InputError(`trace path is a directory, not a file: ${where(path, displayName)}`);
    }
    // A device (/dev/zero, /dev/urandom, a disk) never ends and holds no trace; a pipe may, and is read.
    if (stat.isCharacterDevice() || stat.isBlockDevice()) {
      throw new InputError(`trace path is a device, not a file: ${where(path, displayName)}; name a trace file (or a pipe)`);
    }
    const magic = Buffer.alloc(2);
    const n = fs.readSync(fd, magic, 0, 2, 0);
    gzip = n === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
    if (!gzip && path.toLowerCase().endsWith('.gz') && n > 0) {
      throw new InputError(
        `${displayName}: the name ends in .gz but the file is not gzip (it does not start with the bytes 1f 8b); rename it or recompress it`,
      );
    }
  } catch (error) {
    fs.closeSync(fd);
    if (error instanceof InputError) throw error;
    throw new InputError(`trace file could not be read: ${displayName}: ${(error as Error).message}`);
  }
  if (gzip) {
    fs.closeSync(fd); // the gunzip thread opens its own
    inner = new GzipByteSource(path, displayName);
  } else {
    inner = new FileByteSource(fd, displayName);
  }
  try {
    const head = new Uint8Array(HEAD_BYTES);
    let filled = 0;
    while (filled < head.length) {
      const n = inner.read(head, filled, head.length - filled);
      if (n === 0) break;
      filled += n;
    }
    return { source: new PeekedByteSource(inner, head.subarray(0, filled)), gzip };
  } catch (error) {
    inner.close();
    throw error;
  }
}

function where(path: string, displayName: string): string {
  return path === displayName ? displayName : `${displayName} (resolved to ${path})`;
}

function describeOpenFailure(error: unknown, path: string, displayName: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return `trace file not found: ${where(path, displayName)}`;
    case 'EACCES':
    case 'EPERM':
      return `trace file is not readable (permission denied): ${where(path, displayName)}`;
    case 'EISDIR':
      return `trace path is a directory, not a file: ${where(path, displayName)}`;
    default:
      return `trace file could not be opened: ${where(path, displayName)}: ${(error as Error).message}`;
  }
}
