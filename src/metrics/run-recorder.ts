import type { AgeSummary, CacheMetrics, LatencySummary, RunMetrics, TimeseriesPoint } from '../result/run-result.js';
import { LatencyHistogram, type LatencyHistogramState } from './latency-histogram.js';
import { SlidingWindowPeak } from './sliding-window-peak.js';
import { TimeseriesRecorder, type TimeseriesState } from './timeseries-recorder.js';

export const QPS_WINDOW_MS = 1000;

/** Tracks db.qps_peak from DB submission times given in time order (SlidingWindowPeak over QPS_WINDOW_MS). */
export interface QueryRatePeak {
  record(time: number): void;
  readonly peak: number;
}

/**
 * What a recorder counted, as plain data for another thread (structured clone): every counter and
 * histogram, exactly. Not the DB peak: a peak over sliding windows cannot be merged from per-part
 * peaks, so whoever merges feeds the union of the parts' DB submission times, in time order, to the
 * merged recorder's QueryRatePeak.
 */
export interface RunRecorderState {
  counts: {
    requests: number;
    reads: number;
    writes: number;
    deletes: number;
    errors: number;
    hits: number;
    misses: number;
    hitBytes: number;
    readBytes: number;
    dbReads: number;
    dbWrites: number;
    dbTimeouts: number;
    duplicateFetches: number;
    staleReads: number;
    budgetViolations: number;
  };
  /** Maxima: max over the parts. */
  dbMaxInflight: number;
  maxConcurrentFetchesPerKey: number;
  firstStart: number;
  lastEnd: number;
  histograms: Record<(typeof HISTOGRAMS)[number], LatencyHistogramState>;
  timeseries: TimeseriesState;
}

const HISTOGRAMS = ['latency', 'readLatency', 'writeLatency', 'hitLatency', 'missLatency', 'queueWait', 'staleAge'] as const;
const COUNTS = [
  'requests',
  'reads',
  'writes',
  'deletes',
  'errors',
  'hits',
  'misses',
  'hitBytes',
  'readBytes',
  'dbReads',
  'dbWrites',
  'dbTimeouts',
  'duplicateFetches',
  'staleReads',
  'budgetViolations',
] as const;

/**
 * Everything one run measures, as docs/metrics.md defines it. The engine calls the `record*`/`count*` methods
 * from its hot loop (no allocation there); `metrics()` turns the counters and histograms into the
 * result's RunMetrics once, at the end.
 */
export class RunRecorder {
  requests = 0;
  reads = 0;
  writes = 0;
  deletes = 0;
  errors = 0;
  hits = 0;
  misses = 0;
  private hitBytes = 0;
  private readBytes = 0;

  readonly latency = new LatencyHistogram(3);
  private readonly readLatency = new LatencyHistogram(3);
  private readonly writeLatency = new LatencyHistogram(3);
  private readonly hitLatency = new LatencyHistogram(3);
  private readonly missLatency = new LatencyHistogram(3);

  dbReads = 0;
  dbWrites = 0;
  dbTimeouts = 0;
  dbMaxInflight = 0;
  private readonly queueWait = new LatencyHistogram(3);

  duplicateFetches = 0;
  maxConcurrentFetchesPerKey = 0;

  staleReads = 0;
  budgetViolations = 0;
  private readonly staleAge = new LatencyHistogram(3);

  private firstStart = Number.POSITIVE_INFINITY;
  private lastEnd = Number.NEGATIVE_INFINITY;

  readonly timeseries: TimeseriesRecorder;

  /**
   * The warm-up: a request whose intended start is before this is run but not measured — none of its
   * counts, latencies, DB queries or time-series points (as live mode's warm-up recorder). −∞: no warm-up;
   * +∞ while a warm-up counted in requests has not ended. Cache churn (evictions, peak entries) is the
   * cache's own and covers the whole run.
   */
  measuredFrom = Number.NEGATIVE_INFINITY;

  /**
   * @param timed whether requests take time (latency, qps and queue metrics exist)
   * @param hasClock whether event times mean anything (staleness ages exist)
   * @param dbPeak where DB submission times go for db.qps_peak (a merging recorder is given the one it feeds)
   */
  constructor(
    private readonly timed: boolean,
    readonly hasClock: boolean,
    private readonly maxStalenessMs: number | null,
    timeseriesWindowMs: number,
    private readonly dbPeak: QueryRatePeak = new SlidingWindowPeak(QPS_WINDOW_MS),
  ) {
    this.timeseries = new TimeseriesRecorder(timeseriesWindowMs);
  }

  /** A request arrives (its intended start). */
  arrival(start: number, op: number): void {
    if (start < this.measuredFrom) return;
    this.requests++;
    if (op === 0) this.reads++;
    else if (op === 1) this.writes++;
    else this.deletes++;
    if (start < this.firstStart) this.firstStart = start;
    if (this.hasClock) this.timeseries.request(start);
  }

  /** A read's cache outcome. */
  readOutcome(start: number, hit: boolean, size: number): void {
    if (start < this.measuredFrom) return;
    this.readBytes += size;
    if (hit) {
      this.hits++;
      this.hitBytes += size;
    } else {
      this.misses++;
    }
    if (this.hasClock) this.timeseries.read(start, hit);
  }

  /**
   * The cache-independent half of `readOutcome`, for replays that record the outcomes elsewhere (a sweep's
   * lanes, engine/hit-ratio-replay.ts): a read of `size` bytes arrived at `start`.
   */
  readArrived(start: number, size: number): void {
    if (start < this.measuredFrom) return;
    this.readBytes += size;
    if (this.hasClock) this.timeseries.read(start, false);
  }

  /**
   * The other half, counted by the caller: `hits` and `misses` reads (every miss one DB read, none of them
   * concurrent with another of its key: a replay without timing), `hitBytes` served from the cache.
   * The time series' hits come separately (TimeseriesRecorder.addHits).
   */
  readOutcomes(hits: number, misses: number, hitBytes: number): void {
    this.hits += hits;
    this.misses += misses;
    this.hitBytes += hitBytes;
    this.dbReads += misses;
    if (misses > 0 && this.maxConcurrentFetchesPerKey < 1) this.maxConcurrentFetchesPerKey = 1;
  }

  /**
   * Miniature simulation (engine/miniature-lane.ts): the sample's read outcomes (and their DB reads) replaced
   * by the whole stream's estimates, its stale reads and budget violations scaled by `staleScale`.
   */
  replaceReadOutcomes(hits: number, misses: number, hitBytes: number, staleScale: number): void {
    this.dbReads += misses - this.misses;
    this.hits = hits;
    this.misses = misses;
    this.hitBytes = hitBytes;
    this.staleReads = Math.round(this.staleReads * staleScale);
    this.budgetViolations = Math.round(this.budgetViolations * staleScale);
  }

  /** A read served version that was superseded `ageMs` ago. */
  staleRead(start: number, ageMs: number): void {
    if (start < this.measuredFrom) return;
    this.staleReads++;
    if (this.hasClock) {
      this.staleAge.recordMs(ageMs);
      if (this.maxStalenessMs !== null && ageMs > this.maxStalenessMs) this.budgetViolations++;
      this.timeseries.staleRead(start);
    }
  }

  /** A read completed (hit or miss) at `end`. */
  readCompleted(start: number, end: number, hit: boolean): void {
    if (start < this.measuredFrom) return;
    const ms = end - start;
    this.latency.recordMs(ms);
    this.readLatency.recordMs(ms);
    (hit ? this.hitLatency : this.missLatency).recordMs(ms);
    this.timeseries.latencyMs(start, ms);
    if (end > this.lastEnd) this.lastEnd = end;
  }

  /** A write or delete was acknowledged at `end`. */
  writeCompleted(start: number, end: number): void {
    if (start < this.measuredFrom) return;
    const ms = end - start;
    this.latency.recordMs(ms);
    this.writeLatency.recordMs(ms);
    this.timeseries.latencyMs(start, ms);
    if (end > this.lastEnd) this.lastEnd = end;
  }

  /** Told of every failed request's end, warm-up included (a live run's errors per wall-clock second); null: nobody. */
  onFailure: ((end: number) => void) | null = null;

  /** A request failed (DB timeout or down, cache down under on_cache_error: fail) at `end`; its latency counts. */
  requestFailed(start: number, end: number, isRead: boolean): void {
    if (this.onFailure !== null) this.onFailure(end);
    if (start < this.measuredFrom) return;
    this.errors++;
    if (this.hasClock) this.timeseries.error(start);
    if (isRead) this.readCompleted(start, end, false);
    else this.writeCompleted(start, end);
  }

  /** A query was submitted to the database at `time`, for a request that started at `start`. */
  dbSubmitted(time: number, isRead: boolean, start = time): void {
    if (start < this.measuredFrom) return;
    if (isRead) this.dbReads++;
    else this.dbWrites++;
    if (this.timed) {
      this.dbPeak.record(time);
      if (this.hasClock) this.timeseries.dbQuery(time);
    }
  }

  dbStarted(waitMs: number, inflight: number, time = 0, start = time): void {
    if (start < this.measuredFrom) return;
    this.queueWait.recordMs(waitMs);
    if (inflight > this.dbMaxInflight) this.dbMaxInflight = inflight;
    if (this.hasClock) this.timeseries.dbInflight(time, inflight);
  }

  /** A lookup in the local tier (1) or the shared tier (2) of a two-tier topology, for the per-tier time series. */
  tierLookup(start: number, tier: number, hit: boolean): void {
    if (start < this.measuredFrom) return;
    if (this.hasClock) this.timeseries.tierLookup(start, tier, hit);
  }

  /** A DB read was submitted while `inflightForKey` − 1 others of that key were in flight. */
  fetchStarted(inflightForKey: number, start = Number.POSITIVE_INFINITY): void {
    if (start < this.measuredFrom) return;
    if (inflightForKey > 1) this.duplicateFetches++;
    if (inflightForKey > this.maxConcurrentFetchesPerKey) this.maxConcurrentFetchesPerKey = inflightForKey;
  }

  /** A DB query of a request that started at `start` timed out. */
  dbTimedOut(start: number): void {
    if (start >= this.measuredFrom) this.dbTimeouts++;
  }

  /** Every counter and histogram as plain data (see RunRecorderState). */
  state(): RunRecorderState {
    const counts = {} as RunRecorderState['counts'];
    for (const name of COUNTS) counts[name] = this[name];
    const histograms = {} as RunRecorderState['histograms'];
    for (const name of HISTOGRAMS) histograms[name] = this[name].state();
    return {
      counts,
      dbMaxInflight: this.dbMaxInflight,
      maxConcurrentFetchesPerKey: this.maxConcurrentFetchesPerKey,
      firstStart: this.firstStart,
      lastEnd: this.lastEnd,
      histograms,
      timeseries: this.timeseries.state(),
    };
  }

  /**
   * Adds what another recorder of the same run counted (a run split over threads, each recording its
   * own requests on the same clock): counts add, maxima take the larger, histograms and time series
   * merge exactly. The DB peak is not in the state (see RunRecorderState).
   */
  add(other: RunRecorderState): void {
    for (const name of COUNTS) this[name] += other.counts[name];
    for (const name of HISTOGRAMS) this[name].addState(other.histograms[name]);
    this.dbMaxInflight = Math.max(this.dbMaxInflight, other.dbMaxInflight);
    this.maxConcurrentFetchesPerKey = Math.max(this.maxConcurrentFetchesPerKey, other.maxConcurrentFetchesPerKey);
    this.firstStart = Math.min(this.firstStart, other.firstStart);
    this.lastEnd = Math.max(this.lastEnd, other.lastEnd);
    this.timeseries.add(other.timeseries);
  }

  metrics(cache: CacheMetrics | null): RunMetrics {
    const durationMs = this.timed && this.lastEnd > this.firstStart ? this.lastEnd - this.firstStart : 0;
    const queries = this.dbReads + this.dbWrites;
    const timed = this.timed;
    return {
      requests: this.requests,
      reads: this.reads,
      writes: this.writes,
      deletes: this.deletes,
      errors: this.errors,
      hits: this.hits,
      misses: this.misses,
      hit_rate: this.reads > 0 ? this.hits / this.reads : null,
      byte_hit_rate: this.readBytes > 0 ? this.hitBytes / this.readBytes : null,
      duration_ms: durationMs,
      latency_ms: timed ? summarize(this.latency) : null,
      latency_by_kind_ms: {
        reads: timed ? summarize(this.readLatency) : null,
        writes: timed ? summarize(this.writeLatency) : null,
        hits: timed ? summarize(this.hitLatency) : null,
        misses: timed ? summarize(this.missLatency) : null,
      },
      db: {
        queries,
        reads: this.dbReads,
        writes: this.dbWrites,
        qps_mean: timed && durationMs > 0 ? queries / (durationMs / 1000) : null,
        qps_peak: timed ? this.dbPeak.peak : null,
        max_inflight: this.dbMaxInflight,
        queue_wait_ms: timed
          ? { mean: this.queueWait.meanMs(), ...ages(this.queueWait) }
          : { mean: null, p50: null, p99: null, max: null },
        timeouts: this.dbTimeouts,
      },
      herd: {
        duplicate_fetches: this.duplicateFetches,
        max_concurrent_fetches_per_key: this.maxConcurrentFetchesPerKey,
      },
      staleness: {
        stale_reads: this.staleReads,
        stale_rate: this.reads > 0 ? this.staleReads / this.reads : null,
        age_ms: ages(this.staleAge),
        budget_violations: this.budgetViolations,
        max_staleness_ms: this.maxStalenessMs,
      },
      cache,
      offload: null,
    };
  }

  /** Every request's latency as an encoded HdrHistogram (µs); empty without timing. */
  encodedLatency(): string {
    return this.timed ? this.latency.encode() : '';
  }

  timeseriesPoints(): TimeseriesPoint[] {
    return this.hasClock ? this.timeseries.points() : [];
  }
}

function summarize(h: LatencyHistogram): LatencySummary {
  return {
    count: h.count,
    mean: h.meanMs(),
    p50: h.percentileMs(50),
    p90: h.percentileMs(90),
    p99: h.percentileMs(99),
    p999: h.percentileMs(99.9),
    max: h.maxMs(),
  };
}

function ages(h: LatencyHistogram): AgeSummary {
  return { p50: h.percentileMs(50), p99: h.percentileMs(99), max: h.maxMs() };
}
