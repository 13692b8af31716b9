/** At most this many windows are reported: enough for a chart, few enough to read in a table. */
export const MAX_WINDOWS = 128;
/** Window widths are 2^level requests. */
const LEVELS = 32;

export interface WorkingSetWindow {
  /** Index of the window's first request (0-based). */
  start_request: number;
  requests: number;
  /** Trace timestamps (ms): the window's first request, and the next window's first (the last window: its last request). */
  start_ms: number;
  end_ms: number;
  /** Distinct keys requested in the window. */
  distinct_keys: number;
  /** Distinct keys requested from the start of the trace to the end of the window. */
  cumulative_distinct_keys: number;
}

/**
 * Distinct keys per window of requests, exact, in one pass and bounded memory, without knowing the trace's
 * length in advance. Windows of every power-of-two width are counted at once: a request is the first of its
 * key in the window of width 2^l that contains it when the key's previous request lies before that window's
 * start, and since wider windows start earlier, the test fails for good at the first width where it fails.
 * Widths that would exceed MAX_WINDOWS windows are dropped as the trace grows; at the end the narrowest
 * width left is reported.
 */
export class WorkingSetWindows {
  private readonly distinct: Float64Array[] = [];
  private readonly newKeys: Float64Array[] = [];
  private readonly startTime: Float64Array[] = [];
  /** The narrowest width still counted. */
  private finest = 0;
  private requests = 0;
  private lastTime = 0;

  constructor() {
    for (let level = 0; level < LEVELS; level++) {
      this.distinct.push(new Float64Array(MAX_WINDOWS + 1));
      this.newKeys.push(new Float64Array(MAX_WINDOWS + 1));
      this.startTime.push(new Float64Array(MAX_WINDOWS + 1));
    }
  }

  /** Request `index` (0-based, consecutive) at time `t`; `previous` is the index of the key's previous request, or -1. */
  observe(index: number, previous: number, t: number): void {
    let finest = this.finest;
    if (index >>> finest >= MAX_WINDOWS) {
      while (index >>> finest >= MAX_WINDOWS) finest++;
      this.finest = finest;
    }
    // Window starts: index is a multiple of 2^l for every l up to its trailing zero count.
    const startsUpTo = index === 0 ? LEVELS - 1 : 31 - Math.clz32(index & -index);
    for (let level = finest; level <= startsUpTo; level++) this.startTime[level][index >>> level] = t;
    for (let level = finest; level < LEVELS; level++) {
      const window = index >>> level;
      if (previous >= window << level) break;
      this.distinct[level][window]++;
      if (previous < 0) this.newKeys[level][window]++;
    }
    this.requests = index + 1;
    this.lastTime = t;
  }

  windows(): { width: number; windows: WorkingSetWindow[] } {
    const level = this.finest;
    const width = 2 ** level;
    const count = Math.ceil(this.requests / width);
    const windows: WorkingSetWindow[] = [];
    let cumulative = 0;
    for (let w = 0; w < count; w++) {
      cumulative += this.newKeys[level][w];
      const start = w * width;
      const requests = Math.min(width, this.requests - start);
      windows.push({
        start_request: start,
        requests,
        start_ms: this.startTime[level][w],
        end_ms: w + 1 < count ? this.startTime[level][w + 1] : this.lastTime,
        distinct_keys: this.distinct[level][w],
        cumulative_distinct_keys: cumulative,
      });
    }
    return { width, windows };
  }
}
