import { InputError } from '../../errors.js';
import type { DelimitedTraceSpec, TraceFormat } from '../../scenario/scenario.js';
import type { AccessBatch, TraceSkips } from '../access-event.js';
import { openTraceSource } from './byte-source.js';
import { CsvTraceReader } from './csv-trace-reader.js';
import { DelimitedTraceReader } from './delimited-trace-reader.js';
import { detectTraceFormat, TRACE_FORMATS } from './format-detection.js';
import { JsonlTraceReader } from './jsonl-trace-reader.js';
import { KeyPerLineTraceReader } from './key-per-line-trace-reader.js';
import { OracleGeneralTraceReader } from './oracle-general-trace-reader.js';
import { RedisMonitorTraceReader } from './redis-monitor-trace-reader.js';
import { DEFAULT_TRACE_CHUNK_BYTES, TraceFile } from './trace-file.js';
import { TwitterTraceReader } from './twitter-trace-reader.js';

/**
 * One reader per trace format. A reader turns a file into access events with the trace's own timestamps;
 * arrival re-timing and request/duration limits are the trace workload's job, not the reader's.
 */
export interface TraceReader {
  /**
   * Fills batch[0, n) with the next n ≤ max events (`time` = the trace's timestamp in ms) and returns n;
   * 0 means the trace is over. A malformed line throws an InputError naming the file, the line and the
   * text — after the events before it have been returned by an earlier call — unless bad lines are
   * skipped (then it is counted in `stats().skippedLines`).
   */
  read(batch: AccessBatch, max: number): number;
  /** One more than the largest key id handed out so far. */
  readonly keySpace: number;
  /** The key as written in the trace. */
  keyName(id: number): string;
  /** What was left out so far. */
  stats(): TraceReadStats;
  close(): void;
}

/** What a reader skipped: the same record an access stream reports. */
export type TraceReadStats = TraceSkips;

export interface TraceReaderOptions {
  /** The path as the user wrote it, used in every message. Defaults to `file`. */
  displayName?: string;
  /** Bytes per read; tests shrink it to put lines across chunk boundaries. */
  chunkBytes?: number;
  /** Reject a timestamp earlier than the one before it (true for any replay that uses trace time). */
  requireOrderedTimestamps?: boolean;
  /** Skip and count malformed lines instead of stopping at the first (`--skip-bad-lines`). */
  skipBadLines?: boolean;
  /** The column mapping; required for the `delimited` format, ignored by the others. */
  delimited?: DelimitedTraceSpec;
}

/** What every line-based reader is given besides its file. */
export interface TraceReaderSettings {
  requireOrderedTimestamps: boolean;
  skipBadLines: boolean;
}

type TextReaderFactory = (file: TraceFile, settings: TraceReaderSettings, options: TraceReaderOptions) => TraceReader;

const TEXT_READERS: Record<Exclude<TraceFormat, 'oracleGeneral'>, TextReaderFactory> = {
  csv: (file, settings) => new CsvTraceReader(file, settings),
  jsonl: (file, settings) => new JsonlTraceReader(file, settings),
  delimited: (file, settings, options) => {
    if (options.delimited === undefined) {
      throw new InputError(
        `${file.displayName}: format delimited needs a column mapping (workload.columns, e.g. columns: { time: 0, key: 1 })`,
      );
    }
    return new DelimitedTraceReader(file, settings, options.delimited);
  },
  twitter: (file, settings) => new TwitterTraceReader(file, settings),
  'redis-monitor': (file, settings) => new RedisMonitorTraceReader(file, settings),
  'key-per-line': (file, settings) => new KeyPerLineTraceReader(file, settings),
};

/**
 * Opens `file` (an absolute path) in the given format; `auto` detects it (format-detection.ts). A gzip
 * file (magic bytes 1f 8b) is decompressed on the fly, whatever the format.
 */
export function openTraceReader(file: string, format: TraceFormat | 'auto', options: TraceReaderOptions = {}): TraceReader {
  const displayName = options.displayName ?? file;
  const { source } = openTraceSource(file, displayName);
  try {
    const chosen = format === 'auto' ? detectTraceFormat(file, source.head, displayName) : format;
    if (!(TRACE_FORMATS as readonly string[]).includes(chosen)) {
      throw new InputError(`unknown trace format "${chosen}" for ${displayName}; valid: auto, ${TRACE_FORMATS.join(', ')}`);
    }
    const settings: TraceReaderSettings = {
      requireOrderedTimestamps: options.requireOrderedTimestamps ?? true,
      skipBadLines: options.skipBadLines ?? false,
    };
    if (chosen === 'oracleGeneral') return new OracleGeneralTraceReader(source, displayName, settings, options.chunkBytes);
    const traceFile = new TraceFile(source, displayName, options.chunkBytes ?? DEFAULT_TRACE_CHUNK_BYTES);
    return TEXT_READERS[chosen](traceFile, settings, options);
  } catch (error) {
    source.close();
    throw error;
  }
}
