import type { AgeSummary, CacheMetrics, LatencySummary, RunMetrics, TimeseriesPoint } from '../result/run-result.js';
import { LatencyHistogram } from './latency-histogram.js';
import { SlidingWindowPeak } from './sliding-window-peak.js';
import { TimeseriesRecorder } from './timeseries-recorder.js';

const QPS_WINDOW_MS = 1000;

/**
 * Everything one run measures, as DESIGN.md defines it. The engine calls the `record*`/`count*` methods
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
  private readonly dbPeak = new SlidingWindowPeak(QPS_WINDOW_MS);
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
   * @param timed whether requests take time (latency, qps and queue metrics exist)
   * @param hasClock whether event times mean anything (staleness ages exist)
   */
  constructor(
    private readonly timed: boolean,
    private readonly hasClock: boolean,
    private readonly maxStalenessMs: number | null,
    timeseriesWindowMs: number,
  ) {
    this.timeseries = new TimeseriesRecorder(timeseriesWindowMs);
  }

  /** A request arrives (its intended start). */
  arrival(start: number, op: number): void {
    this.requests++;
    if (op === 0) this.reads++;
    else if (op === 1) this.writes++;
    else this.deletes++;
    if (start < this.firstStart) this.firstStart = start;
    if (this.hasClock) this.timeseries.request(start);
  }

  /** A read's cache outcome. */
  readOutcome(start: number, hit: boolean, size: number): void {
    this.readBytes += size;
    if (hit) {
      this.hits++;
      this.hitBytes += size;
    } else {
      this.misses++;
    }
    if (this.hasClock) this.timeseries.read(start, hit);
  }

  /** A read served version that was superseded `ageMs` ago. */
  staleRead(start: number, ageMs: number): void {
    this.staleReads++;
    if (this.hasClock) {
      this.staleAge.recordMs(ageMs);
      if (this.maxStalenessMs !== null && ageMs > this.maxStalenessMs) this.budgetViolations++;
      this.timeseries.staleRead(start);
    }
  }

  /** A read completed (hit or miss) at `end`. */
  readCompleted(start: number, end: number, hit: boolean): void {
    const ms = end - start;
    this.latency.recordMs(ms);
    this.readLatency.recordMs(ms);
    (hit ? this.hitLatency : this.missLatency).recordMs(ms);
    this.timeseries.latencyMs(start, ms);
    if (end > this.lastEnd) this.lastEnd = end;
  }

  /** A write or delete was acknowledged at `end`. */
  writeCompleted(start: number, end: number): void {
    const ms = end - start;
    this.latency.recordMs(ms);
    this.writeLatency.recordMs(ms);
    this.timeseries.latencyMs(start, ms);
    if (end > this.lastEnd) this.lastEnd = end;
  }

  /** A request failed (DB timeout or down, cache down under on_cache_error: fail) at `end`; its latency counts. */
  requestFailed(start: number, end: number, isRead: boolean): void {
    this.errors++;
    if (this.hasClock) this.timeseries.error(start);
    if (isRead) this.readCompleted(start, end, false);
    else this.writeCompleted(start, end);
  }

  /** A query was submitted to the database at `time`. */
  dbSubmitted(time: number, isRead: boolean): void {
    if (isRead) this.dbReads++;
    else this.dbWrites++;
    if (this.timed) {
      this.dbPeak.record(time);
      if (this.hasClock) this.timeseries.dbQuery(time);
    }
  }

  dbStarted(waitMs: number, inflight: number, time = 0): void {
    this.queueWait.recordMs(waitMs);
    if (inflight > this.dbMaxInflight) this.dbMaxInflight = inflight;
    if (this.hasClock) this.timeseries.dbInflight(time, inflight);
  }

  /** A lookup in the local tier (1) or the shared tier (2) of a two-tier topology, for the per-tier time series. */
  tierLookup(start: number, tier: number, hit: boolean): void {
    if (this.hasClock) this.timeseries.tierLookup(start, tier, hit);
  }

  /** A DB read was submitted while `inflightForKey` − 1 others of that key were in flight. */
  fetchStarted(inflightForKey: number): void {
    if (inflightForKey > 1) this.duplicateFetches++;
    if (inflightForKey > this.maxConcurrentFetchesPerKey) this.maxConcurrentFetchesPerKey = inflightForKey;
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
