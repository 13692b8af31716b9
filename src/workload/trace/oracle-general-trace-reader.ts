import { InputError } from '../../errors.js';
import { type AccessBatch, OP_GET } from '../access-event.js';
import type { ByteSource } from './byte-source.js';
import { KeyInterner } from './key-interner.js';
import { MAX_SIZE } from './line-trace-reader.js';
import { DEFAULT_TRACE_CHUNK_BYTES } from './trace-file.js';
import type { TraceReader, TraceReaderSettings, TraceReadStats } from './trace-reader.js';

/**
 * libCacheSim's binary `oracleGeneral` trace (libCacheSim/traceReader/customizedReader/oracle/
 * oracleGeneralBin.h): fixed 24-byte little-endian records, no header,
 *
 *   u32 timestamp (s) · u64 obj_id · u32 obj_size (bytes) · i64 next_access_vtime
 *
 * Each record is a get (the format has no operation) of key obj_id, at (timestamp − the first record's
 * timestamp) × 1000 ms, of size obj_size, with no TTL. (Traces converted to this format often keep an
 * offset — CloudPhysics' starts at 65 days — which would make a run's time series start that far in.) next_access_vtime (the index of the next request to the object, for Belady) is
 * not needed to replay and is ignored. Messages number records from 1.
 *
 * The hot loop reads the records as 32-bit words in place; a 64-bit obj_id below 2^53 (every id in
 * practice) is interned by value, exactly like a decimal key of a CSV trace, after the batch is parsed
 * so that the lookups' cache misses overlap (see CsvTraceReader.resolveNumericKeys).
 */
export class OracleGeneralTraceReader implements TraceReader {
  private readonly interner = new KeyInterner();
  private readonly bytes: Uint8Array;
  private readonly words: Uint32Array;
  /** Record index (in the buffer) of the next record to parse, and how many whole records it holds. */
  private next = 0;
  private records = 0;
  /** Bytes read into the buffer (whole records, then a partial one). */
  private filled = 0;
  /** Records before the buffer's first, for messages. */
  private recordBase = 0;
  private eof = false;
  private lastTimestamp = 0;
  /** The first record's timestamp (s): time 0. */
  private firstTimestamp = -1;
  private failure: InputError | null = null;
  private skippedRecords = 0;
  private pending = new Float64Array(0);
  private source: ByteSource | null;

  constructor(
    source: ByteSource,
    private readonly displayName: string,
    private readonly settings: TraceReaderSettings,
    chunkBytes = DEFAULT_TRACE_CHUNK_BYTES,
  ) {
    this.source = source;
    const recordsPerChunk = Math.max(1, Math.floor(chunkBytes / RECORD_BYTES));
    const buffer = new ArrayBuffer(recordsPerChunk * RECORD_BYTES);
    this.bytes = new Uint8Array(buffer);
    this.words = new Uint32Array(buffer);
    if (!this.refill()) {
      if (this.failure !== null) throw this.failure;
      throw new InputError(`trace is empty (0 bytes): ${displayName}; expected libCacheSim oracleGeneral records of 24 bytes`);
    }
  }

  get keySpace(): number {
    return this.interner.size;
  }

  keyName(id: number): string {
    return this.interner.keyName(id);
  }

  stats(): TraceReadStats {
    return { skippedLines: this.skippedRecords, skippedCommands: new Map() };
  }

  close(): void {
    this.source?.close();
    this.source = null;
  }

  read(batch: AccessBatch, max: number): number {
    if (this.failure !== null) throw this.failure;
    const limit = Math.min(max, batch.capacity);
    if (this.pending.length < limit) this.pending = new Float64Array(limit);
    const { time, key, op, size, ttl } = batch;
    const pending = this.pending;
    const ordered = this.settings.requireOrderedTimestamps;
    let n = 0;
    while (n < limit) {
      if (this.next === this.records && !this.refill()) break;
      const words = this.words;
      let r = this.next;
      const stop = Math.min(this.records, r + (limit - n));
      if (this.firstTimestamp < 0) this.firstTimestamp = words[r * WORDS_PER_RECORD];
      const firstTimestamp = this.firstTimestamp;
      let lastTimestamp = this.lastTimestamp;
      /** First index of this stretch whose key may still be pending. */
      let pendingFrom = n;
      for (; r < stop; r++) {
        const w = r * WORDS_PER_RECORD;
        const timestamp = words[w];
        const low = words[w + 1];
        const high = words[w + 2];
        const objectSize = words[w + 3];
        if (objectSize > MAX_SIZE || (ordered && timestamp < lastTimestamp)) {
          this.resolvePending(key, pendingFrom, n);
          pendingFrom = n;
          this.next = r;
          this.lastTimestamp = lastTimestamp;
          if (!this.badRecord(r, timestamp, objectSize)) {
            if (n === 0) throw this.failure!;
            return n;
          }
          continue;
        }
        lastTimestamp = timestamp;
        time[n] = (timestamp - firstTimestamp) * 1000;
        op[n] = OP_GET;
        size[n] = objectSize;
        ttl[n] = 0;
        if (high < 0x200000) {
          pending[n] = high * 4294967296 + low;
          key[n] = PENDING_KEY;
        } else {
          // A 64-bit id beyond 2^53: interned at once, after the pending ones before it (first-seen order).
          this.resolvePending(key, pendingFrom, n);
          key[n] = this.interner.internUint64(low, high);
          pendingFrom = n + 1;
        }
        n++;
      }
      this.resolvePending(key, pendingFrom, n);
      this.lastTimestamp = lastTimestamp;
      this.next = r;
    }
    return n;
  }

  private resolvePending(keys: Int32Array, from: number, to: number): void {
    const pending = this.pending;
    const interner = this.interner;
    for (let i = from; i < to; i++) if (keys[i] === PENDING_KEY) keys[i] = interner.internNumber(pending[i]);
  }

  /** Handles record r (in the buffer), which is malformed: skips it (true) or records the failure (false). */
  private badRecord(r: number, timestamp: number, objectSize: number): boolean {
    const problem =
      objectSize > MAX_SIZE
        ? `obj_size ${objectSize} is above ${MAX_SIZE} bytes`
        : `timestamp ${timestamp} s is earlier than the previous record's ${this.lastTimestamp} s; sort the trace by time`;
    this.next = r + 1;
    return this.reportBad(this.recordBase + r + 1, problem, this.bytes.subarray(r * RECORD_BYTES, (r + 1) * RECORD_BYTES));
  }

  private reportBad(recordNumber: number, problem: string, bytes: Uint8Array): boolean {
    if (this.settings.skipBadLines) {
      this.skippedRecords++;
      return true;
    }
    this.failure = new InputError(
      `${this.displayName}: record ${recordNumber}: ${problem} (bytes: ${Buffer.from(bytes).toString('hex')})`,
    );
    return false;
  }

  /** Reads at least one more whole record into the buffer; false at the end (or at a truncated last record). */
  private refill(): boolean {
    if (this.source === null) return false;
    const bytes = this.bytes;
    const consumed = this.records * RECORD_BYTES;
    const partial = this.filled - consumed;
    if (partial > 0) bytes.copyWithin(0, consumed, this.filled);
    this.recordBase += this.records;
    this.filled = partial;
    this.next = 0;
    this.records = 0;
    while (!this.eof && this.filled < RECORD_BYTES) {
      const n = this.source.read(bytes, this.filled, bytes.length - this.filled);
      if (n === 0) this.eof = true;
      this.filled += n;
    }
    // Top up to a full buffer while the source has bytes at hand, so batches stay large.
    if (!this.eof && this.filled < bytes.length) {
      const n = this.source.read(bytes, this.filled, bytes.length - this.filled);
      if (n === 0) this.eof = true;
      this.filled += n;
    }
    this.records = Math.floor(this.filled / RECORD_BYTES);
    if (!LITTLE_ENDIAN) swapWords(bytes, this.records * RECORD_BYTES);
    if (this.records > 0) return true;
    if (this.filled > 0) {
      // The file ends inside a record.
      const recordNumber = this.recordBase + 1;
      const truncated = this.filled;
      this.filled = 0;
      if (
        !this.reportBad(
          recordNumber,
          `the file ends ${truncated} bytes into this record (records are ${RECORD_BYTES} bytes)`,
          bytes.subarray(0, truncated),
        )
      ) {
        return false;
      }
    }
    return false;
  }
}

const RECORD_BYTES = 24;
const WORDS_PER_RECORD = 6;
const PENDING_KEY = -2;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** On a big-endian machine: turns the little-endian 32-bit words of [0, length) into native ones. */
function swapWords(bytes: Uint8Array, length: number): void {
  for (let i = 0; i < length; i += 4) {
    const a = bytes[i];
    const b = bytes[i + 1];
    bytes[i] = bytes[i + 3];
    bytes[i + 1] = bytes[i + 2];
    bytes[i + 2] = b;
    bytes[i + 3] = a;
  }
}
