import { InputError } from '../../errors.js';
import { RandomSource } from '../../random/random-source.js';
import type { TraceWorkloadSpec } from '../../scenario/scenario.js';
import type { AccessBatch, AccessStream } from '../access-event.js';
import { type ArrivalProcess, createArrivalProcess, isGeneratedArrival } from '../arrival-process.js';
import { openTraceReader, type TraceReader, type TraceReaderOptions, type TraceReadStats } from './trace-reader.js';

/**
 * A recorded trace replayed as an access stream. The arrival spec decides what `time` means:
 *
 *   none      time = timestamp − first timestamp (it still drives TTL expiry and staleness ages); timed = false
 *   trace     time = (timestamp − first timestamp) / speed; timed = true
 *   poisson,  time = a generated arrival schedule (seeded); the trace's timestamps are ignored and
 *   constant  need not be ordered
 *
 * Times start at 0 either way: a trace stamped in Unix milliseconds must not start its run's clock (and
 * its time series) 56 years in.
 *
 * Per-request TTLs are kept as written, whatever the speed. `requests` caps the number of events;
 * `duration` stops at the first event whose time since the start is at or past it.
 */
export class TraceWorkload implements AccessStream {
  readonly timed: boolean;
  private readonly reader: TraceReader;
  private readonly arrivals: ArrivalProcess | null;
  private readonly speed: number;
  private readonly requestLimit: number;
  private readonly durationLimit: number;
  private firstTimestamp = Number.NaN;
  private emitted = 0;
  private ended = false;

  constructor(spec: TraceWorkloadSpec, seed: number, options: Pick<TraceReaderOptions, 'chunkBytes'> = {}) {
    const arrival = spec.arrival;
    if (spec.requests !== null && !(Number.isInteger(spec.requests) && spec.requests >= 0)) {
      throw new InputError(`workload.requests must be a whole number ≥ 0, got ${spec.requests}`);
    }
    if (spec.duration !== null && !(spec.duration >= 0)) {
      throw new InputError(`workload.duration must be ≥ 0 ms, got ${spec.duration}`);
    }
    if (arrival.type === 'trace' && !(arrival.speed > 0 && Number.isFinite(arrival.speed))) {
      throw new InputError(`arrival speed must be a number > 0 (2 replays twice as fast), got ${arrival.speed}`);
    }
    this.arrivals = isGeneratedArrival(arrival) ? createArrivalProcess(arrival, RandomSource.derive(seed, 'arrivals')) : null;
    this.speed = arrival.type === 'trace' ? arrival.speed : 1;
    this.timed = arrival.type !== 'none';
    this.requestLimit = spec.requests ?? Number.POSITIVE_INFINITY;
    this.durationLimit = spec.duration ?? Number.POSITIVE_INFINITY;
    this.reader = openTraceReader(spec.path, spec.format, {
      displayName: spec.path_as_written,
      chunkBytes: options.chunkBytes,
      requireOrderedTimestamps: this.arrivals === null,
      skipBadLines: spec.skip_bad_lines === true,
      delimited: spec.delimited,
    });
  }

  get keySpace(): number {
    return this.reader.keySpace;
  }

  next(batch: AccessBatch): number {
    let n = 0;
    if (!this.ended) {
      const room = Math.min(batch.capacity, this.requestLimit - this.emitted);
      n = room > 0 ? this.reader.read(batch, room) : 0;
      if (n > 0) n = this.applyArrivals(batch, n);
      this.emitted += n;
      if (n === 0 || this.emitted >= this.requestLimit) this.ended = true;
    }
    batch.length = n;
    return n;
  }

  keyName(id: number): string {
    return this.reader.keyName(id);
  }

  /** Lines skipped as malformed (with skip_bad_lines) and, for MONITOR logs, commands that are no access. */
  traceStats(): TraceReadStats {
    return this.reader.stats();
  }

  close(): void {
    this.reader.close();
  }

  /** Rewrites batch.time[0, n) per the arrival spec and applies the duration; returns how many events remain. */
  private applyArrivals(batch: AccessBatch, n: number): number {
    const time = batch.time;
    if (Number.isNaN(this.firstTimestamp)) this.firstTimestamp = time[0];
    const first = this.firstTimestamp;
    if (this.arrivals !== null) {
      for (let i = 0; i < n; i++) time[i] = this.arrivals.next();
    } else {
      const speed = this.speed;
      for (let i = 0; i < n; i++) time[i] = (time[i] - first) / speed;
    }
    const limit = this.durationLimit;
    if (limit !== Number.POSITIVE_INFINITY) {
      for (let i = 0; i < n; i++) {
        if (time[i] >= limit) {
          this.ended = true;
          return i;
        }
      }
    }
    return n;
  }
}
