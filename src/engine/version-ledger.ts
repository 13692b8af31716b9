import { doubledLength, grownInt32 } from '../collections/typed-array-growth.js';

/**
 * Versions per key, the ground truth for staleness (DESIGN.md, "staleness"). `committed` counts the
 * writes the database has applied; `acknowledged` is the newest version a client has been told is
 * written (for write-behind that can be ahead of the database). A value carries the version it was read
 * at; it is stale when that is older than the acknowledged version at the moment it is served.
 */
export class VersionLedger {
  committed = new Int32Array(0);
  acknowledged = new Int32Array(0);

  ensureKeySpace(keySpace: number): void {
    if (keySpace > this.committed.length) {
      this.committed = grownInt32(this.committed, doubledLength(this.committed.length, keySpace), 0);
      this.acknowledged = grownInt32(this.acknowledged, doubledLength(this.acknowledged.length, keySpace), 0);
    }
  }

  /** The database applies a write; returns the new version. */
  commit(key: number): number {
    return ++this.committed[key];
  }

  /** A client is told `version` is written. Returns true when that advances the truth. */
  acknowledge(key: number, version: number): boolean {
    if (version <= this.acknowledged[key]) return false;
    this.acknowledged[key] = version;
    return true;
  }
}
