import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { InputError, RunFailure } from '../errors.js';
import { OP_NAMES, type Op } from '../workload/access-event.js';

/** Text is flushed to the file once this much is buffered (and when the recording ends). */
const FLUSH_CHARS = 64 * 1024;

/**
 * Writes requests as the canonical CSV trace (README, "Canonical trace format"): the header
 * `timestamp,key,op,size,ttl`, then one request per line. A key with a comma or a double quote is
 * double-quoted ("" for a quote), as the CSV reader expects. The file is opened at once, so a bad path
 * fails before anything is captured.
 */
export class CanonicalTraceWriter {
  private fd: number;
  private pending: string[] = [];
  private pendingChars = 0;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'w');
    } catch (error) {
      throw new InputError(`--out ${path}: cannot write there (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    this.append('timestamp,key,op,size,ttl\n');
  }

  /** `size` and `ttl`: null when not known / none (written as empty fields). */
  write(timestampMs: number, key: string, op: Op, size: number | null, ttlMs: number | null): void {
    const field = /[",]/.test(key) ? `"${key.replace(/"/g, '""')}"` : key;
    this.append(`${formatMs(timestampMs)},${field},${OP_NAMES[op]},${size ?? ''},${ttlMs === null ? '' : formatMs(ttlMs)}\n`);
  }

  flush(): void {
    if (this.pendingChars === 0 || this.fd < 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    try {
      writeSync(this.fd, text);
    } catch (error) {
      throw new RunFailure(`--out ${this.path}: write failed (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }

  /** Closes and removes the file: nothing was recorded (the server could not be reached). */
  abandon(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone: nothing to clean up.
    }
  }

  private append(text: string): void {
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= FLUSH_CHARS) this.flush();
  }
}

/** Milliseconds with at most 3 decimals (MONITOR's microseconds), without trailing zeros. */
function formatMs(ms: number): string {
  return String(Math.round(ms * 1000) / 1000);
}
