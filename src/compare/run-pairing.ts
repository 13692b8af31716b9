/**
 * Which run of the current result is compared with which run of the baseline: runs are paired by name
 * (a matrix run's name is its combination, e.g. `policy=lru capacity=1k`), in the current result's order.
 * When each result holds a single run, the two are paired whatever their names: a renamed scenario, or two
 * scenarios compared on purpose, still compare.
 */
export interface RunPairing<T> {
  pairs: { baseline: T; current: T }[];
  /** Runs with no partner, in their file's order. */
  onlyBaseline: T[];
  onlyCurrent: T[];
}

export function pairRuns<T extends { name: string }>(baseline: readonly T[], current: readonly T[]): RunPairing<T> {
  if (baseline.length === 1 && current.length === 1) {
    return { pairs: [{ baseline: baseline[0], current: current[0] }], onlyBaseline: [], onlyCurrent: [] };
  }
  const unused = [...baseline];
  const pairs: { baseline: T; current: T }[] = [];
  const onlyCurrent: T[] = [];
  for (const run of current) {
    // A name repeated within one file (not written by cachebench itself) pairs in order of appearance.
    const index = unused.findIndex((candidate) => candidate.name === run.name);
    if (index === -1) {
      onlyCurrent.push(run);
      continue;
    }
    pairs.push({ baseline: unused[index], current: run });
    unused.splice(index, 1);
  }
  return { pairs, onlyBaseline: unused, onlyCurrent };
}
