import { doubledLength, grownFloat64, grownInt32 } from '../collections/typed-array-growth.js';

/**
 * Versions per key, the ground truth for staleness (docs/metrics.md, staleness). `latest` counts the writes
 * issued; `committed` is the version the database holds; `acknowledged` is the newest version a client
 * has been told is written. A synchronous write gets its version when the database commits it; a
 * write-behind write gets it when the cache takes it, and the database catches up at the flush — so for
 * write-behind the database can be behind the truth, and a read from it stale. A value carries the
 * version it was read at; it is stale when that is older than the acknowledged version at the moment
 * it is served.
 */
export class VersionLedger {
  latest = new Int32Array(0);
  committed = new Int32Array(0);
  acknowledged = new Int32Array(0);
  /** When the database's version was superseded by an acknowledged write; +Infinity while it is the truth. */
  committedSupersededAt = new Float64Array(0);

  ensureKeySpace(keySpace: number): void {
    if (keySpace > this.committed.length) {
      const length = doubledLength(this.committed.length, keySpace);
      this.latest = grownInt32(this.latest, length, 0);
      this.committed = grownInt32(this.committed, length, 0);
      this.acknowledged = grownInt32(this.acknowledged, length, 0);
      this.committedSupersededAt = grownFloat64(this.committedSupersededAt, length, Number.POSITIVE_INFINITY);
    }
  }

  /** The database applies a synchronous write; returns its version. */
  commit(key: number): number {
    const version = ++this.latest[key];
    this.committed[key] = version;
    this.committedSupersededAt[key] = Number.POSITIVE_INFINITY;
    return version;
  }

  /** A real database committed `version` of `key` (the version its row now holds, which it numbered itself). */
  committedAs(key: number, version: number): void {
    if (version > this.latest[key]) this.latest[key] = version;
    this.committed[key] = version;
    this.committedSupersededAt[key] = Number.POSITIVE_INFINITY;
  }

  /** A write-behind write is taken by the cache: its version, ahead of the database until flushed. */
  issue(key: number): number {
    return ++this.latest[key];
  }

  /**
   * A flush writes `version` to the database (the last write to reach it wins, as in a real database,
   * even when an older version arrives after a newer one); `supersededAt` is when an acknowledged newer
   * write superseded that version (+Infinity: not yet).
   */
  persist(key: number, version: number, supersededAt: number): void {
    this.committed[key] = version;
    this.committedSupersededAt[key] = supersededAt;
  }

  /** A client is told `version` is written at `now`. Returns true when that advances the truth. */
  acknowledge(key: number, version: number, now: number): boolean {
    if (version <= this.acknowledged[key]) return false;
    this.acknowledged[key] = version;
    if (this.committed[key] < version && this.committedSupersededAt[key] === Number.POSITIVE_INFINITY) this.committedSupersededAt[key] = now;
    return true;
  }

  /** When the version a database read sees now was superseded (+Infinity: it is the truth). */
  dbStaleSince(key: number): number {
    return this.committed[key] < this.acknowledged[key] ? this.committedSupersededAt[key] : Number.POSITIVE_INFINITY;
  }
}
