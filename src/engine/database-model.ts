import { OP_FLUSH, type Application } from '../application/application.js';
import type { DatabasePort } from '../application/ports.js';
import { doubledLength, grownFloat64, grownFreeList, grownInt32, grownUint8 } from '../collections/typed-array-growth.js';
import type { RunRecorder } from '../metrics/run-recorder.js';
import { OP_GET } from '../workload/access-event.js';
import { ConnectionPool } from './connection-pool.js';
import type { LatencySampler } from './latency-model.js';

const FREE = 0;
const QUEUED = 1;
const EXECUTING = 2;
/** Timed out while queued: skipped (and freed) when the pool reaches it. */
const CANCELLED = 3;
/** Timed out while executing: the database finishes the query, nobody uses the result. */
const ABANDONED = 4;
/** Answered before its deadline; freed when its timeout fires. */
const AWAITING_TIMEOUT = 5;

/** The database's events on the virtual clock: payload = query × 2 + kind. */
export const DB_DONE = 0;
export const DB_TIMEOUT = 1;

export interface DatabaseModelSetup {
  readLatency: LatencySampler;
  writeLatency: LatencySampler;
  maxConcurrency: number;
  timeoutMs: number | null;
  recorder: RunRecorder;
  /**
   * The clock's queue of future events (the virtual clock's EventQueue, or the wall clock's timers): the
   * database's (DB_DONE, DB_TIMEOUT) go in as (`query × 2 + kind`) × `scale` + `offset`, and the driver
   * hands them back through `event` when they are due.
   */
  events: { push(time: number, payload: number): void };
  scale: number;
  offset: number;
  /**
   * When a live run is split over threads, each with its share of the pool: the cell counting connections
   * in use across all of them, so the run's concurrency is recorded (db.max_inflight), not the thread's.
   */
  inUseAcrossThreads?: { cells: Int32Array; index: number };
  /** A query failed (refused in a `db-down` window) or timed out: a live run under on_db_error: fail stops. */
  failed?: (message: string) => void;
}

/**
 * The database model (docs/scenario-reference.md, "database"), on the virtual clock or the wall clock —
 * whichever queue its events go into: a pool of
 * `max_concurrency` connections with a FIFO queue beyond it; a query holds its connection for a service
 * time drawn from the latency model (× the factor of the `db-slow` windows open when it starts); a read
 * returns the version committed when it starts executing; a write commits a new version when it
 * completes. A query not done `timeout` after submission fails the request; the database still finishes
 * it (a write still commits, unacknowledged). In a `db-down` window a query fails when it would get its
 * connection. Its queries are its own records (a timed-out query outlives its request), each answering
 * its request exactly once through the application.
 */
export class DatabaseModel implements DatabasePort {
  private app: Application | null = null;
  private readonly pool: ConnectionPool;
  /** `db-down` windows open now, and the product of the `db-slow` factors. */
  down = 0;
  slowFactor = 1;
  // The queries, a struct of arrays with a free list.
  private request = new Int32Array(0);
  private key = new Int32Array(0);
  private op = new Uint8Array(0);
  private arrival = new Float64Array(0);
  private submitted = new Float64Array(0);
  private state = new Uint8Array(0);
  private timeoutPending = new Uint8Array(0);
  private version = new Int32Array(0);
  private staleSince = new Float64Array(0);
  /** Executing reads of the same key, a doubly linked list per key (staleness marking on acknowledge). */
  private nextOfKey = new Int32Array(0);
  private prevOfKey = new Int32Array(0);
  private free = new Int32Array(0);
  private freeCount = 0;
  private capacity = 0;
  /** The query of each write-behind flush's request slot (its latest): what withdraw() looks for. */
  private queryOfRequest = new Int32Array(0);
  /** DB reads in flight (queued or executing), by key: the herd. */
  private fetchesInFlight = new Int32Array(0);
  /** First executing read of each key, or -1. */
  private executingReadsOfKey = new Int32Array(0);

  constructor(private readonly setup: DatabaseModelSetup) {
    this.pool = new ConnectionPool(setup.maxConcurrency);
    this.grow(1024);
  }

  attach(app: Application): void {
    this.app = app;
  }

  submit(slot: number, key: number, op: number, _size: number, arrival: number, now: number): void {
    if (key >= this.fetchesInFlight.length && op !== OP_FLUSH) this.ensureKeySpace(key + 1);
    if (this.freeCount === 0) this.grow(this.capacity * 2);
    const q = this.free[--this.freeCount];
    this.request[q] = slot;
    this.key[q] = key;
    this.op[q] = op;
    this.arrival[q] = arrival;
    this.submitted[q] = now;
    this.timeoutPending[q] = 0;
    this.staleSince[q] = Number.POSITIVE_INFINITY;
    if (op === OP_FLUSH) {
      if (slot >= this.queryOfRequest.length) this.queryOfRequest = grownInt32(this.queryOfRequest, doubledLength(this.queryOfRequest.length, slot + 1));
      this.queryOfRequest[slot] = q;
    }
    const isRead = op === OP_GET;
    const recorder = this.setup.recorder;
    recorder.dbSubmitted(now, isRead, arrival);
    if (isRead) recorder.fetchStarted(++this.fetchesInFlight[key], arrival);
    if (this.pool.hasFreeConnection()) {
      this.start(q, now);
    } else {
      this.state[q] = QUEUED;
      this.pool.enqueue(q);
      const timeout = this.setup.timeoutMs;
      if (timeout !== null && op !== OP_FLUSH) {
        this.timeoutPending[q] = 1;
        this.at(now + timeout, q * 2 + DB_TIMEOUT);
      }
    }
  }

  /** A write-behind batch: one write query (the write latency, a connection, no timeout). Its key column holds the batch's first entry. */
  flush(slot: number, first: number, _count: number, now: number): void {
    this.submit(slot, first, OP_FLUSH, 0, now, now);
  }

  withdraw(slot: number): boolean {
    if (slot >= this.queryOfRequest.length) return false;
    const q = this.queryOfRequest[slot];
    if (this.request[q] !== slot || this.state[q] !== QUEUED) return false;
    this.state[q] = CANCELLED;
    return true;
  }

  superseded(key: number, version: number, now: number): void {
    if (key >= this.executingReadsOfKey.length) return;
    for (let q = this.executingReadsOfKey[key]; q !== -1; q = this.nextOfKey[q]) {
      if (this.version[q] < version && this.staleSince[q] === Number.POSITIVE_INFINITY) this.staleSince[q] = now;
    }
  }

  /** One of the database's events (DB_DONE, DB_TIMEOUT) at `now`. */
  event(payload: number, now: number): void {
    if ((payload & 1) === DB_DONE) this.done(payload >> 1, now);
    else this.timedOut(payload >> 1, now);
  }

  private at(time: number, payload: number): void {
    const s = this.setup;
    s.events.push(time, payload * s.scale + s.offset);
  }

  private start(q: number, now: number): void {
    if (this.down > 0) {
      this.refused(q, now);
      return;
    }
    const pool = this.pool;
    pool.inUse++;
    const shared = this.setup.inUseAcrossThreads;
    const inUse = shared === undefined ? pool.inUse : Atomics.add(shared.cells, shared.index, 1) + 1;
    this.setup.recorder.dbStarted(now - this.submitted[q], inUse, now, this.arrival[q]);
    this.state[q] = EXECUTING;
    const key = this.key[q];
    const op = this.op[q];
    let serviceMs: number;
    if (op === OP_GET) {
      serviceMs = this.setup.readLatency.sample();
      const ledger = this.app!.ledger;
      this.version[q] = ledger.committed[key];
      this.staleSince[q] = ledger.dbStaleSince(key);
      this.linkExecutingRead(q, key);
    } else {
      serviceMs = this.setup.writeLatency.sample();
    }
    serviceMs *= this.slowFactor;
    this.at(now + serviceMs, q * 2 + DB_DONE);
    const timeout = this.setup.timeoutMs;
    if (timeout !== null && op !== OP_FLUSH && this.timeoutPending[q] === 0 && now + serviceMs - this.submitted[q] > timeout) {
      this.timeoutPending[q] = 1;
      this.at(this.submitted[q] + timeout, q * 2 + DB_TIMEOUT);
    }
  }

  /** The database is down: the query fails at once. */
  private refused(q: number, now: number): void {
    const op = this.op[q];
    if (op === OP_GET) this.fetchesInFlight[this.key[q]]--;
    this.app!.queryFailed(this.request[q], now);
    this.finish(q);
    if (op !== OP_FLUSH) this.setup.failed?.(`a ${op === OP_GET ? 'read' : 'write'} query failed (the database is down)`);
  }

  private done(q: number, now: number): void {
    const key = this.key[q];
    const op = this.op[q];
    const app = this.app!;
    this.pool.inUse--;
    const shared = this.setup.inUseAcrossThreads;
    if (shared !== undefined) Atomics.sub(shared.cells, shared.index, 1);
    if (op === OP_FLUSH) {
      app.queryDone(this.request[q], 0, Number.POSITIVE_INFINITY, now);
      this.release(q);
    } else if (this.state[q] === ABANDONED) {
      // The client gave up; the database still did the work (a write still commits, unacknowledged).
      if (op === OP_GET) this.fetchesInFlight[key]--;
      else app.ledger.commit(key);
      this.release(q);
    } else if (op === OP_GET) {
      this.fetchesInFlight[key]--;
      this.unlinkExecutingRead(q, key);
      app.queryDone(this.request[q], this.version[q], this.staleSince[q], now);
      this.finish(q);
    } else {
      app.queryDone(this.request[q], app.ledger.commit(key), Number.POSITIVE_INFINITY, now);
      this.finish(q);
    }
    const pool = this.pool;
    while (pool.queued > 0 && pool.hasFreeConnection()) {
      const next = pool.dequeue();
      if (this.state[next] === CANCELLED) this.release(next);
      else this.start(next, now);
    }
  }

  private timedOut(q: number, now: number): void {
    this.timeoutPending[q] = 0;
    const state = this.state[q];
    if (state === AWAITING_TIMEOUT) {
      this.release(q);
      return;
    }
    if (state !== QUEUED && state !== EXECUTING) return;
    const key = this.key[q];
    const isRead = this.op[q] === OP_GET;
    if (state === QUEUED) {
      this.state[q] = CANCELLED;
      if (isRead) this.fetchesInFlight[key]--;
    } else {
      this.state[q] = ABANDONED;
      if (isRead) this.unlinkExecutingRead(q, key);
    }
    this.setup.recorder.dbTimedOut(this.arrival[q]);
    this.app!.queryFailed(this.request[q], now);
    this.setup.failed?.(`a ${isRead ? 'read' : 'write'} query timed out (database.timeout)`);
  }

  /** The query has answered; one with a timeout still scheduled keeps its record until then. */
  private finish(q: number): void {
    if (this.timeoutPending[q] === 1) this.state[q] = AWAITING_TIMEOUT;
    else this.release(q);
  }

  private release(q: number): void {
    this.state[q] = FREE;
    this.free[this.freeCount++] = q;
  }

  private linkExecutingRead(q: number, key: number): void {
    const head = this.executingReadsOfKey[key];
    this.prevOfKey[q] = -1;
    this.nextOfKey[q] = head;
    if (head !== -1) this.prevOfKey[head] = q;
    this.executingReadsOfKey[key] = q;
  }

  private unlinkExecutingRead(q: number, key: number): void {
    const prev = this.prevOfKey[q];
    const next = this.nextOfKey[q];
    if (prev === -1) this.executingReadsOfKey[key] = next;
    else this.nextOfKey[prev] = next;
    if (next !== -1) this.prevOfKey[next] = prev;
  }

  private ensureKeySpace(keySpace: number): void {
    this.fetchesInFlight = grownInt32(this.fetchesInFlight, doubledLength(this.fetchesInFlight.length, keySpace), 0);
    this.executingReadsOfKey = grownInt32(this.executingReadsOfKey, doubledLength(this.executingReadsOfKey.length, keySpace), -1);
  }

  private grow(capacity: number): void {
    const old = this.capacity;
    this.request = grownInt32(this.request, capacity);
    this.key = grownInt32(this.key, capacity);
    this.op = grownUint8(this.op, capacity);
    this.arrival = grownFloat64(this.arrival, capacity);
    this.submitted = grownFloat64(this.submitted, capacity);
    this.state = grownUint8(this.state, capacity);
    this.timeoutPending = grownUint8(this.timeoutPending, capacity);
    this.version = grownInt32(this.version, capacity);
    this.staleSince = grownFloat64(this.staleSince, capacity);
    this.nextOfKey = grownInt32(this.nextOfKey, capacity);
    this.prevOfKey = grownInt32(this.prevOfKey, capacity);
    this.free = grownFreeList(this.free, this.freeCount, old, capacity);
    this.freeCount += capacity - old;
    this.capacity = capacity;
  }
}
