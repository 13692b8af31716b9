import type { VersionLedger } from '../engine/version-ledger.js';
import type { RunRecorder } from '../metrics/run-recorder.js';
import type { WriteBehindMetrics } from '../result/run-result.js';
import type { WriteBehindSpec } from '../scenario/scenario.js';
import type { LiveDatabase } from './live-database.js';

interface Entry {
  key: number;
  version: number;
  size: number;
  at: number;
}

/**
 * Write-behind on the wall clock, the live counterpart of the simulation's queues (engine/write-behind-queues.ts):
 * one queue per node of writes the cache has taken and acknowledged, flushed to the database model in
 * batches — one write query per batch, when it holds `batch_size` writes or its oldest is `delay` old, one
 * flush in flight per node. At most `max_pending` writes per node are acknowledged but not yet persisted; a
 * write beyond that waits for room. A flush persists its versions when its query completes (the last
 * write to reach the database wins). A node's crash (a `node-crash` window) loses its queue (`lost_writes`);
 * otherwise against the model nothing is lost, and against a real database a batch whose statement failed
 * or timed out counts in `lost_writes` (the client cannot know it committed).
 */
export class LiveWriteBehind {
  private readonly queues: Entry[][];
  private readonly pending: Int32Array;
  private readonly flushing: Uint8Array;
  private readonly timers: (NodeJS.Timeout | null)[];
  private readonly blocked: (() => void)[][];
  private totalPending = 0;
  private maxPending = 0;
  private flushedWrites = 0;
  /** Writes of batches a real database failed to take (a lost connection, a timeout): acknowledged, never persisted. */
  private lostWrites = 0;
  private idle: (() => void) | null = null;
  /** Where flush queries are recorded: the recorder of the latest write taken (warm-up or measured). */
  private recorder: RunRecorder | null = null;

  constructor(
    nodes: number,
    private readonly spec: WriteBehindSpec,
    private readonly database: LiveDatabase,
    private readonly ledger: VersionLedger,
    private readonly now: () => number,
  ) {
    this.queues = Array.from({ length: nodes }, () => []);
    this.pending = new Int32Array(nodes);
    this.flushing = new Uint8Array(nodes);
    this.timers = new Array(nodes).fill(null);
    this.blocked = Array.from({ length: nodes }, () => []);
  }

  /** Resolves once `node`'s queue has room for one more write, and reserves it for the caller's take(). */
  async admit(node: number): Promise<void> {
    while (this.pending[node] >= this.spec.max_pending) await new Promise<void>((resolve) => this.blocked[node].push(resolve));
    this.pending[node]++;
    if (++this.totalPending > this.maxPending) this.maxPending = this.totalPending;
  }

  /** The cache took `version` of `key` on `node` (into the room admit() reserved). */
  take(recorder: RunRecorder, node: number, key: number, version: number, size: number): void {
    this.recorder = recorder;
    this.queues[node].push({ key, version, size, at: this.now() });
    this.maybeFlush(node);
  }

  /**
   * A `node-crash`: the writes in `node`'s queue, acknowledged and not yet handed to the database, are lost
   * (`lost_writes`), as simulated; a batch already sent goes on.
   */
  crash(node: number): void {
    const dropped = this.queues[node].splice(0);
    const timer = this.timers[node];
    if (timer !== null) clearTimeout(timer);
    this.timers[node] = null;
    if (dropped.length === 0) return;
    this.lostWrites += dropped.length;
    this.pending[node] -= dropped.length;
    this.totalPending -= dropped.length;
    const waiting = this.blocked[node].splice(0, this.spec.max_pending - this.pending[node]);
    for (const wake of waiting) wake();
    if (this.totalPending === 0) this.idle?.();
  }

  metrics(): WriteBehindMetrics {
    return { max_pending: this.maxPending, flushed_writes: this.flushedWrites, lost_writes: this.lostWrites };
  }

  /** Waits until every taken write is persisted, or `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.totalPending === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.idle = null;
    for (const [node, timer] of this.timers.entries()) {
      if (timer !== null) clearTimeout(timer);
      this.timers[node] = null;
    }
  }

  private maybeFlush(node: number): void {
    const queue = this.queues[node];
    if (this.flushing[node] === 1 || queue.length === 0) return;
    const now = this.now();
    const due = queue[0].at + this.spec.delay;
    if (queue.length >= this.spec.batch_size || now >= due) {
      const timer = this.timers[node];
      if (timer !== null) clearTimeout(timer);
      this.timers[node] = null;
      void this.flush(node, queue.splice(0, this.spec.batch_size));
    } else if (this.timers[node] === null) {
      this.timers[node] = setTimeout(() => {
        this.timers[node] = null;
        this.maybeFlush(node);
      }, due - now);
    }
  }

  private async flush(node: number, batch: Entry[]): Promise<void> {
    this.flushing[node] = 1;
    const recorder = this.recorder!;
    recorder.dbSubmitted(this.now(), false);
    const persisted = await this.database.flush((waitMs, inUse) => recorder.dbStarted(waitMs, inUse), batch);
    if (persisted) {
      for (const entry of batch) this.ledger.persist(entry.key, entry.version, Number.POSITIVE_INFINITY);
      this.flushedWrites += batch.length;
    } else {
      recorder.errors++;
      this.lostWrites += batch.length;
    }
    this.pending[node] -= batch.length;
    this.totalPending -= batch.length;
    this.flushing[node] = 0;
    const waiting = this.blocked[node].splice(0, this.spec.max_pending - this.pending[node]);
    for (const wake of waiting) wake();
    if (this.totalPending === 0) this.idle?.();
    this.maybeFlush(node);
  }
}
