import { doubledLength, grownFloat64 } from '../collections/typed-array-growth.js';
import type { TimeseriesPoint } from '../result/run-result.js';
import { LatencyHistogram, type LatencyHistogramState } from './latency-histogram.js';

/** Most windows a time series keeps; a longer run doubles the window width until it fits. */
export const MAX_TIMESERIES_WINDOWS = 10_000;

/** A time series as plain data, for another thread; `TimeseriesRecorder.add` merges it into another recorder. */
export interface TimeseriesState {
  windowMs: number;
  /** The summed columns (requests, reads, hits, stale reads, DB queries, errors, per-tier lookups and hits), up to the last window used. */
  summed: Float64Array[];
  /** Most DB queries in flight per window (merged by max). */
  dbInflightMax: Float64Array;
  tiers: boolean;
  latency: (LatencyHistogramState | null)[];
}

/**
 * Per-window counters on the run's clock. Requests, reads, hits and stale reads count in the window of
 * the request's intended start; DB queries in the window they were submitted; a request's latency goes
 * into the p99 of its start window. Window histograms keep 2 significant digits (±1%) to stay small.
 * A run longer than MAX_TIMESERIES_WINDOWS windows (a week-long trace at 1 s) merges neighbouring
 * windows pairwise, doubling the width, so memory and the JSON stay bounded.
 */
export class TimeseriesRecorder {
  private requests = new Float64Array(64);
  private reads = new Float64Array(64);
  private hits = new Float64Array(64);
  private staleReads = new Float64Array(64);
  private dbQueries = new Float64Array(64);
  private errors = new Float64Array(64);
  private dbInflightMax = new Float64Array(64);
  private l1Lookups = new Float64Array(64);
  private l1Hits = new Float64Array(64);
  private l2Lookups = new Float64Array(64);
  private l2Hits = new Float64Array(64);
  /** Whether the points carry per-tier hit rates (a topology with local tiers). */
  tiers = false;
  private latency: (LatencyHistogram | undefined)[] = [];
  private lastWindow = -1;

  constructor(public windowMs: number) {}

  private windowOf(time: number): number {
    let w = Math.floor(time / this.windowMs);
    while (w >= MAX_TIMESERIES_WINDOWS) {
      this.coarsen();
      w = Math.floor(time / this.windowMs);
    }
    if (w >= this.requests.length) this.grow(w);
    if (w > this.lastWindow) this.lastWindow = w;
    return w;
  }

  // The window is computed before the column is read: windowOf may grow or fold the columns.
  request(time: number): void {
    const w = this.windowOf(time);
    this.requests[w]++;
  }

  read(time: number, hit: boolean): void {
    const w = this.windowOf(time);
    this.reads[w]++;
    if (hit) this.hits[w]++;
  }

  staleRead(time: number): void {
    const w = this.windowOf(time);
    this.staleReads[w]++;
  }

  dbQuery(time: number): void {
    const w = this.windowOf(time);
    this.dbQueries[w]++;
  }

  error(time: number): void {
    const w = this.windowOf(time);
    this.errors[w]++;
  }

  dbInflight(time: number, inflight: number): void {
    const w = this.windowOf(time);
    if (inflight > this.dbInflightMax[w]) this.dbInflightMax[w] = inflight;
  }

  /** A lookup in the local tier (1) or the shared tier (2). */
  tierLookup(time: number, tier: number, hit: boolean): void {
    const w = this.windowOf(time);
    if (tier === 1) {
      this.l1Lookups[w]++;
      if (hit) this.l1Hits[w]++;
    } else {
      this.l2Lookups[w]++;
      if (hit) this.l2Hits[w]++;
    }
  }

  latencyMs(start: number, latencyMs: number): void {
    const w = this.windowOf(start);
    let h = this.latency[w];
    if (h === undefined) {
      h = new LatencyHistogram(2);
      this.latency[w] = h;
    }
    h.recordMs(latencyMs);
  }

  points(): TimeseriesPoint[] {
    const points: TimeseriesPoint[] = [];
    const seconds = this.windowMs / 1000;
    for (let w = 0; w <= this.lastWindow; w++) {
      points.push({
        t_ms: w * this.windowMs,
        requests_per_s: this.requests[w] / seconds,
        hit_rate: this.reads[w] > 0 ? this.hits[w] / this.reads[w] : null,
        db_qps: this.dbQueries[w] / seconds,
        p99_ms: this.latency[w]?.percentileMs(99) ?? null,
        stale_rate: this.reads[w] > 0 ? this.staleReads[w] / this.reads[w] : null,
        ...(this.tiers
          ? {
              l1_hit_rate: this.l1Lookups[w] > 0 ? this.l1Hits[w] / this.l1Lookups[w] : null,
              l2_hit_rate: this.l2Lookups[w] > 0 ? this.l2Hits[w] / this.l2Lookups[w] : null,
            }
          : {}),
        db_inflight_max: this.dbInflightMax[w],
        errors_per_s: this.errors[w] / seconds,
      });
    }
    return points;
  }

  /** Every window as plain data. */
  state(): TimeseriesState {
    const used = this.lastWindow + 1;
    return {
      windowMs: this.windowMs,
      summed: this.summedColumns().map((column) => column.slice(0, used)),
      dbInflightMax: this.dbInflightMax.slice(0, used),
      tiers: this.tiers,
      latency: Array.from({ length: used }, (_, w) => this.latency[w]?.state() ?? null),
    };
  }

  /**
   * Adds another recorder's windows on the same clock (a run split over threads): counts add, window
   * histograms merge exactly. Widths differ only by folding (a power of two), so the finer series is
   * folded to the coarser width first.
   */
  add(other: TimeseriesState): void {
    while (this.windowMs < other.windowMs) this.coarsen();
    const fold = this.windowMs / other.windowMs;
    if (other.tiers) this.tiers = true;
    for (let w = 0; w < other.dbInflightMax.length; w++) {
      const into = this.windowOf(Math.floor(w / fold) * this.windowMs);
      // Read the columns after windowOf: it may grow them.
      const mine = this.summedColumns();
      for (let c = 0; c < mine.length; c++) mine[c][into] += other.summed[c][w];
      if (other.dbInflightMax[w] > this.dbInflightMax[into]) this.dbInflightMax[into] = other.dbInflightMax[w];
      const latency = other.latency[w];
      if (latency === null) continue;
      let histogram = this.latency[into];
      if (histogram === undefined) {
        histogram = new LatencyHistogram(2);
        this.latency[into] = histogram;
      }
      histogram.addState(latency);
    }
  }

  /**
   * Adds hits counted elsewhere per window of `windowMs` (this recorder's width or a finer one, by a power
   * of two): `hits[w]` happened in [w × windowMs, (w + 1) × windowMs).
   */
  addHits(hits: Float64Array, windowMs: number): void {
    while (this.windowMs < windowMs) this.coarsen();
    const fold = this.windowMs / windowMs;
    for (let w = 0; w < hits.length; w++) {
      if (hits[w] === 0) continue;
      const into = this.windowOf(Math.floor(w / fold) * this.windowMs);
      this.hits[into] += hits[w];
    }
  }

  /** Merges windows 2i and 2i+1 into window i and doubles the width. */
  private coarsen(): void {
    for (const column of this.summedColumns()) {
      for (let i = 0; 2 * i < column.length; i++) column[i] = column[2 * i] + (2 * i + 1 < column.length ? column[2 * i + 1] : 0);
      column.fill(0, Math.ceil(column.length / 2));
    }
    const peaks = this.dbInflightMax;
    for (let i = 0; 2 * i < peaks.length; i++) peaks[i] = Math.max(peaks[2 * i], 2 * i + 1 < peaks.length ? peaks[2 * i + 1] : 0);
    peaks.fill(0, Math.ceil(peaks.length / 2));
    const merged: (LatencyHistogram | undefined)[] = [];
    for (let i = 0; 2 * i < this.latency.length; i++) {
      const a = this.latency[2 * i];
      const b = this.latency[2 * i + 1];
      if (a !== undefined && b !== undefined) a.add(b);
      merged[i] = a ?? b;
    }
    this.latency = merged;
    this.lastWindow = Math.floor(this.lastWindow / 2);
    this.windowMs *= 2;
  }

  private summedColumns(): Float64Array[] {
    return [
      this.requests,
      this.reads,
      this.hits,
      this.staleReads,
      this.dbQueries,
      this.errors,
      this.l1Lookups,
      this.l1Hits,
      this.l2Lookups,
      this.l2Hits,
    ];
  }

  private grow(window: number): void {
    const length = doubledLength(this.requests.length, window + 1);
    this.requests = grownFloat64(this.requests, length);
    this.reads = grownFloat64(this.reads, length);
    this.hits = grownFloat64(this.hits, length);
    this.staleReads = grownFloat64(this.staleReads, length);
    this.dbQueries = grownFloat64(this.dbQueries, length);
    this.errors = grownFloat64(this.errors, length);
    this.dbInflightMax = grownFloat64(this.dbInflightMax, length);
    this.l1Lookups = grownFloat64(this.l1Lookups, length);
    this.l1Hits = grownFloat64(this.l1Hits, length);
    this.l2Lookups = grownFloat64(this.l2Lookups, length);
    this.l2Hits = grownFloat64(this.l2Hits, length);
  }
}
