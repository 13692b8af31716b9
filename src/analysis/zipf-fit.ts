/**
 * Fits popularity to Zipf's law, frequency ∝ rank^−α, by least squares on log rank vs log frequency.
 *
 * Which ranks: the head, ranks 1 through the last rank requested at least MIN_HEAD_COUNT times. Below that,
 * counts are mostly sampling noise (a key drawn 3 times instead of 2) and the long flat tail of 1s and 2s
 * would flatten the slope. Within the head, ranks are taken at log-spaced points (every rank up to 10,
 * then every ~5%), so each decade of rank weighs the same in the fit instead of the last decade dominating.
 * R² says how straight the head is on a log-log plot: near 1 for a Zipf-like workload.
 */
export interface ZipfFit {
  alpha: number;
  r_squared: number;
  /** The ranks the fit used: 1 through this one. */
  head_ranks: number;
  /** Points (ranks) in the regression. */
  points: number;
}

export const MIN_HEAD_COUNT = 10;
const RANK_STEP = 1.05;

/** null when fewer than 3 distinct ranks are requested at least MIN_HEAD_COUNT times. */
export function fitZipf(requestCounts: ArrayLike<number>, keys: number): ZipfFit | null {
  const sorted = new Float64Array(keys);
  for (let k = 0; k < keys; k++) sorted[k] = requestCounts[k];
  sorted.sort();
  // Descending by frequency: rank r (1-based) is sorted[keys − r].
  const frequencyAt = (rank: number) => sorted[keys - rank];
  let head = 0;
  while (head < keys && frequencyAt(head + 1) >= MIN_HEAD_COUNT) head++;
  if (head < 3) return null;

  let n = 0;
  let sumX = 0;
  let sumY = 0;
  let sumXX = 0;
  let sumXY = 0;
  let sumYY = 0;
  let previous = 0;
  for (let step = 1; ; step *= RANK_STEP) {
    const rank = Math.floor(step);
    if (rank > head) break;
    if (rank === previous) continue;
    previous = rank;
    const x = Math.log(rank);
    const y = Math.log(frequencyAt(rank));
    n++;
    sumX += x;
    sumY += y;
    sumXX += x * x;
    sumXY += x * y;
    sumYY += y * y;
  }
  const sxx = sumXX - (sumX * sumX) / n;
  const sxy = sumXY - (sumX * sumY) / n;
  const syy = sumYY - (sumY * sumY) / n;
  if (n < 3 || sxx === 0) return null;
  const slope = sxy / sxx;
  // A perfectly flat head (every key equally popular) has no variance to explain: α = 0 explains it all.
  const rSquared = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { alpha: -slope, r_squared: rSquared, head_ranks: head, points: n };
}
