import { AccessBatch, type AccessStream, OP_DELETE, OP_GET } from '../workload/access-event.js';
import type { FaultSpec, WarmupSpec } from '../scenario/scenario.js';
import type { RunRecorder } from '../metrics/run-recorder.js';
import type { InvalidationMessageMetrics, WriteBehindMetrics } from '../result/run-result.js';
import { RandomSource } from '../random/random-source.js';
import type { Topology } from '../topology/topology.js';
import type { CacheTier } from './cache-tier.js';
import { ConnectionPool } from './connection-pool.js';
import { EventQueue } from './event-queue.js';
import { type FaultEdge, faultEdges } from './fault-timeline.js';
import { doubledLength, grownInt32 } from '../collections/typed-array-growth.js';
import { createLatencySampler, type LatencySampler } from './latency-model.js';
import {
  FLAG_BACKGROUND,
  FLAG_HOLDS_LOCK,
  FLAG_LEADER,
  RequestTable,
  STATE_ABANDONED,
  STATE_ACKING,
  STATE_AWAITING_TIMEOUT,
  STATE_BLOCKED,
  STATE_CANCELLED,
  STATE_EXECUTING,
  STATE_IN_TRANSIT,
  STATE_LOOKUP,
  STATE_QUEUED,
  STATE_WAITING,
} from './request-table.js';
import { StampedeGuard } from './stampede-guard.js';
import { VersionLedger } from './version-ledger.js';
import { WriteBehindQueues } from './write-behind-queues.js';

export interface TimedSimulationSetup {
  /** Where `step` takes its arrivals; null: they are handed to `arrive` (a one-pass sweep's lane). */
  stream: AccessStream | null;
  /** null: the no-cache baseline. */
  topology: Topology | null;
  dbReadLatency: LatencySampler;
  dbWriteLatency: LatencySampler;
  maxConcurrency: number;
  timeoutMs: number | null;
  recorder: RunRecorder;
  /** Fault windows on the run's clock (docs/scenario-reference.md, "Faults"); the baseline runs without them. */
  faults?: readonly FaultSpec[];
  /** Seeds the engine's own draws: pub/sub delays and losses, xfetch's early expiry. */
  seed?: number;
  /** Requests run but not measured at the start (the recorder's `measuredFrom`); absent: none. */
  warmup?: WarmupSpec;
}

// An event is a request slot (or a node, or a fault edge) and a kind, packed as slot × 16 + kind.
const EV_LOOKED_UP = 0;
const EV_DB_DONE = 1;
const EV_WRITE_ACK = 2;
const EV_TIMEOUT = 3;
const EV_SUBMIT = 4;
const EV_RETRY = 5;
const EV_MESSAGE = 6;
const EV_FLUSH_DUE = 7;
const EV_FAULT = 8;

/** Request ops beside get/set/delete: a write-behind batch (one DB query), a pub/sub message. */
const OP_FLUSH = 3;
const OP_MESSAGE = 4;

const P_NONE = 0;
const P_LOCK = 1;
const P_COALESCE = 2;
const P_REFRESH_AHEAD = 3;
const P_SWR = 4;
const P_XFETCH = 5;
const PROTECTIONS = ['none', 'lock', 'coalesce', 'refresh-ahead', 'stale-while-revalidate', 'xfetch'];

const INF = Number.POSITIVE_INFINITY;

/**
 * The application, its cache tiers and its database on a virtual clock: a discrete-event simulation.
 * Arrivals come from the workload in time order; everything that takes time (a lookup before a miss goes
 * to the database, a query in the pool, an invalidation before a write is acknowledged, a lock retry, a
 * pub/sub message, a write-behind flush, a timeout, a fault's edges) is a future event.
 *
 * A read reaches a node (the topology's routing) and looks up the node's local tier, then the shared
 * tier. Lookups see the cache as of the request's arrival and add their latencies to its response time.
 * A hit is served from the cached copy (a shared-tier hit also fills the local tier). A miss goes to the
 * database — or, under stampede protection, shares an in-flight fetch (coalesce), or takes a lock and
 * fetches while others sleep and look again (lock); refresh-ahead, stale-while-revalidate and xfetch
 * act on hits instead. The query reads the committed version when it gets a connection; its result is
 * served, then fills the shared tier (cache-aside: one more cache operation; read-through: the cache
 * fills itself) and the local tier.
 *
 * A write goes to the database first (cache-aside, read-through, write-through); once committed, the
 * cached copies are deleted or updated (one cache operation) — the writer's tiers only; other nodes'
 * local tiers learn of it by pub/sub, if at all — and the write is acknowledged. Under write-behind the
 * cache takes the write and acknowledges it at once; the node's queue flushes it later, in batches.
 * Values carry versions, so a read is stale when its version is older than the newest acknowledged write
 * at the moment it is served.
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

  private readonly topology: Topology | null;
  private readonly protection: number;
  /** Whether hits consult the protection (refresh-ahead, stale-while-revalidate, xfetch). */
  private readonly hitsConsultProtection: boolean;
  private readonly guard: StampedeGuard | null;
  private readonly queues: WriteBehindQueues | null;
  /** Whether a miss's fill is mediated by the cache (read-through, write-through, write-behind): never older over newer. */
  private readonly mediated: boolean;
  /** Whether the cache-aside application fills the shared tier itself (one more cache operation on a miss's path). */
  private readonly applicationFills: boolean;
  /** Whether writes put the value into the writer's tiers (update, write-through, write-behind) rather than deleting it. */
  private readonly writesTheValue: boolean;
  private readonly pubsubDelay: LatencySampler | null;
  private readonly engineRandom: RandomSource;
  private writesSeen = false;

  private readonly faults: readonly FaultSpec[];
  private readonly edges: FaultEdge[];
  private cacheDown = 0;
  private dbDown = 0;
  private partitioned = 0;
  private dbSlowFactor = 1;

  private readonly messages: InvalidationMessageMetrics = { sent: 0, received: 0, lost: 0 };
  /** Per node: first and last write-behind write waiting for room (lists through RequestTable.chain). */
  private blockedHead: Int32Array;
  private blockedTail: Int32Array;

  private readonly batch = new AccessBatch(4096);
  /** The stream has ended and every event has been dispatched. */
  private finished = false;
  /** Warm-up requests still to come, and the intended start of the last one so far. */
  private warmupLeft: number;
  private lastWarmupStart = Number.NEGATIVE_INFINITY;

  constructor(private readonly setup: TimedSimulationSetup) {
    this.pool = new ConnectionPool(setup.maxConcurrency);
    const topology = setup.topology;
    this.topology = topology;
    const spec = topology?.spec;
    this.protection = spec === undefined ? P_NONE : PROTECTIONS.indexOf(spec.stampede.protection);
    this.hitsConsultProtection = this.protection >= P_REFRESH_AHEAD;
    this.guard = topology !== null && this.protection !== P_NONE ? new StampedeGuard(topology.nodes, topology.protectsShared) : null;
    const nodes = topology?.nodes ?? 1;
    this.queues = spec?.pattern === 'write-behind' ? new WriteBehindQueues(nodes) : null;
    this.mediated = spec !== undefined && spec.pattern !== 'cache-aside';
    this.applicationFills = spec?.pattern === 'cache-aside';
    this.writesTheValue = spec !== undefined && (spec.pattern === 'write-through' || spec.pattern === 'write-behind' || spec.invalidation === 'update');
    const seed = setup.seed ?? 1;
    this.pubsubDelay = spec?.pubsub ? createLatencySampler(spec.pubsub.delay, RandomSource.derive(seed, 'pubsub-delay')) : null;
    this.engineRandom = RandomSource.derive(seed, 'engine');
    this.blockedHead = new Int32Array(nodes).fill(-1);
    this.blockedTail = new Int32Array(nodes).fill(-1);
    this.faults = setup.faults ?? [];
    this.edges = faultEdges(this.faults);
    for (const [i, edge] of this.edges.entries()) this.events.push(edge.time, i * 16 + EV_FAULT);
    if (topology?.local != null) setup.recorder.timeseries.tiers = true;
    // A warm-up of N requests ends at the first arrival after the N-th that is later than it (requests
    // arriving at the same instant as the N-th are warm-up too), so every request is measured or not as a whole.
    const warmup = setup.warmup;
    this.warmupLeft = warmup?.kind === 'requests' ? warmup.requests : 0;
    if (warmup?.kind === 'duration') setup.recorder.measuredFrom = warmup.ms;
    else if (this.warmupLeft > 0) setup.recorder.measuredFrom = Number.POSITIVE_INFINITY;
  }

  run(): void {
    while (!this.step(Number.POSITIVE_INFINITY));
  }

  /**
   * Takes up to `batches` batches of arrivals from the stream (and dispatches every event before them);
   * true once the stream has ended and every request has completed. A driver that must stay responsive
   * (Ctrl-C) runs the simulation in steps; the result does not depend on how it was stepped.
   */
  step(batches: number): boolean {
    if (this.finished) return true;
    const stream = this.setup.stream;
    if (stream === null) throw new Error('a timed simulation without a stream is fed through arrive()');
    const batch = this.batch;
    for (let b = 0; b < batches; b++) {
      const n = stream.next(batch);
      if (n === 0) {
        this.drain();
        return true;
      }
      this.arrive(batch, n, stream.keySpace);
    }
    return false;
  }

  /**
   * The first `n` arrivals of `batch` (ids below `keySpace`), each after every event due before it: what
   * `step` does with a batch it took. A sweep feeds several simulations the same batches this way; the
   * result depends only on the arrivals, not on how they were cut into batches.
   */
  arrive(batch: AccessBatch, n: number, keySpace: number): void {
    const recorder = this.setup.recorder;
    const events = this.events;
    const topology = this.topology;
    let warmupLeft = this.warmupLeft;
    let lastWarmupStart = this.lastWarmupStart;
    this.ensureKeySpace(keySpace);
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
      if (warmupLeft > 0) {
        warmupLeft--;
        lastWarmupStart = t;
      } else if (t > lastWarmupStart && recorder.measuredFrom === Number.POSITIVE_INFINITY) {
        recorder.measuredFrom = t;
      }
      recorder.arrival(t, op);
      if (topology === null) {
        this.submit(this.requests.allocate(t, key, op, sizes[i], ttls[i]), t);
      } else if (op === OP_GET) {
        this.arriveRead(topology, t, key, sizes[i], ttls[i]);
      } else {
        this.arriveWrite(topology, t, key, op, sizes[i], ttls[i]);
      }
    }
    this.warmupLeft = warmupLeft;
    this.lastWarmupStart = lastWarmupStart;
  }

  /** No more arrivals: every event still due is dispatched (the requests in flight complete). */
  drain(): void {
    if (this.finished) return;
    while (this.events.size > 0) this.dispatch();
    this.finished = true;
  }

  /** Pub/sub message counts; null without pub/sub invalidation. */
  invalidationMessages(): InvalidationMessageMetrics | null {
    return this.topology?.spec.pubsub ? { ...this.messages } : null;
  }

  /** Write-behind counts; null without write-behind. */
  writeBehind(): WriteBehindMetrics | null {
    const q = this.queues;
    return q === null ? null : { max_pending: q.maxPending, flushed_writes: q.flushedWrites, lost_writes: q.lostWrites };
  }

  private dispatch(): void {
    const now = this.events.peekTime();
    const payload = this.events.pop();
    const slot = payload >> 4;
    switch (payload & 15) {
      case EV_LOOKED_UP:
        this.missed(slot, now);
        break;
      case EV_DB_DONE:
        this.queryDone(slot, now);
        break;
      case EV_WRITE_ACK:
        this.acknowledge(slot, now);
        break;
      case EV_TIMEOUT:
        this.timedOut(slot, now);
        break;
      case EV_SUBMIT:
        this.submit(slot, now);
        break;
      case EV_RETRY:
        this.retry(slot, now);
        break;
      case EV_MESSAGE:
        this.deliver(slot, now);
        break;
      case EV_FLUSH_DUE:
        this.flushDue(slot, now);
        break;
      default:
        this.faultEdge(this.edges[slot], now);
    }
  }

  // ---- reads ----

  private arriveRead(topology: Topology, t: number, key: number, size: number, ttl: number): void {
    const recorder = this.setup.recorder;
    const node = topology.route(key);
    if (node < 0) {
      recorder.readOutcome(t, false, size);
      recorder.requestFailed(t, t, true);
      return;
    }
    let latency = 0;
    const local = topology.local;
    if (local !== null) {
      const tier = local[node];
      latency += topology.localLatency!.sample();
      const slot = tier.lookup(key, t);
      recorder.tierLookup(t, 1, slot >= 0);
      if (slot >= 0 && (topology.shared !== null || !this.hitsConsultProtection || this.hitIsServed(tier, slot, node, key, t, size, ttl))) {
        this.hitServed(t, key, tier, slot, size, t + latency);
        return;
      }
    }
    const shared = topology.shared;
    if (shared !== null) {
      latency += topology.sharedLatency!.sample();
      if (this.cacheDown > 0) {
        shared.errors++;
        if (topology.spec.on_cache_error === 'fail') {
          recorder.readOutcome(t, false, size);
          recorder.requestFailed(t, t + latency, true);
          return;
        }
      } else {
        const slot = shared.lookup(key, t);
        if (local !== null) recorder.tierLookup(t, 2, slot >= 0);
        if (slot >= 0 && (!this.hitsConsultProtection || this.hitIsServed(shared, slot, node, key, t, size, ttl))) {
          if (local !== null) {
            local[node].fill(key, size, ttl, shared.version[slot], shared.staleSince[slot], t);
            latency += topology.localLatency!.sample();
          }
          this.hitServed(t, key, shared, slot, size, t + latency);
          return;
        }
      }
    }
    const slot = this.requests.allocate(t, key, OP_GET, size, ttl);
    this.requests.node[slot] = node;
    this.requests.state[slot] = STATE_LOOKUP;
    this.events.push(t + latency, slot * 16 + EV_LOOKED_UP);
  }

  /**
   * A hit on the protected tier under refresh-ahead, stale-while-revalidate or xfetch: whether it is
   * served from the cache (possibly starting a background refresh) or, for xfetch's early expiry, taken
   * as a miss by this request.
   */
  private hitIsServed(tier: CacheTier, slot: number, node: number, key: number, now: number, size: number, ttl: number): boolean {
    const stampede = this.topology!.spec.stampede;
    const freshUntil = tier.freshUntil[slot];
    if (this.protection === P_XFETCH) {
      // Vattani et al.: recompute early when now − Δ·β·ln(U) ≥ expiry, U uniform on (0, 1].
      return now - tier.fetchMs[slot] * stampede.beta * Math.log(this.engineRandom.nextOpenFloat()) < freshUntil;
    }
    if (this.protection === P_SWR) {
      if (now >= freshUntil) this.refreshInBackground(node, key, now, size, ttl);
    } else {
      const tierTtl = tier === this.topology!.shared ? this.topology!.spec.ttl : this.topology!.spec.local!.ttl;
      const ttlMs = ttl > 0 ? ttl : (tierTtl ?? INF);
      if (freshUntil - now < stampede.refresh_ahead * ttlMs) this.refreshInBackground(node, key, now, size, ttl);
    }
    return true;
  }

  private hitServed(start: number, key: number, tier: CacheTier, slot: number, size: number, end: number): void {
    const recorder = this.setup.recorder;
    this.served(start, key, tier.version[slot], tier.staleSince[slot], start);
    recorder.readOutcome(start, true, size);
    recorder.readCompleted(start, end, true);
  }

  private refreshInBackground(node: number, key: number, now: number, size: number, ttl: number): void {
    const guard = this.guard!;
    const cell = guard.cell(node, key);
    if (guard.refreshing[cell] === 1) return;
    guard.refreshing[cell] = 1;
    const slot = this.requests.allocate(now, key, OP_GET, size, ttl);
    this.requests.node[slot] = node;
    this.requests.flags[slot] = FLAG_BACKGROUND;
    this.submit(slot, now);
  }

  /** A read missed every tier (its lookups done): fetch, share a fetch, or go for the lock. */
  private missed(slot: number, now: number): void {
    const r = this.requests;
    if (this.protection === P_COALESCE) {
      const guard = this.guard!;
      const cell = guard.flightCell(r.node[slot], r.key[slot]);
      const leader = guard.flight[cell];
      if (leader !== -1) {
        r.state[slot] = STATE_WAITING;
        r.chain[slot] = r.waiters[leader];
        r.waiters[leader] = slot;
        return;
      }
      guard.flight[cell] = slot;
      r.flags[slot] |= FLAG_LEADER;
      r.waiters[slot] = -1;
    } else if (this.protection === P_LOCK && !(this.topology!.protectsShared && this.cacheDown > 0)) {
      this.lockOrWait(slot, now);
      return;
    }
    this.submit(slot, now);
  }

  /** One round trip to the protected tier: SET NX PX. Taken: fetch. Taken by another: sleep `retry`, then look again. */
  private lockOrWait(slot: number, now: number): void {
    const r = this.requests;
    const topology = this.topology!;
    const stampede = topology.spec.stampede;
    const guard = this.guard!;
    const roundTrip = (topology.protectsShared ? topology.sharedLatency : topology.localLatency)!.sample();
    if (guard.tryLock(guard.cell(r.node[slot], r.key[slot]), slot, now, stampede.lock_ttl)) {
      r.flags[slot] |= FLAG_HOLDS_LOCK;
      r.state[slot] = STATE_LOOKUP;
      this.events.push(now + roundTrip, slot * 16 + EV_SUBMIT);
    } else {
      r.state[slot] = STATE_WAITING;
      this.events.push(now + roundTrip + stampede.retry, slot * 16 + EV_RETRY);
    }
  }

  /** A lock waiter looks again: a hit is served; a miss goes for the lock again. */
  private retry(slot: number, now: number): void {
    const r = this.requests;
    const topology = this.topology!;
    const node = r.node[slot];
    const key = r.key[slot];
    const shared = topology.protectsShared;
    if (shared && this.cacheDown > 0) {
      // The lock lives in the shared tier, which is down: no protection left.
      topology.shared!.errors++;
      if (topology.spec.on_cache_error === 'fail') {
        this.failRead(slot, now + topology.sharedLatency!.sample());
        this.finish(slot);
      } else {
        this.submit(slot, now);
      }
      return;
    }
    const tier = shared ? topology.shared! : topology.local![node];
    let end = now + (shared ? topology.sharedLatency! : topology.localLatency!).sample();
    const copy = tier.lookup(key, now);
    if (topology.local !== null) this.setup.recorder.tierLookup(r.arrival[slot], shared ? 2 : 1, copy >= 0);
    if (copy >= 0) {
      if (shared && topology.local !== null) {
        topology.local[node].fill(key, r.size[slot], r.ttl[slot], tier.version[copy], tier.staleSince[copy], now);
        end += topology.localLatency!.sample();
      }
      this.hitServed(r.arrival[slot], key, tier, copy, r.size[slot], end);
      this.finish(slot);
    } else {
      this.lockOrWait(slot, end);
    }
  }

  // ---- writes ----

  private arriveWrite(topology: Topology, t: number, key: number, op: number, size: number, ttl: number): void {
    if (!this.writesSeen) {
      this.writesSeen = true;
      for (const tier of topology.tiers()) tier.writesSeen = true;
    }
    const node = topology.route(key);
    if (node < 0) {
      this.setup.recorder.requestFailed(t, t, false);
      return;
    }
    const slot = this.requests.allocate(t, key, op, size, ttl);
    this.requests.node[slot] = node;
    if (this.queues === null) {
      this.submit(slot, t);
      return;
    }
    if (topology.shared !== null && this.cacheDown > 0) {
      topology.shared.errors++;
      if (topology.spec.on_cache_error === 'fail') this.failWrite(slot, t + topology.sharedLatency!.sample());
      else this.submit(slot, t); // the cache cannot take it: written through to the database instead
      return;
    }
    if (this.queues.pending[node] >= topology.spec.write_behind!.max_pending) {
      const r = this.requests;
      r.state[slot] = STATE_BLOCKED;
      r.chain[slot] = -1;
      if (this.blockedTail[node] === -1) this.blockedHead[node] = slot;
      else r.chain[this.blockedTail[node]] = slot;
      this.blockedTail[node] = slot;
      return;
    }
    this.takeWriteBehind(slot, t);
  }

  /** Write-behind: the cache takes the write (a new version, ahead of the database), acknowledges it, and queues it for the flush. */
  private takeWriteBehind(slot: number, now: number): void {
    const r = this.requests;
    const key = r.key[slot];
    const node = r.node[slot];
    const version = this.ledger.issue(key);
    r.version[slot] = version;
    const latency = this.writeIntoTiers(slot, version, now);
    this.queues!.enqueue(node, key, version, now);
    this.publish(node, key, version, now);
    r.state[slot] = STATE_ACKING;
    this.events.push(now + latency, slot * 16 + EV_WRITE_ACK);
    this.maybeFlush(node, now);
  }

  /**
   * The writer's tiers after its write: the value written (or deleted) in the shared tier and in its
   * node's local tier; returns the time it took. A shared tier that is down keeps its old copy (on_cache_error: fallback).
   */
  private writeIntoTiers(slot: number, version: number, now: number): number {
    const r = this.requests;
    const topology = this.topology!;
    const key = r.key[slot];
    const remove = r.op[slot] === OP_DELETE || !this.writesTheValue;
    let latency = 0;
    const shared = topology.shared;
    if (shared !== null) {
      latency += topology.sharedLatency!.sample();
      if (this.cacheDown > 0) shared.errors++;
      else if (remove) shared.invalidate(key);
      else shared.update(key, r.size[slot], r.ttl[slot], version, now);
    }
    const local = topology.local;
    if (local !== null) {
      latency += topology.localLatency!.sample();
      const tier = local[r.node[slot]];
      if (remove) tier.invalidate(key);
      else tier.update(key, r.size[slot], r.ttl[slot], version, now);
    }
    return latency;
  }

  /** A synchronous write committed: invalidate or update the writer's copies, tell the other nodes, then acknowledge. */
  private writeCommitted(slot: number, now: number): void {
    const r = this.requests;
    const key = r.key[slot];
    const version = this.ledger.commit(key);
    r.version[slot] = version;
    const topology = this.topology;
    if (topology === null || topology.spec.invalidation === 'ttl-only') {
      this.acknowledge(slot, now);
      return;
    }
    if (topology.shared !== null && this.cacheDown > 0 && topology.spec.on_cache_error === 'fail') {
      // Committed, but the invalidation cannot reach the shared tier: the request fails.
      topology.shared.errors++;
      this.failWrite(slot, now + topology.sharedLatency!.sample());
      return;
    }
    const latency = this.writeIntoTiers(slot, version, now);
    this.publish(r.node[slot], key, version, now);
    r.state[slot] = STATE_ACKING;
    this.events.push(now + latency, slot * 16 + EV_WRITE_ACK);
  }

  private acknowledge(slot: number, now: number): void {
    const r = this.requests;
    const key = r.key[slot];
    const version = r.version[slot];
    if (this.ledger.acknowledge(key, version, now)) {
      const topology = this.topology;
      if (topology !== null) {
        topology.shared?.superseded(key, version, now);
        const local = topology.local;
        if (local !== null) for (let n = 0; n < local.length; n++) local[n].superseded(key, version, now);
        this.queues?.superseded(key, version, now);
      }
      for (let s = this.executingReadsOfKey[key]; s !== -1; s = r.nextOfKey[s]) {
        if (r.version[s] < version && r.staleSince[s] === INF) r.staleSince[s] = now;
      }
    }
    this.setup.recorder.writeCompleted(r.arrival[slot], now);
    this.finish(slot);
  }

  private failWrite(slot: number, end: number): void {
    this.setup.recorder.requestFailed(this.requests.arrival[slot], end, false);
    this.requests.release(slot);
  }

  // ---- pub/sub ----

  /** Pub/sub invalidation: one message to every other node, delayed, possibly lost. */
  private publish(from: number, key: number, version: number, now: number): void {
    const delay = this.pubsubDelay;
    if (delay === null) return;
    const topology = this.topology!;
    const loss = topology.spec.pubsub!.loss;
    const r = this.requests;
    for (let node = 0; node < topology.nodes; node++) {
      if (node === from) continue;
      this.messages.sent++;
      if (this.partitioned > 0 || (loss > 0 && this.engineRandom.nextFloat() < loss)) {
        this.messages.lost++;
        continue;
      }
      const message = r.allocate(now, key, OP_MESSAGE, 0, 0);
      r.node[message] = node;
      r.version[message] = version;
      r.state[message] = STATE_IN_TRANSIT;
      this.events.push(now + delay.sample(), message * 16 + EV_MESSAGE);
    }
  }

  /** A message arrives: the node drops its older local copy (a crashed node never hears it). */
  private deliver(slot: number, now: number): void {
    const r = this.requests;
    const node = r.node[slot];
    const topology = this.topology!;
    if (!topology.isUp(node)) {
      this.messages.lost++;
    } else {
      this.messages.received++;
      topology.local![node].dropOlder(r.key[slot], r.version[slot], now);
    }
    r.release(slot);
  }

  // ---- write-behind flushes ----

  private maybeFlush(node: number, now: number): void {
    const queues = this.queues!;
    if (queues.flushing[node] !== -1 || queues.queued[node] === 0) return;
    const spec = this.topology!.spec.write_behind!;
    const due = queues.enqueuedAt[queues.head[node]] + spec.delay;
    if (this.dbDown === 0 && (queues.queued[node] >= spec.batch_size || now >= due)) {
      const first = queues.takeBatch(node, spec.batch_size);
      const slot = this.requests.allocate(now, first, OP_FLUSH, queues.batchSize, 0);
      this.requests.node[slot] = node;
      queues.flushing[node] = slot;
      this.submit(slot, now);
      return;
    }
    const at = now >= due ? now + spec.delay : due; // database down: try again a delay later
    if (at < queues.timerAt[node]) {
      queues.timerAt[node] = at;
      this.events.push(at, node * 16 + EV_FLUSH_DUE);
    }
  }

  private flushDue(node: number, now: number): void {
    const queues = this.queues!;
    if (queues.timerAt[node] !== now) return; // superseded by an earlier timer
    queues.timerAt[node] = INF;
    this.maybeFlush(node, now);
  }

  /** A flush reached the database (`lost` false) or never will (its node crashed while it waited for a connection). */
  private flushSettled(slot: number, now: number, lost: boolean): void {
    const queues = this.queues!;
    const r = this.requests;
    const node = r.node[slot];
    for (let e = r.key[slot]; e !== -1; ) {
      const next = queues.next[e];
      if (!lost) this.ledger.persist(queues.key[e], queues.version[e], queues.supersededAt[e]);
      queues.settle(node, e, lost);
      e = next;
    }
    if (queues.flushing[node] === slot) queues.flushing[node] = -1;
    this.unblock(node, now);
    this.maybeFlush(node, now);
  }

  /** Writes waiting for room in `node`'s queue go in, oldest first, while there is room. */
  private unblock(node: number, now: number): void {
    const queues = this.queues!;
    const max = this.topology!.spec.write_behind!.max_pending;
    while (this.blockedHead[node] !== -1 && queues.pending[node] < max) {
      const slot = this.blockedHead[node];
      this.blockedHead[node] = this.requests.chain[slot];
      if (this.blockedHead[node] === -1) this.blockedTail[node] = -1;
      this.takeWriteBehind(slot, now);
    }
  }

  // ---- the database ----

  private submit(slot: number, now: number): void {
    const r = this.requests;
    const op = r.op[slot];
    const isRead = op === OP_GET;
    const recorder = this.setup.recorder;
    r.submitted[slot] = now;
    const start = r.arrival[slot];
    recorder.dbSubmitted(now, isRead, start);
    if (isRead) recorder.fetchStarted(++this.fetchesInFlight[r.key[slot]], start);
    if (this.pool.hasFreeConnection()) {
      this.start(slot, now);
    } else {
      r.state[slot] = STATE_QUEUED;
      this.pool.enqueue(slot);
      const timeout = this.setup.timeoutMs;
      if (timeout !== null && op !== OP_FLUSH) {
        r.timeoutPending[slot] = 1;
        this.events.push(now + timeout, slot * 16 + EV_TIMEOUT);
      }
    }
  }

  private start(slot: number, now: number): void {
    const r = this.requests;
    const op = r.op[slot];
    if (this.dbDown > 0) {
      this.refused(slot, now);
      return;
    }
    const pool = this.pool;
    pool.inUse++;
    this.setup.recorder.dbStarted(now - r.submitted[slot], pool.inUse, now, r.arrival[slot]);
    r.state[slot] = STATE_EXECUTING;
    const key = r.key[slot];
    let serviceMs: number;
    if (op === OP_GET) {
      serviceMs = this.setup.dbReadLatency.sample();
      r.version[slot] = this.ledger.committed[key];
      r.staleSince[slot] = this.ledger.dbStaleSince(key);
      this.linkExecutingRead(slot, key);
    } else {
      serviceMs = this.setup.dbWriteLatency.sample();
    }
    serviceMs *= this.dbSlowFactor;
    this.events.push(now + serviceMs, slot * 16 + EV_DB_DONE);
    const timeout = this.setup.timeoutMs;
    if (timeout !== null && op !== OP_FLUSH && r.timeoutPending[slot] === 0 && now + serviceMs - r.submitted[slot] > timeout) {
      r.timeoutPending[slot] = 1;
      this.events.push(r.submitted[slot] + timeout, slot * 16 + EV_TIMEOUT);
    }
  }

  /** The database is down: the query fails at once (a flush goes back to its queue and tries again later). */
  private refused(slot: number, now: number): void {
    const r = this.requests;
    const op = r.op[slot];
    if (op === OP_FLUSH) {
      const queues = this.queues!;
      const node = r.node[slot];
      queues.requeueFront(node, r.key[slot]);
      queues.flushing[node] = -1;
      r.release(slot);
      this.maybeFlush(node, now);
      return;
    }
    if (op === OP_GET) {
      this.fetchesInFlight[r.key[slot]]--;
      this.failRead(slot, now);
    } else {
      this.setup.recorder.requestFailed(r.arrival[slot], now, false);
    }
    this.finish(slot);
  }

  private queryDone(slot: number, now: number): void {
    const r = this.requests;
    const key = r.key[slot];
    const op = r.op[slot];
    this.pool.inUse--;
    if (op === OP_FLUSH) {
      this.flushSettled(slot, now, false);
      r.release(slot);
    } else if (r.state[slot] === STATE_ABANDONED) {
      // The client gave up; the database still did the work (a write still commits, unacknowledged).
      if (op === OP_GET) this.fetchesInFlight[key]--;
      else this.ledger.commit(key);
      r.release(slot);
    } else if (op === OP_GET) {
      this.fetchesInFlight[key]--;
      this.unlinkExecutingRead(slot, key);
      this.readDone(slot, now);
    } else {
      this.writeCommitted(slot, now);
    }
    this.startQueued(now);
  }

  /** A read's query returned: serve it (and the reads sharing it), fill the tiers, release the lock. */
  private readDone(slot: number, now: number): void {
    const r = this.requests;
    const recorder = this.setup.recorder;
    const topology = this.topology;
    const key = r.key[slot];
    let version = r.version[slot];
    let staleSince = r.staleSince[slot];
    let end = now;
    if (topology !== null) {
      const shared = topology.shared;
      const sharedUp = shared !== null && this.cacheDown === 0;
      // A mediating cache that holds a newer copy (a write-through landed meanwhile) answers with it.
      if (this.mediated && sharedUp && shared.holdsNewer(key, version, now)) {
        version = shared.versionOf(key);
        staleSince = shared.staleSinceOf(key);
      }
      const fetchMs = now - r.submitted[slot];
      const node = r.node[slot];
      const background = (r.flags[slot] & FLAG_BACKGROUND) !== 0;
      if (shared !== null) {
        if (!sharedUp) {
          shared.errors++;
          if (this.applicationFills) end += topology.sharedLatency!.sample();
        } else if (!this.mediated || !shared.holdsNewer(key, version, now)) {
          shared.fill(key, r.size[slot], r.ttl[slot], version, staleSince, now, fetchMs);
          if (this.applicationFills && !background) end += topology.sharedLatency!.sample();
        }
      }
      const local = topology.local;
      // A background refresh renews the protected copy only: the shared one, or the node's own without a shared tier.
      if (local !== null && topology.isUp(node) && !(background && shared !== null)) {
        const tier = local[node];
        if (!this.mediated || !tier.holdsNewer(key, version, now)) {
          tier.fill(key, r.size[slot], r.ttl[slot], version, staleSince, now, fetchMs);
          if (!background) end += topology.localLatency!.sample();
        }
      }
      if (background) {
        const guard = this.guard!;
        guard.refreshing[guard.cell(node, key)] = 0;
        this.finish(slot);
        return;
      }
    }
    this.served(r.arrival[slot], key, version, staleSince, now);
    recorder.readOutcome(r.arrival[slot], false, r.size[slot]);
    recorder.readCompleted(r.arrival[slot], end, false);
    // The reads that shared this fetch get the same answer at the same time.
    for (let w = this.releaseProtection(slot); w !== -1; ) {
      const next = r.chain[w];
      this.served(r.arrival[w], key, version, staleSince, now);
      recorder.readOutcome(r.arrival[w], false, r.size[w]);
      recorder.readCompleted(r.arrival[w], end, false);
      r.release(w);
      w = next;
    }
    this.finish(slot);
  }

  /** A fetch is over (answered or failed): its lock is released, its key's flight ends; returns the first read that shared it, or -1. */
  private releaseProtection(slot: number): number {
    const r = this.requests;
    const flags = r.flags[slot];
    if ((flags & (FLAG_HOLDS_LOCK | FLAG_LEADER)) === 0) return -1;
    const guard = this.guard!;
    const key = r.key[slot];
    r.flags[slot] = flags & FLAG_BACKGROUND;
    if ((flags & FLAG_HOLDS_LOCK) !== 0) guard.unlock(guard.cell(r.node[slot], key), slot);
    if ((flags & FLAG_LEADER) === 0) return -1;
    guard.flight[guard.flightCell(r.node[slot], key)] = -1;
    const first = r.waiters[slot];
    r.waiters[slot] = -1;
    return first;
  }

  /** A read failed at `end` (database down or timed out): so do the reads sharing its fetch; its lock is released. */
  private failRead(slot: number, end: number): void {
    const r = this.requests;
    const recorder = this.setup.recorder;
    const flags = r.flags[slot];
    const key = r.key[slot];
    if ((flags & FLAG_BACKGROUND) !== 0) {
      const guard = this.guard!;
      guard.refreshing[guard.cell(r.node[slot], key)] = 0;
      return;
    }
    recorder.readOutcome(r.arrival[slot], false, r.size[slot]);
    recorder.requestFailed(r.arrival[slot], end, true);
    for (let w = this.releaseProtection(slot); w !== -1; ) {
      const next = r.chain[w];
      recorder.readOutcome(r.arrival[w], false, r.size[w]);
      recorder.requestFailed(r.arrival[w], end, true);
      r.release(w);
      w = next;
    }
  }

  private startQueued(now: number): void {
    const pool = this.pool;
    while (pool.queued > 0 && pool.hasFreeConnection()) {
      const next = pool.dequeue();
      if (this.requests.state[next] === STATE_CANCELLED) this.requests.release(next);
      else this.start(next, now);
    }
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
    this.setup.recorder.dbTimedOut(r.arrival[slot]);
    if (isRead) this.failRead(slot, now);
    else this.setup.recorder.requestFailed(r.arrival[slot], now, false);
  }

  /** A request is done with its slot; one with a timeout still scheduled keeps it until then. */
  private finish(slot: number): void {
    const r = this.requests;
    if (r.timeoutPending[slot] === 1) r.state[slot] = STATE_AWAITING_TIMEOUT;
    else r.release(slot);
  }

  // ---- faults ----

  private faultEdge(edge: FaultEdge, now: number): void {
    const fault = this.faults[edge.fault];
    const step = edge.starts ? 1 : -1;
    switch (fault.type) {
      case 'cache-down':
        this.cacheDown += step;
        break;
      case 'cache-slow':
        if (this.topology?.sharedLatency != null) this.topology.sharedLatency.addedMs += step * fault.latency;
        break;
      case 'db-down':
        this.dbDown += step;
        break;
      case 'pubsub-partition':
        this.partitioned += step;
        break;
      case 'db-slow':
        this.dbSlowFactor = edge.starts ? this.dbSlowFactor * fault.factor : this.dbSlowFactor / fault.factor;
        break;
      case 'node-crash':
        if (this.topology === null) break; // the baseline has no nodes' caches to lose
        if (edge.starts) this.crash(fault.node, fault.duration > 0, now);
        else this.topology!.setUp(fault.node, true);
        break;
    }
  }

  /** A node crashes: its local tier is lost, and so are its write-behind writes not yet handed to the database. */
  private crash(node: number, staysDown: boolean, now: number): void {
    const topology = this.topology!;
    if (staysDown) topology.setUp(node, false);
    topology.local?.[node].clear();
    const queues = this.queues;
    if (queues === null) return;
    queues.dropQueued(node);
    const flush = queues.flushing[node];
    if (flush !== -1 && this.requests.state[flush] === STATE_QUEUED) {
      // Waiting for a connection in the crashed process: lost; the pool skips the slot.
      this.requests.state[flush] = STATE_CANCELLED;
      this.flushSettled(flush, now, true);
    } else {
      this.unblock(node, now);
    }
  }

  // ---- staleness ----

  /** A read returns `version` of `key` at `now`; stale when older than the acknowledged truth. */
  private served(start: number, key: number, version: number, staleSince: number, now: number): void {
    if (version < this.ledger.acknowledged[key]) {
      if (staleSince === INF) throw new Error(`engine: stale copy of key ${key} was never marked`);
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
    this.guard?.ensureKeySpace(keySpace);
    this.queues?.ensureKeySpace(keySpace);
    this.fetchesInFlight = grownInt32(this.fetchesInFlight, doubledLength(this.fetchesInFlight.length, keySpace), 0);
    this.executingReadsOfKey = grownInt32(this.executingReadsOfKey, doubledLength(this.executingReadsOfKey.length, keySpace), -1);
  }
}
