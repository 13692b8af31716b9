import { OP_NAMES, type Op } from '../workload/access-event.js';

/** Text is flushed to the file once this much is buffered (and when the recording ends). */
const FLUSH_CHARS = 64 * 1024;

/** Where the trace's text goes (the CLI's output file); a failed append throws an error naming the file. */
export interface TraceTextSink {
  append(text: string): void;
}

/**
 * Writes requests as the canonical CSV trace (docs/trace-formats.md, "Canonical trace format"): the header
 * `timestamp,key,op,size,ttl`, then one request per line. A key with a comma or a double quote is
 * double-quoted ("" for a quote), as the CSV reader expects.
 */
export class CanonicalTraceWriter {
  private pending: string[] = [];
  private pendingChars = 0;
  private closed = false;

  constructor(private readonly sink: TraceTextSink) {
    this.append('timestamp,key,op,size,ttl\n');
  }

  /** `size` and `ttl`: null when not known / none (written as empty fields). */
  write(timestampMs: number, key: string, op: Op, size: number | null, ttlMs: number | null): void {
    const field = /[",]/.test(key) ? `"${key.replace(/"/g, '""')}"` : key;
    this.append(`${formatMs(timestampMs)},${field},${OP_NAMES[op]},${size ?? ''},${ttlMs === null ? '' : formatMs(ttlMs)}\n`);
  }

  flush(): void {
    if (this.pendingChars === 0 || this.closed) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    this.sink.append(text);
  }

  /** Writes what is buffered; nothing is written after. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }

  /** Drops what is buffered: the recording failed. */
  abandon(): void {
    this.pending = [];
    this.pendingChars = 0;
    this.closed = true;
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
