/**
 * When each acknowledged version of a key was acknowledged, so a stale read's age — the moment it is
 * served minus the moment its version was superseded (docs/metrics.md, staleness) — is exact: version v is
 * superseded by the first acknowledged version above v. Only advances of the truth are kept (one pair
 * per acknowledged write that advanced it), in per-key arrays; memory grows with the run's writes
 * (16 bytes each), not its reads.
 */
export class SupersessionTimes {
  private readonly byKey = new Map<number, number[]>();

  /** `version` of `key` became the acknowledged truth at `now`. */
  acknowledged(key: number, version: number, now: number): void {
    let list = this.byKey.get(key);
    if (list === undefined) {
      list = [];
      this.byKey.set(key, list);
    }
    list.push(version, now);
  }

  /** When `version` of `key` was superseded; +Infinity while it is still the truth. */
  supersededAt(key: number, version: number): number {
    const list = this.byKey.get(key);
    if (list === undefined) return Number.POSITIVE_INFINITY;
    // Versions are pushed in increasing order: the first one above `version` superseded it.
    let lo = 0;
    let hi = list.length / 2;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid * 2] > version) hi = mid;
      else lo = mid + 1;
    }
    return lo * 2 < list.length ? list[lo * 2 + 1] : Number.POSITIVE_INFINITY;
  }
}
