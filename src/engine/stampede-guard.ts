import { doubledLength, grownFloat64, grownInt32, grownUint8 } from '../collections/typed-array-growth.js';

/**
 * Per-key state of stampede protection (docs/scenario-reference.md, "Stampede protection"):
 * - `lock`: a lock per key with an expiry (SET NX PX in the shared tier — one for all nodes — or a
 *   mutex per node without one), and which request holds it;
 * - `coalesce`: the in-flight fetch per node and key (single-flight lives in the application process);
 * - refresh-ahead / stale-while-revalidate: whether a background refresh of the protected copy is running.
 * Cells are indexed key × stride + node, where the stride is 1 for state in the shared tier and the
 * number of nodes for state in each node.
 */
export class StampedeGuard {
  lockUntil = new Float64Array(0);
  lockOwner = new Int32Array(0);
  /** Leader slot of the in-flight fetch, or -1. */
  flight = new Int32Array(0);
  refreshing = new Uint8Array(0);
  private keys = 0;

  constructor(
    readonly nodes: number,
    /** Lock and refresh state in the shared tier (true) or in each node (false). */
    readonly shared: boolean,
  ) {}

  ensureKeySpace(keySpace: number): void {
    if (keySpace <= this.keys) return;
    const keys = doubledLength(this.keys, keySpace);
    const stride = this.shared ? 1 : this.nodes;
    this.lockUntil = grownFloat64(this.lockUntil, keys * stride, 0);
    this.lockOwner = grownInt32(this.lockOwner, keys * stride, -1);
    this.refreshing = grownUint8(this.refreshing, keys * stride);
    this.flight = grownInt32(this.flight, keys * this.nodes, -1);
    this.keys = keys;
  }

  /** Cell of the lock and refresh state of `key` as seen from `node`. */
  cell(node: number, key: number): number {
    return this.shared ? key : key * this.nodes + node;
  }

  /** Cell of `node`'s in-flight fetch of `key`. */
  flightCell(node: number, key: number): number {
    return key * this.nodes + node;
  }

  /** SET NX PX: takes the lock for `slot` if it is free (never taken, released, or expired). */
  tryLock(cell: number, slot: number, now: number, ttlMs: number): boolean {
    if (this.lockUntil[cell] > now) return false;
    this.lockUntil[cell] = now + ttlMs;
    this.lockOwner[cell] = slot;
    return true;
  }

  /** Releases the lock if `slot` still holds it (an expired lock may belong to another request by now). */
  unlock(cell: number, slot: number): void {
    if (this.lockOwner[cell] === slot) {
      this.lockUntil[cell] = 0;
      this.lockOwner[cell] = -1;
    }
  }
}
