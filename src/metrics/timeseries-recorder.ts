import { doubledLength, grownFloat64 } from '../collections/typed-array-growth.js';
import type { TimeseriesPoint } from '../result/run-result.js';
import { LatencyHistogram, type LatencyHistogramState } from './latency-histogram.js';

/** Most windows a time series keeps; a longer run doubles the window width until it fits. */
export const MAX_TIMESERIES_WINDOWS = 10_000;

/** A time series as plain data, for another thread; `TimeseriesRecorder.add` merges it into another recorder. */
export interface TimeseriesState {
  windowMs: number;
  /** Columns up to the last window used. */
  requests: Float64Array;
  reads: Float64Array;
  hits: Float64Array;
  staleReads: Float64Array;
  dbQueries: Float64Array;
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
      });
    }
    return points;
  }

  /** Every window as plain data. */
  state(): TimeseriesState {
    const used = this.lastWindow + 1;
    return {
      windowMs: this.windowMs,
      requests: this.requests.slice(0, used),
      reads: this.reads.slice(0, used),
      hits: this.hits.slice(0, used),
      staleReads: this.staleReads.slice(0, used),
      dbQueries: this.dbQueries.slice(0, used),
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
    for (let w = 0; w < other.requests.length; w++) {
      const into = this.windowOf(Math.floor(w / fold) * this.windowMs);
      this.requests[into] += other.requests[w];
      this.reads[into] += other.reads[w];
      this.hits[into] += other.hits[w];
      this.staleReads[into] += other.staleReads[w];
      this.dbQueries[into] += other.dbQueries[w];
      const latency = other.latency[w];
      if (latency === null) continue;
      let mine = this.latency[into];
      if (mine === undefined) {
        mine = new LatencyHistogram(2);
        this.latency[into] = mine;
      }
      mine.addState(latency);
    }
  }

  /** Merges windows 2i and 2i+1 into window i and doubles the width. */
  private coarsen(): void {
    for (const column of [this.requests, this.reads, this.hits, this.staleReads, this.dbQueries]) {
      for (let i = 0; 2 * i < column.length; i++) column[i] = column[2 * i] + (2 * i + 1 < column.length ? column[2 * i + 1] : 0);
      column.fill(0, Math.ceil(column.length / 2));
    }
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

  private grow(window: number): void {
    const length = doubledLength(this.requests.length, window + 1);
    this.requests = grownFloat64(this.requests, length);
    this.reads = grownFloat64(this.reads, length);
    this.hits = grownFloat64(this.hits, length);
    this.staleReads = grownFloat64(this.staleReads, length);
    this.dbQueries = grownFloat64(this.dbQueries, length);
  }
}
