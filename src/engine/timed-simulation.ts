import { AccessBatch, type AccessStream, OP_DELETE, OP_GET } from '../workload/access-event.js';
import type { InvalidationSpec } from '../scenario/scenario.js';
import type { RunRecorder } from '../metrics/run-recorder.js';
import type { CacheTier } from './cache-tier.js';
import { ConnectionPool } from './connection-pool.js';
import { EventQueue } from './event-queue.js';
import { doubledLength, grownInt32 } from '../collections/typed-array-growth.js';
import type { LatencySampler } from './latency-model.js';
import {
  RequestTable,
  STATE_ABANDONED,
  STATE_ACKING,
  STATE_AWAITING_TIMEOUT,
  STATE_CANCELLED,
  STATE_EXECUTING,
  STATE_LOOKUP,
  STATE_QUEUED,
} from './request-table.js';
import { VersionLedger } from './version-ledger.js';

export interface TimedSimulationSetup {
  stream: AccessStream;
  /** null: the no-cache baseline. */
  cache: CacheTier | null;
  cacheLatency: LatencySampler | null;
  invalidation: InvalidationSpec;
  dbReadLatency: LatencySampler;
  dbWriteLatency: LatencySampler;
  maxConcurrency: number;
  timeoutMs: number | null;
  recorder: RunRecorder;
}

const EV_DB_SUBMIT = 0;
const EV_DB_DONE = 1;
const EV_WRITE_ACK = 2;
const EV_TIMEOUT = 3;

/**
 * Cache-aside on a virtual clock: a discrete-event simulation. Arrivals come from the workload in time
 * order; everything that takes time (a cache lookup before a miss goes to the database, a query in the
 * pool, an invalidation before a write is acknowledged, a timeout) is a future event.
 *
 * A read looks up the cache (its latency model). A hit is served at once from the cached copy. A miss
 * submits a read to the database after the lookup; the query reads the committed version when it gets
 * a connection, and on completion the result fills the cache and is returned after one more cache
 * operation (the fill). A write goes to the database first; once committed, the cached copy is deleted
 * or updated (one cache operation) and the write is acknowledged. Values carry versions, so a read is
 * stale when its version is older than the newest acknowledged write at the moment it is served.
 */
export class TimedSimulation {
  private readonly events = new EventQueue();
  private readonly requests = new RequestTable();
  private readonly ledger = new VersionLedger();
  private readonly pool: ConnectionPool;
  /** DB reads in flight (queued or executing), by key: the herd. */
  private fetchesInFlight = new Int32Array(0);
  /** First executing read of each key (list through RequestTable.nextOfKey), or -1. */
  private executingReadsOfKey = new Int32Array(0);

  constructor(private readonly setup: TimedSimulationSetup) {
    this.pool = new ConnectionPool(setup.maxConcurrency);
  }

  run(): void {
    const { stream, recorder, cache } = this.setup;
    const batch = new AccessBatch(4096);
    const events = this.events;
    for (;;) {
      const n = stream.next(batch);
      if (n === 0) break;
      this.ensureKeySpace(stream.keySpace);
      const times = batch.time;
      const keys = batch.key;
      const ops = batch.op;
      const sizes = batch.size;
      const ttls = batch.ttl;
      for (let i = 0; i < n; i++) {
        const t = times[i];
        while (events.peekTime() <= t) this.dispatch();
        const key = keys[i];
        const op = ops[i];
        recorder.arrival(t, op);
        if (op === OP_GET) {
          if (cache !== null) {
            const lookupMs = this.setup.cacheLatency!.sample();
            const hit = cache.policy.get(key, t);
            recorder.readOutcome(t, hit, sizes[i]);
            if (hit) {
              this.served(t, key, cache.version[key], cache.staleSince[key], t);
              recorder.readCompleted(t, t + lookupMs, true);
              continue;
            }
            const slot = this.requests.allocate(t, key, op, sizes[i], ttls[i]);
            this.requests.state[slot] = STATE_LOOKUP;
            events.push(t + lookupMs, slot * 4 + EV_DB_SUBMIT);
          } else {
            recorder.readOutcome(t, false, sizes[i]);
            this.submit(this.requests.allocate(t, key, op, sizes[i], ttls[i]), t);
          }
        } else {
          this.submit(this.requests.allocate(t, key, op, sizes[i], ttls[i]), t);
        }
      }
    }
    while (events.size > 0) this.dispatch();
  }

  private dispatch(): void {
    const now = this.events.peekTime();
    const payload = this.events.pop();
    const slot = payload >> 2;
    switch (payload & 3) {
      case EV_DB_SUBMIT:
        this.submit(slot, now);
        break;
      case EV_DB_DONE:
        this.queryDone(slot, now);
        break;
      case EV_WRITE_ACK:
        this.acknowledge(slot, now);
        break;
      default:
        this.timedOut(slot, now);
    }
  }

  private submit(slot: number, now: number): void {
    const r = this.requests;
    const isRead = r.op[slot] === OP_GET;
    const recorder = this.setup.recorder;
    r.submitted[slot] = now;
    recorder.dbSubmitted(now, isRead);
    if (isRead) recorder.fetchStarted(++this.fetchesInFlight[r.key[slot]]);
    if (this.pool.hasFreeConnection()) {
      this.start(slot, now);
    } else {
      r.state[slot] = STATE_QUEUED;
      this.pool.enqueue(slot);
      const timeout = this.setup.timeoutMs;
      if (timeout !== null) {
        r.timeoutPending[slot] = 1;
        this.events.push(now + timeout, slot * 4 + EV_TIMEOUT);
      }
    }
  }

  private start(slot: number, now: number): void {
    const r = this.requests;
    const pool = this.pool;
    pool.inUse++;
    this.setup.recorder.dbStarted(now - r.submitted[slot], pool.inUse);
    r.state[slot] = STATE_EXECUTING;
    const key = r.key[slot];
    let serviceMs: number;
    if (r.op[slot] === OP_GET) {
      serviceMs = this.setup.dbReadLatency.sample();
      r.version[slot] = this.ledger.committed[key];
      r.staleSince[slot] = Number.POSITIVE_INFINITY;
      this.linkExecutingRead(slot, key);
    } else {
      serviceMs = this.setup.dbWriteLatency.sample();
    }
    this.events.push(now + serviceMs, slot * 4 + EV_DB_DONE);
    const timeout = this.setup.timeoutMs;
    if (timeout !== null && r.timeoutPending[slot] === 0 && now + serviceMs - r.submitted[slot] > timeout) {
      r.timeoutPending[slot] = 1;
      this.events.push(r.submitted[slot] + timeout, slot * 4 + EV_TIMEOUT);
    }
  }

  private queryDone(slot: number, now: number): void {
    const r = this.requests;
    const { cache, recorder } = this.setup;
    const key = r.key[slot];
    const isRead = r.op[slot] === OP_GET;
    this.pool.inUse--;
    if (r.state[slot] === STATE_ABANDONED) {
      // The client gave up; the database still did the work (a write still commits, unacknowledged).
      if (isRead) this.fetchesInFlight[key]--;
      else this.ledger.commit(key);
      r.release(slot);
    } else if (isRead) {
      this.fetchesInFlight[key]--;
      this.unlinkExecutingRead(slot, key);
      this.served(r.arrival[slot], key, r.version[slot], r.staleSince[slot], now);
      let end = now;
      if (cache !== null) {
        cache.fill(key, r.size[slot], r.ttl[slot], r.version[slot], r.staleSince[slot], now);
        end += this.setup.cacheLatency!.sample();
      }
      recorder.readCompleted(r.arrival[slot], end, false);
      this.finish(slot);
    } else {
      const version = this.ledger.commit(key);
      r.version[slot] = version;
      const touched =
        cache?.writeCommitted(this.setup.invalidation, r.op[slot] === OP_DELETE, key, r.size[slot], r.ttl[slot], version, now) ===
        true;
      if (touched) {
        r.state[slot] = STATE_ACKING;
        this.events.push(now + this.setup.cacheLatency!.sample(), slot * 4 + EV_WRITE_ACK);
      } else {
        this.acknowledge(slot, now);
      }
    }
    this.startQueued(now);
  }

  private startQueued(now: number): void {
    const pool = this.pool;
    while (pool.queued > 0 && pool.hasFreeConnection()) {
      const next = pool.dequeue();
      if (this.requests.state[next] === STATE_CANCELLED) this.requests.release(next);
      else this.start(next, now);
    }
  }

  private acknowledge(slot: number, now: number): void {
    const r = this.requests;
    const key = r.key[slot];
    const version = r.version[slot];
    if (this.ledger.acknowledge(key, version)) {
      this.setup.cache?.superseded(key, version, now);
      for (let s = this.executingReadsOfKey[key]; s !== -1; s = r.nextOfKey[s]) {
        if (r.version[s] < version && r.staleSince[s] === Number.POSITIVE_INFINITY) r.staleSince[s] = now;
      }
    }
    this.setup.recorder.writeCompleted(r.arrival[slot], now);
    this.finish(slot);
  }

  private timedOut(slot: number, now: number): void {
    const r = this.requests;
    r.timeoutPending[slot] = 0;
    const state = r.state[slot];
    if (state === STATE_AWAITING_TIMEOUT) {
      r.release(slot);
      return;
    }
    if (state !== STATE_QUEUED && state !== STATE_EXECUTING) return; // committed and acknowledging: not a timeout
    const key = r.key[slot];
    const isRead = r.op[slot] === OP_GET;
    if (state === STATE_QUEUED) {
      r.state[slot] = STATE_CANCELLED;
      if (isRead) this.fetchesInFlight[key]--;
    } else {
      r.state[slot] = STATE_ABANDONED;
      if (isRead) this.unlinkExecutingRead(slot, key);
    }
    const recorder = this.setup.recorder;
    recorder.dbTimeouts++;
    recorder.requestFailed(r.arrival[slot], now, isRead);
  }

  /** A request is done with its slot; one with a timeout still scheduled keeps it until then. */
  private finish(slot: number): void {
    const r = this.requests;
    if (r.timeoutPending[slot] === 1) r.state[slot] = STATE_AWAITING_TIMEOUT;
    else r.release(slot);
  }

  /** A read returns `version` of `key` at `now`; stale when older than the acknowledged truth. */
  private served(start: number, key: number, version: number, staleSince: number, now: number): void {
    if (version < this.ledger.acknowledged[key]) {
      if (staleSince === Number.POSITIVE_INFINITY) throw new Error(`engine: stale copy of key ${key} was never marked`);
      this.setup.recorder.staleRead(start, now - staleSince);
    }
  }

  private linkExecutingRead(slot: number, key: number): void {
    const r = this.requests;
    const head = this.executingReadsOfKey[key];
    r.prevOfKey[slot] = -1;
    r.nextOfKey[slot] = head;
    if (head !== -1) r.prevOfKey[head] = slot;
    this.executingReadsOfKey[key] = slot;
  }

  private unlinkExecutingRead(slot: number, key: number): void {
    const r = this.requests;
    const prev = r.prevOfKey[slot];
    const next = r.nextOfKey[slot];
    if (prev === -1) this.executingReadsOfKey[key] = next;
    else r.nextOfKey[prev] = next;
    if (next !== -1) r.prevOfKey[next] = prev;
  }

  private ensureKeySpace(keySpace: number): void {
    if (keySpace <= this.fetchesInFlight.length) return;
    this.ledger.ensureKeySpace(keySpace);
    this.setup.cache?.ensureKeySpace(keySpace);
    this.fetchesInFlight = grownInt32(this.fetchesInFlight, doubledLength(this.fetchesInFlight.length, keySpace), 0);
    this.executingReadsOfKey = grownInt32(this.executingReadsOfKey, doubledLength(this.executingReadsOfKey.length, keySpace), -1);
  }
}
