import { doubledLength, grownInt32, grownUint8 } from '../collections/typed-array-growth.js';
import { KeyLocks } from './key-locks.js';

/**
 * Per-key state of stampede protection that lives in the application (stampede-protection.ts):
 * - `lock` without a shared tier: a mutex per node and key, with an expiry (with one, the lock is the
 *   shared tier's: SET NX PX, through its port);
 * - `coalesce`: the in-flight fetch per node and key (single flight lives in the application process);
 * - refresh-ahead / stale-while-revalidate: whether a background refresh of the protected copy is running.
 * Cells are indexed key × stride + node, where the stride is 1 for the shared tier's copy and the number
 * of nodes for each node's own.
 */
export class StampedeGuard {
  readonly locks = new KeyLocks();
  /** Leader slot of the in-flight fetch, or -1. */
  flight = new Int32Array(0);
  refreshing = new Uint8Array(0);
  private keys = 0;

  constructor(
    readonly nodes: number,
    /** Refresh state of the shared tier's copy (true) or of each node's (false). */
    readonly shared: boolean,
  ) {}

  ensureKeySpace(keySpace: number): void {
    if (keySpace <= this.keys) return;
    const keys = doubledLength(this.keys, keySpace);
    const stride = this.shared ? 1 : this.nodes;
    if (!this.shared) this.locks.ensureCells(keys * stride);
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
}
