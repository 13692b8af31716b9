/**
 * Access events: `{ t, key, op, size, ttl }`. Everything upstream of the engine produces them; nothing
 * downstream knows where they came from. They travel in columnar batches of typed arrays that are
 * reused between pulls, so replaying a workload allocates nothing per request.
 */

export const OP_GET = 0;
export const OP_SET = 1;
export const OP_DELETE = 2;
export type Op = typeof OP_GET | typeof OP_SET | typeof OP_DELETE;
export const OP_NAMES = ['get', 'set', 'delete'] as const;

/** A batch of access events, struct-of-arrays. Index i < length is one event. */
export class AccessBatch {
  length = 0;
  /** Intended start (scheduled arrival), in milliseconds of the run's clock. */
  readonly time: Float64Array;
  /** Dense integer key id, 0 ≤ key < stream.keySpace. */
  readonly key: Int32Array;
  /** OP_GET | OP_SET | OP_DELETE */
  readonly op: Uint8Array;
  /** Object size in bytes (for a get: the size the object has when it is fetched and cached). */
  readonly size: Int32Array;
  /** Per-request TTL in milliseconds; 0 means none (the tier's TTL applies). */
  readonly ttl: Float64Array;

  constructor(readonly capacity = 4096) {
    this.time = new Float64Array(capacity);
    this.key = new Int32Array(capacity);
    this.op = new Uint8Array(capacity);
    this.size = new Int32Array(capacity);
    this.ttl = new Float64Array(capacity);
  }
}

/** A stream of access events, pulled in batches. Synchronous: the engine is a single-threaded loop. */
export interface AccessStream {
  /** Fills `batch` with up to `batch.capacity` events, sets `batch.length`, and returns it; 0 means the end. */
  next(batch: AccessBatch): number;
  /**
   * One more than the largest key id handed out so far (synthetic workloads: the whole keyspace from the
   * start; traces: grows as new keys are seen). Consumers size per-key arrays from it.
   */
  readonly keySpace: number;
  /** Whether `time` carries meaningful arrival times (false: "as fast as possible", a pure hit-ratio run). */
  readonly timed: boolean;
  /** The original name of a key id (traces: the key as written in the file). */
  keyName(id: number): string;
  /** Releases files or other resources. Safe to call twice. */
  close(): void;
  /** Traces only: what the reader skipped so far (malformed lines with skip_bad_lines; non-cache commands). */
  traceStats?(): TraceSkips;
}

export interface TraceSkips {
  /** Malformed lines (records, for binary formats) skipped because `skip_bad_lines` is on. */
  skippedLines: number;
  /** Valid lines that are no cache access, by what they are (redis-monitor: command name → count). */
  skippedCommands: ReadonlyMap<string, number>;
}
