import type { LatencySampler } from '../engine/latency-model.js';
import type { VersionLedger } from '../engine/version-ledger.js';
import type { FaultSpec } from '../scenario/scenario.js';
import { dbDownUntil, dbSlowFactor } from './fault-windows.js';
import { type LiveDatabase, QUERY_FAILED, QUERY_TIMED_OUT } from './live-database.js';

export { QUERY_TIMED_OUT };

interface PendingQuery {
  key: number;
  isRead: boolean;
  /** A write-behind batch: one write query that commits nothing itself (the caller persists its entries). */
  flush: boolean;
  submitted: number;
  settled: boolean;
  onStarted: (waitMs: number, inUse: number) => void;
  timer: NodeJS.Timeout | null;
  resolve: (version: number) => void;
}

export interface WallClockDatabaseSetup {
  readLatency: LatencySampler;
  writeLatency: LatencySampler;
  maxConcurrency: number;
  timeoutMs: number | null;
  ledger: VersionLedger;
  /** ms since the run started. */
  now: () => number;
  /**
   * When the run is split over threads, each with its share of the pool: the cell counting connections
   * in use across all of them, so `onStarted` reports the run's concurrency (db.max_inflight), not the thread's.
   */
  inUseAcrossThreads?: { cells: Int32Array; index: number };
  /** The run's fault windows: `db-down` and `db-slow` act here, when a query starts, as in the simulation. */
  faults?: readonly FaultSpec[];
}

/**
 * The database model (docs/scenario-reference.md, "database") on the wall clock, with the semantics of the virtual-clock engine
 * (engine/timed-simulation.ts): a pool of `maxConcurrency` connections with a FIFO queue beyond it; a
 * query holds its connection for a service time drawn from the latency model (slept with a timer, so
 * ~1 ms timer granularity applies); a read returns the version committed when it starts executing; a
 * write commits a new version when it completes. A query not done `timeoutMs` after submission resolves
 * as QUERY_TIMED_OUT; the database still finishes it (a write still commits, unacknowledged).
 * Fault windows act when a query gets its connection, as in the simulation: in a `db-down` window it fails
 * at once (QUERY_FAILED; a write-behind flush waits for the window's end instead), in a `db-slow` one its
 * service time is multiplied by the factor.
 */
export class WallClockDatabase implements LiveDatabase {
  private inUse = 0;
  private readonly queue: PendingQuery[] = [];
  private queueHead = 0;

  constructor(private readonly setup: WallClockDatabaseSetup) {}

  /**
   * Resolves with the version read (reads) or committed (writes), or QUERY_TIMED_OUT. `onStarted` is told
   * when the query gets a connection, after waiting `waitMs`, with `inUse` connections now busy.
   */
  query(key: number, isRead: boolean, onStarted: (waitMs: number, inUse: number) => void): Promise<number> {
    return this.submit(key, isRead, false, onStarted);
  }

  /**
   * A write-behind flush: one write query (the write latency, a connection of the pool, no timeout, as in
   * the simulation) for a whole batch; resolves when it completes. The caller persists the batch's versions.
   */
  async flush(onStarted: (waitMs: number, inUse: number) => void): Promise<boolean> {
    // The database is down: the batch goes back to wait, and is flushed when the window ends.
    const downUntil = this.setup.faults === undefined ? -1 : dbDownUntil(this.setup.faults, this.setup.now());
    if (downUntil >= 0) await new Promise((resolve) => setTimeout(resolve, downUntil - this.setup.now()));
    await this.submit(-1, false, true, onStarted);
    return true;
  }

  private submit(key: number, isRead: boolean, flush: boolean, onStarted: (waitMs: number, inUse: number) => void): Promise<number> {
    return new Promise((resolve) => {
      const q: PendingQuery = { key, isRead, flush, submitted: this.setup.now(), settled: false, onStarted, timer: null, resolve };
      const timeout = flush ? null : this.setup.timeoutMs;
      if (timeout !== null) {
        q.timer = setTimeout(() => {
          q.settled = true;
          resolve(QUERY_TIMED_OUT);
        }, timeout);
      }
      if (this.inUse < this.setup.maxConcurrency) this.start(q);
      else this.queue.push(q);
    });
  }

  private start(q: PendingQuery): void {
    const s = this.setup;
    const faults = s.faults;
    if (faults !== undefined && faults.length > 0 && !q.flush && dbDownUntil(faults, s.now()) >= 0) {
      // Refused at once: it holds no connection, and the next in the queue is tried.
      if (q.timer !== null) clearTimeout(q.timer);
      q.settled = true;
      q.resolve(QUERY_FAILED);
      return;
    }
    this.inUse++;
    const shared = s.inUseAcrossThreads;
    const inUse = shared === undefined ? this.inUse : Atomics.add(shared.cells, shared.index, 1) + 1;
    const now = s.now();
    q.onStarted(now - q.submitted, inUse);
    const version = q.isRead ? s.ledger.committed[q.key] : 0;
    let serviceMs = (q.isRead ? s.readLatency : s.writeLatency).sample();
    if (faults !== undefined && faults.length > 0) serviceMs *= dbSlowFactor(faults, now);
    setTimeout(() => this.done(q, version), serviceMs);
  }

  private done(q: PendingQuery, readVersion: number): void {
    this.inUse--;
    const shared = this.setup.inUseAcrossThreads;
    if (shared !== undefined) Atomics.sub(shared.cells, shared.index, 1);
    const version = q.isRead ? readVersion : q.flush ? 0 : this.setup.ledger.commit(q.key);
    if (!q.settled) {
      q.settled = true;
      if (q.timer !== null) clearTimeout(q.timer);
      q.resolve(version);
    }
    while (this.inUse < this.setup.maxConcurrency && this.queueHead < this.queue.length) {
      const next = this.queue[this.queueHead++];
      // A query that timed out while queued never reaches the database.
      if (!next.settled) this.start(next);
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }
}
