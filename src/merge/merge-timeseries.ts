import type { TimeseriesPoint } from '../result/run-result.js';

export interface TimeseriesPart {
  windowMs: number;
  points: readonly TimeseriesPoint[];
}

/** Per merged window: counts (rate × width) and the weights of the averaged ratios. */
interface WindowSums {
  requests: number;
  dbQueries: number;
  errors: number;
  hitRate: RatioSum;
  staleRate: RatioSum;
  l1HitRate: RatioSum;
  l2HitRate: RatioSum;
  p99: number | null;
  inflightMax: number;
}

interface RatioSum {
  weighted: number;
  weight: number;
}

/**
 * The shards' time series on their common clock, window by window. Rates are summed (exact): each point's
 * rate × its width is a count. A point carries ratios but not their denominators, so a window's hit rate
 * (and stale rate, L1/L2 hit rates) is the shards' ratios weighted by their requests in the window — exact
 * when the shards' read shares in the window are equal, which a hashed split of one mix makes them in
 * expectation. A window's p99 is the largest shard's (an upper bound of the merged p99) and its DB
 * in-flight maximum the sum of the shards' (an upper bound). When a long run made some shard double its
 * window width, every shard is re-binned to the widest.
 */
export function mergeTimeseries(parts: readonly TimeseriesPart[]): { windowMs: number; points: TimeseriesPoint[] } {
  const withPoints = parts.filter((p) => p.points.length > 0);
  const windowMs = Math.max(0, ...parts.map((p) => p.windowMs));
  if (withPoints.length === 0 || windowMs === 0) return { windowMs, points: [] };
  const windows: WindowSums[] = [];
  const has = { l1: false, l2: false, inflight: false, errors: false };
  for (const part of withPoints) {
    const seconds = part.windowMs / 1000;
    // A shard's in-flight maximum in a merged window is the largest of its own windows there.
    const inflight: number[] = [];
    for (const point of part.points) {
      const w = Math.floor(point.t_ms / windowMs);
      while (windows.length <= w) windows.push(emptyWindow());
      const sums = windows[w];
      const requests = point.requests_per_s * seconds;
      sums.requests += requests;
      sums.dbQueries += point.db_qps * seconds;
      addRatio(sums.hitRate, point.hit_rate, requests);
      addRatio(sums.staleRate, point.stale_rate, requests);
      if (point.p99_ms !== null && (sums.p99 === null || point.p99_ms > sums.p99)) sums.p99 = point.p99_ms;
      if (point.l1_hit_rate !== undefined) {
        has.l1 = true;
        addRatio(sums.l1HitRate, point.l1_hit_rate, requests);
      }
      if (point.l2_hit_rate !== undefined) {
        has.l2 = true;
        addRatio(sums.l2HitRate, point.l2_hit_rate, requests);
      }
      if (point.db_inflight_max !== undefined) {
        has.inflight = true;
        inflight[w] = Math.max(inflight[w] ?? 0, point.db_inflight_max);
      }
      if (point.errors_per_s !== undefined) {
        has.errors = true;
        sums.errors += point.errors_per_s * seconds;
      }
    }
    inflight.forEach((max, w) => {
      windows[w].inflightMax += max;
    });
  }
  const seconds = windowMs / 1000;
  const points = windows.map((sums, w): TimeseriesPoint => {
    const point: TimeseriesPoint = {
      t_ms: w * windowMs,
      requests_per_s: sums.requests / seconds,
      hit_rate: ratio(sums.hitRate),
      db_qps: sums.dbQueries / seconds,
      p99_ms: sums.p99,
      stale_rate: ratio(sums.staleRate),
    };
    if (has.l1) point.l1_hit_rate = ratio(sums.l1HitRate);
    if (has.l2) point.l2_hit_rate = ratio(sums.l2HitRate);
    if (has.inflight) point.db_inflight_max = sums.inflightMax;
    if (has.errors) point.errors_per_s = sums.errors / seconds;
    return point;
  });
  return { windowMs, points };
}

function emptyWindow(): WindowSums {
  const none = (): RatioSum => ({ weighted: 0, weight: 0 });
  return {
    requests: 0,
    dbQueries: 0,
    errors: 0,
    hitRate: none(),
    staleRate: none(),
    l1HitRate: none(),
    l2HitRate: none(),
    p99: null,
    inflightMax: 0,
  };
}

function addRatio(sum: RatioSum, value: number | null | undefined, weight: number): void {
  if (value === null || value === undefined || !(weight > 0)) return;
  sum.weighted += value * weight;
  sum.weight += weight;
}

function ratio(sum: RatioSum): number | null {
  return sum.weight > 0 ? sum.weighted / sum.weight : null;
}
