import * as path from 'node:path';
import { InputError } from '../../errors.js';
import type { TraceFormat } from '../../scenario/scenario.js';
import type { AccessBatch } from '../access-event.js';
import { CsvTraceReader } from './csv-trace-reader.js';
import { JsonlTraceReader } from './jsonl-trace-reader.js';
import { DEFAULT_TRACE_CHUNK_BYTES, TraceFile } from './trace-file.js';

/**
 * One reader per trace format. A reader turns a file into access events with the trace's own timestamps;
 * arrival re-timing and request/duration limits are the trace workload's job, not the reader's.
 */
export interface TraceReader {
  /**
   * Fills batch[0, n) with the next n ≤ max events (`time` = the line's timestamp in ms) and returns n;
   * 0 means the trace is over. A malformed line throws an InputError naming the file, the line and the
   * text — after the events before it have been returned by an earlier call.
   */
  read(batch: AccessBatch, max: number): number;
  /** One more than the largest key id handed out so far. */
  readonly keySpace: number;
  /** The key as written in the trace. */
  keyName(id: number): string;
  close(): void;
}

export interface TraceReaderOptions {
  /** The path as the user wrote it, used in every message. Defaults to `file`. */
  displayName?: string;
  /** Bytes per read; tests shrink it to put lines across chunk boundaries. */
  chunkBytes?: number;
  /** Reject a timestamp earlier than the one before it (true for any replay that uses trace time). */
  requireOrderedTimestamps?: boolean;
}

const READERS: Record<TraceFormat, new (file: TraceFile, requireOrderedTimestamps: boolean) => TraceReader> = {
  csv: CsvTraceReader,
  jsonl: JsonlTraceReader,
};

/** Opens `file` (an absolute path) in the given format; `auto` picks by extension, then by content. */
export function openTraceReader(file: string, format: TraceFormat | 'auto', options: TraceReaderOptions = {}): TraceReader {
  const displayName = options.displayName ?? file;
  const traceFile = TraceFile.open(file, displayName, options.chunkBytes ?? DEFAULT_TRACE_CHUNK_BYTES);
  try {
    const chosen = format === 'auto' ? detectFormat(file, traceFile) : format;
    const Reader = READERS[chosen];
    if (Reader === undefined) {
      throw new InputError(
        `unknown trace format "${chosen}" for ${displayName}; valid: auto, ${Object.keys(READERS).join(', ')}`,
      );
    }
    return new Reader(traceFile, options.requireOrderedTimestamps ?? true);
  } catch (error) {
    traceFile.close();
    throw error;
  }
}

/** `.jsonl`/`.ndjson` → JSON Lines, `.csv` → CSV; otherwise a first non-blank byte of "{" means JSON Lines. */
function detectFormat(file: string, traceFile: TraceFile): TraceFormat {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  if (extension === '.csv') return 'csv';
  if (!traceFile.hasContentAhead()) return 'csv'; // the CSV reader reports the empty file
  const buf = traceFile.buf;
  let i = traceFile.pos;
  // Skip a UTF-8 byte-order mark and blank space.
  if (buf[i] === 0xef && buf[i + 1] === 0xbb && buf[i + 2] === 0xbf) i += 3;
  while (buf[i] === 10 || buf[i] === 13 || buf[i] === 32 || buf[i] === 9) i++;
  return buf[i] === 0x7b ? 'jsonl' : 'csv';
}
