import { doubledLength, grownFloat64 } from '../collections/typed-array-growth.js';
import type { TimeseriesPoint } from '../result/run-result.js';
import { LatencyHistogram } from './latency-histogram.js';

/**
 * Per-window counters on the run's clock. Requests, reads, hits and stale reads count in the window of
 * the request's intended start; DB queries in the window they were submitted; a request's latency goes
 * into the p99 of its start window. Window histograms keep 2 significant digits (±1%) to stay small.
 */
export class TimeseriesRecorder {
  private requests = new Float64Array(64);
  private reads = new Float64Array(64);
  private hits = new Float64Array(64);
  private staleReads = new Float64Array(64);
  private dbQueries = new Float64Array(64);
  private latency: (LatencyHistogram | undefined)[] = [];
  private lastWindow = -1;

  constructor(readonly windowMs: number) {}

  private windowOf(time: number): number {
    const w = Math.floor(time / this.windowMs);
    if (w >= this.requests.length) this.grow(w);
    if (w > this.lastWindow) this.lastWindow = w;
    return w;
  }

  request(time: number): void {
    this.requests[this.windowOf(time)]++;
  }

  read(time: number, hit: boolean): void {
    const w = this.windowOf(time);
    this.reads[w]++;
    if (hit) this.hits[w]++;
  }

  staleRead(time: number): void {
    this.staleReads[this.windowOf(time)]++;
  }

  dbQuery(time: number): void {
    this.dbQueries[this.windowOf(time)]++;
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

  private grow(window: number): void {
    const length = doubledLength(this.requests.length, window + 1);
    this.requests = grownFloat64(this.requests, length);
    this.reads = grownFloat64(this.reads, length);
    this.hits = grownFloat64(this.hits, length);
    this.staleReads = grownFloat64(this.staleReads, length);
    this.dbQueries = grownFloat64(this.dbQueries, length);
  }
}
