import type { WriteBehindMetrics } from '../result/run-result.js';
import type { WriteBehindSpec } from '../scenario/scenario.js';
import type { Application } from './application.js';
import { WAKE_FLUSH_DUE } from './application.js';
import { STATE_BLOCKED, STATE_IN_DATABASE } from './request-table.js';
import { WriteBehindQueues } from './write-behind-queues.js';

/** A request's op beside get/set/delete: a write-behind batch (one write query). */
export const OP_FLUSH = 3;

const INF = Number.POSITIVE_INFINITY;

/**
 * Write-behind's flushing (docs/scenario-reference.md, "write_behind"): one queue per node of writes the
 * cache has taken and acknowledged (write-behind-queues.ts), flushed to the database in batches — one
 * write query per batch, when the queue holds `batch_size` writes or its oldest is `delay` old, one flush
 * in flight per node, as a write-behind worker runs. At most `max_pending` writes per node are
 * acknowledged but not yet persisted; a write beyond that waits for room. A flush persists its versions
 * when its query completes (the last write to reach the database wins). While the database is down a
 * flush waits a `delay` and tries again; a batch it refused goes back to the front of its queue. A
 * node's crash loses its queue and a flush still waiting for a connection (`lost_writes`).
 */
export class WriteBehind {
  readonly queues: WriteBehindQueues;
  /** Per node: first and last write waiting for room (lists through RequestTable.chain). */
  private readonly blockedHead: Int32Array;
  private readonly blockedTail: Int32Array;
  /** Per node: writes the cache is taking (their room reserved) but has not answered yet (the wall clock's). */
  private readonly taking: Int32Array;

  constructor(
    private readonly app: Application,
    private readonly spec: WriteBehindSpec,
  ) {
    const nodes = app.nodes!.nodes;
    this.queues = new WriteBehindQueues(nodes);
    this.blockedHead = new Int32Array(nodes).fill(-1);
    this.blockedTail = new Int32Array(nodes).fill(-1);
    this.taking = new Int32Array(nodes);
  }

  ensureKeySpace(keySpace: number): void {
    this.queues.ensureKeySpace(keySpace);
  }

  metrics(): WriteBehindMetrics {
    const q = this.queues;
    return { max_pending: q.maxPending, flushed_writes: q.flushedWrites, lost_writes: q.lostWrites };
  }

  /** A write arrives at `now`: the cache takes it if its node's queue has room; otherwise it waits for room. */
  admit(slot: number, now: number): void {
    const r = this.app.requests;
    const node = r.node[slot];
    if (this.queues.pending[node] + this.taking[node] < this.spec.max_pending) {
      this.taking[node]++;
      this.app.writes.take(slot, now);
      return;
    }
    r.state[slot] = STATE_BLOCKED;
    r.chain[slot] = -1;
    if (this.blockedTail[node] === -1) this.blockedHead[node] = slot;
    else r.chain[this.blockedTail[node]] = slot;
    this.blockedTail[node] = slot;
  }

  /** The cache took `version` of `key` on `node` at `now`: into the queue, in the room admit() reserved. */
  enqueue(node: number, key: number, version: number, size: number, now: number): void {
    this.taking[node]--;
    this.queues.enqueue(node, key, version, size, now);
  }

  /** The cache could not take a write (it failed): the room it reserved is free again. */
  notTaken(node: number, now: number): void {
    this.taking[node]--;
    this.unblock(node, now);
  }

  superseded(key: number, version: number, now: number): void {
    this.queues.superseded(key, version, now);
  }

  /** Flushes `node`'s queue if a batch is due, or sets the alarm for when it will be. */
  maybeFlush(node: number, now: number): void {
    const queues = this.queues;
    if (queues.flushing[node] !== -1 || queues.queued[node] === 0) return;
    const spec = this.spec;
    const due = queues.enqueuedAt[queues.head[node]] + spec.delay;
    const app = this.app;
    if (app.databaseDown === 0 && (queues.queued[node] >= spec.batch_size || now >= due)) {
      const first = queues.takeBatch(node, spec.batch_size);
      const r = app.requests;
      const slot = r.allocate(now, first, OP_FLUSH, queues.batchSize, 0);
      r.node[slot] = node;
      queues.flushing[node] = slot;
      r.submitted[slot] = now;
      r.state[slot] = STATE_IN_DATABASE;
      app.database.flush(slot, first, queues.batchSize, now);
      return;
    }
    this.retryLater(node, now);
  }

  /** Sets the alarm for `node`'s next flush: its batch's due time, or — due already, the database down — a delay later. */
  private retryLater(node: number, now: number): void {
    const queues = this.queues;
    if (queues.flushing[node] !== -1 || queues.queued[node] === 0) return;
    const delay = this.spec.delay;
    const due = queues.enqueuedAt[queues.head[node]] + delay;
    const at = now >= due ? now + delay : due;
    if (at < queues.timerAt[node]) {
      queues.timerAt[node] = at;
      this.app.alarm.at(at, node * 8 + WAKE_FLUSH_DUE);
    }
  }

  flushDue(node: number, now: number): void {
    const queues = this.queues;
    if (now < queues.timerAt[node]) return; // an alarm superseded by an earlier one, which went off already
    queues.timerAt[node] = INF;
    this.maybeFlush(node, now);
  }

  /** The flush's query completed at `now`: its writes are persisted. */
  flushed(slot: number, now: number): void {
    this.settle(slot, now, false);
    this.app.requests.release(slot);
  }

  /** The database refused the flush (it is down): the batch goes back to the front of its queue. */
  refused(slot: number, now: number): void {
    const r = this.app.requests;
    const node = r.node[slot];
    this.queues.requeueFront(node, r.key[slot]);
    this.queues.flushing[node] = -1;
    r.release(slot);
    this.retryLater(node, now);
  }

  /** A node crashed at `now`: its queue is lost, and so is its flush still waiting for a connection. */
  crash(node: number, now: number): void {
    const queues = this.queues;
    queues.dropQueued(node);
    const flush = queues.flushing[node];
    if (flush !== -1 && this.app.database.withdraw(flush)) {
      this.settle(flush, now, true);
      this.app.requests.release(flush);
    } else {
      this.unblock(node, now);
    }
  }

  /** A flush reached the database (`lost` false) or never will (its node crashed while it waited for a connection). */
  private settle(slot: number, now: number, lost: boolean): void {
    const queues = this.queues;
    const r = this.app.requests;
    const ledger = this.app.ledger;
    const node = r.node[slot];
    for (let e = r.key[slot]; e !== -1; ) {
      const next = queues.next[e];
      if (!lost) ledger.persist(queues.key[e], queues.version[e], queues.supersededAt[e]);
      queues.settle(node, e, lost);
      e = next;
    }
    if (queues.flushing[node] === slot) queues.flushing[node] = -1;
    this.unblock(node, now);
    this.maybeFlush(node, now);
  }

  /** Writes waiting for room in `node`'s queue go in, oldest first, while there is room. */
  private unblock(node: number, now: number): void {
    const queues = this.queues;
    const max = this.spec.max_pending;
    const r = this.app.requests;
    while (this.blockedHead[node] !== -1 && queues.pending[node] + this.taking[node] < max) {
      const slot = this.blockedHead[node];
      this.blockedHead[node] = r.chain[slot];
      if (this.blockedHead[node] === -1) this.blockedTail[node] = -1;
      this.taking[node]++;
      this.app.writes.take(slot, now);
    }
  }
}
