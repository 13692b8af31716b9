import { doubledLength, grownFloat64, grownInt32 } from '../collections/typed-array-growth.js';

/**
 * Locks with an expiry, one per cell, as `SET lock NX PX ttl` keeps them: which request holds each and
 * until when. The application's per-node mutexes (stampede-guard.ts) and the built-in shared tier's
 * locks (engine/built-in-shared-tier.ts) are both this.
 */
export class KeyLocks {
  until = new Float64Array(0);
  owner = new Int32Array(0);

  ensureCells(cells: number): void {
    if (cells <= this.until.length) return;
    const length = doubledLength(this.until.length, cells);
    this.until = grownFloat64(this.until, length, 0);
    this.owner = grownInt32(this.owner, length, -1);
  }

  /** SET NX PX: takes the lock for `slot` if it is free (never taken, released, or expired). */
  tryLock(cell: number, slot: number, now: number, ttlMs: number): boolean {
    if (this.until[cell] > now) return false;
    this.until[cell] = now + ttlMs;
    this.owner[cell] = slot;
    return true;
  }

  /** Releases the lock if `slot` still holds it (an expired lock may belong to another request by now). */
  unlock(cell: number, slot: number): void {
    if (this.owner[cell] === slot) {
      this.until[cell] = 0;
      this.owner[cell] = -1;
    }
  }
}
