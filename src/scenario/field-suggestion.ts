/**
 * "Did you mean …?" for misspelt field names, paths and choices: the candidate nearest by edit distance,
 * offered only when it is close enough to be a plausible typo.
 */

/** Levenshtein distance, with an adjacent swap counting as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[rows - 1][cols - 1];
}

/**
 * The candidate nearest to `given`, or undefined when none is within a third of the longer name
 * (at least 2 edits), so `polcy` suggests `policy` but `colour` suggests nothing.
 */
export function nearestName(given: string, candidates: readonly string[]): string | undefined {
  const lower = given.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(2, Math.floor(Math.max(given.length, best.length) / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** "; did you mean `policy`?" or "" — ready to append to a message. */
export function didYouMean(given: string, candidates: readonly string[]): string {
  const nearest = nearestName(given, candidates);
  return nearest === undefined ? '' : `; did you mean \`${nearest}\`?`;
}
