import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { doubledLength, grownInt32 } from '../collections/typed-array-growth.js';
import { createLatencySampler } from '../engine/latency-model.js';
import { VersionLedger } from '../engine/version-ledger.js';
import type { RunRecorder } from '../metrics/run-recorder.js';
import { RandomSource } from '../random/random-source.js';
import type { Scenario } from '../scenario/scenario.js';
import { OP_DELETE, OP_GET } from '../workload/access-event.js';
import { NOT_CACHED, type RedisCommandPool } from './redis-commands.js';
import type { LiveInvalidation } from './live-invalidation.js';
import type { LiveNodes } from './live-nodes.js';
import { LiveWriteBehind } from './live-write-behind.js';
import { scripted } from './redis-scripts.js';
import { SupersessionTimes } from './supersession-times.js';
import { encodeValue } from './versioned-value.js';
import { type LiveDatabase, QUERY_FAILED, QUERY_TIMED_OUT } from './live-database.js';
import { WallClockDatabase } from './wall-clock-database.js';

/** A cache command failed (what `get` returns then; a hit is a version ≥ -1, a miss NOT_CACHED). */
const CACHE_FAILED = -3;
/** What the fill script's call returns when it failed (a version is ≥ 0, "stored" is −1). */
const FILL_FAILED = -2;

/**
 * How a request went, for `errors` (requests that failed): OK; a Redis command failed along the way (a
 * failed request only under on_cache_error: fail — with fallback the database served it); or the request
 * failed and was counted already (a DB timeout).
 */
const WENT_OK = 0;
const COMMAND_FAILED = 1;
const COUNTED_FAILED = 2;

/** Client-side counts of every request (warm-up included), to set beside Redis's INFO deltas. */
export interface ClientCounts {
  gets: number;
  hits: number;
  misses: number;
  errors: number;
}

export interface LiveCacheAsideSetup {
  scenario: Scenario;
  /** null: no cache at all — the live no-cache baseline, every read and write straight to the database. */
  connections: RedisCommandPool | null;
  prefix: string;
  /** Key ids seen so far; per-key arrays grow past it as a trace (or `latest`) brings new keys. */
  keySpace: number;
  /** ms since the run started. */
  now: () => number;
  /** This shard's index among the run's (0 with one): its ttl_jitter draws come from a source of its own. */
  shardIndex?: number;
  /** This thread's share of database.max_concurrency (all of it in one thread). */
  databaseConnections: number;
  /** With several threads: the shared count of DB connections in use (see WallClockDatabase). */
  databaseInUseAcrossThreads?: { cells: Int32Array; index: number };
  /** A real database (database.postgres), given the ledger it commits versions into; absent: the model on timers. */
  database?: (ledger: VersionLedger) => LiveDatabase;
  /** A query failed or timed out (under on_db_error: fail the run stops). */
  onDbError?: (message: string) => void;
  /** Several nodes or local tiers: the shard's simulated nodes (topology.nodes, routing, each one's L1). */
  nodes?: LiveNodes | null;
  /** With invalidation: pubsub — the shard's publisher/subscriber. */
  invalidation?: LiveInvalidation | null;
  /** A cache command failed (a DB timeout is counted by the caller through `requestFailed`). */
  onCacheError: (error: Error) => void;
  /** A request failed at `now` (see `errors`), for errors per second. */
  onError: (now: number) => void;
  /** A Redis command failed at `now`, for cache errors per second. */
  onCommandError?: (now: number) => void;
}

/**
 * The patterns against Redis with the database model on the wall clock — the live counterpart of
 * engine/timed-simulation.ts, with the same definitions. (Named for the first pattern it ran.)
 *
 * A read reaches a node (with several nodes or local tiers: LiveNodes, by topology.routing) and looks up
 * its local tier, then GETs Redis; a hit is served at once (a Redis hit also fills the local tier). A miss
 * (or a failed GET, with on_cache_error: fallback) queries the database — under `lock`, only the request
 * holding `SET <prefix>lock:<key> NX PX`, the others sleeping `retry` and looking again. Cache-aside: the
 * miss is served when the query completes, then SETs the value with the TTL (PX) and completes at that
 * reply. Read-through, write-through, write-behind: the fill goes through the fill script (never older
 * over newer) and the read is served — with the newer cached version, if Redis holds one — at its reply.
 *
 * A write goes to the database (write-behind: into the node's queue, flushed later in batches), then DELs
 * the key or SETs the new version (update, write-through, write-behind), updates or drops the writer's
 * local copy, PUBLISHes to the other nodes under pubsub, and is acknowledged once Redis replied. Values
 * carry their version; a read is stale when its version is older than the acknowledged truth at the
 * moment it is served, and its age is measured from when that version was superseded.
 */
export class LiveCacheAside {
  readonly ledger = new VersionLedger();
  private readonly supersession = new SupersessionTimes();
  private readonly database: LiveDatabase;
  private fetchesInFlight: Int32Array;
  readonly counts: ClientCounts = { gets: 0, hits: 0, misses: 0, errors: 0 };
  private readonly ttlMs: number | null;
  /** ttl_jitter: each fill's TTL is drawn from ttl × [1 − jitter, 1 + jitter], as the simulation's tiers draw it. */
  private readonly ttlJitter: number;
  private readonly ttlRandom: RandomSource;
  /** Read-through, write-through: the cache mediates fills (the fill script), never older over newer. */
  private readonly mediated: boolean;
  /** Writes put the new value into Redis (write-through, invalidation: update) rather than deleting it. */
  private readonly writesTheValue: boolean;
  /** `lock` stampede protection: the lock's PX; null without it. */
  private readonly lockTtlMs: number | null;
  private readonly retryMs: number;
  /** Write-behind's per-node queues; null for the other patterns. */
  readonly writeBehind: LiveWriteBehind | null;
  private readonly tokenBase = `${randomBytes(6).toString('hex')}:`;
  private tokens = 0;

  constructor(private readonly setup: LiveCacheAsideSetup) {
    const { scenario } = setup;
    const cache = scenario.cache;
    const pattern = cache?.pattern ?? 'cache-aside';
    this.mediated = pattern !== 'cache-aside';
    this.writesTheValue = pattern === 'write-through' || pattern === 'write-behind' || cache?.invalidation === 'update';
    const stampede = cache?.stampede;
    this.lockTtlMs = stampede?.protection === 'lock' ? Math.max(1, Math.round(stampede.lock_ttl)) : null;
    this.retryMs = stampede?.retry ?? 0;
    this.ledger.ensureKeySpace(setup.keySpace);
    this.fetchesInFlight = new Int32Array(setup.keySpace);
    this.ttlMs = scenario.cache?.ttl ?? null;
    const seed = scenario.seed;
    this.ttlJitter = stampede?.ttl_jitter ?? 0;
    this.ttlRandom = RandomSource.derive(seed, `ttl-jitter-shared${setup.shardIndex ? `-${setup.shardIndex}` : ''}`);
    this.database = setup.database?.(this.ledger) ?? new WallClockDatabase({
      readLatency: createLatencySampler(scenario.database.latency, RandomSource.derive(seed, 'db-read-latency')),
      writeLatency: createLatencySampler(scenario.database.write_latency, RandomSource.derive(seed, 'db-write-latency')),
      maxConcurrency: setup.databaseConnections,
      timeoutMs: scenario.database.timeout,
      ledger: this.ledger,
      now: setup.now,
      faults: scenario.faults,
      ...(setup.databaseInUseAcrossThreads !== undefined ? { inUseAcrossThreads: setup.databaseInUseAcrossThreads } : {}),
    });
    this.writeBehind =
      cache?.write_behind != null ? new LiveWriteBehind(setup.nodes?.count ?? 1, cache.write_behind, this.database, this.ledger, setup.now) : null;
  }

  /** One request from its intended start `start` (ms since the run started); resolves when it completes. */
  async request(recorder: RunRecorder, start: number, key: number, op: number, size: number, ttl: number): Promise<void> {
    recorder.arrival(start, op);
    if (key >= this.fetchesInFlight.length) this.growKeySpace(key + 1);
    const outcome = op === OP_GET ? await this.read(recorder, start, key, size, ttl) : await this.write(recorder, start, key, op === OP_DELETE, size, ttl);
    // Under on_cache_error: fail a failed Redis command fails its request (once, however many failed).
    if (outcome === COMMAND_FAILED && this.setup.scenario.cache?.on_cache_error === 'fail') {
      const now = this.setup.now();
      recorder.requestErrored(start);
      this.setup.onError(now);
    }
  }

  private async read(recorder: RunRecorder, start: number, key: number, size: number, ttl: number): Promise<number> {
    const nodes = this.setup.nodes ?? null;
    const node = nodes === null ? 0 : nodes.route(key);
    if (node < 0) return this.noNodeUp(recorder, start, size, true);
    if (nodes?.local != null) {
      // The node's local tier first: a hit there is served in-process.
      const tier = nodes.local[node];
      const now = this.setup.now();
      const slot = tier.lookup(key, now);
      recorder.tierLookup(start, 1, slot >= 0);
      if (slot >= 0) {
        recorder.readOutcome(start, true, size);
        this.served(recorder, start, key, tier.version[slot], now);
        recorder.readCompleted(start, now, true);
        return WENT_OK;
      }
    }
    const name = this.setup.prefix + key;
    const cached = this.setup.connections === null ? NOT_CACHED : await this.get(recorder, start, name);
    if (cached >= -1) {
      this.hit(recorder, start, key, node, size, ttl, cached);
      return WENT_OK;
    }
    if (this.lockTtlMs !== null && cached !== CACHE_FAILED) return this.lockedMiss(recorder, start, key, node, name, size, ttl);
    const fetched = await this.fetch(recorder, start, key, node, name, size, ttl);
    return cached === CACHE_FAILED && fetched === WENT_OK ? COMMAND_FAILED : fetched;
  }

  /** One GET, counted for the client-side view (and as an L2 lookup with local tiers); CACHE_FAILED when the command failed (counted as an error). */
  private async get(recorder: RunRecorder, start: number, name: string): Promise<number> {
    this.counts.gets++;
    const nodes = this.setup.nodes ?? null;
    if (nodes?.local != null) nodes.l2Lookups++;
    try {
      const version = await this.setup.connections!.pick().getVersion(name);
      const hit = version !== NOT_CACHED;
      if (hit) this.counts.hits++;
      else this.counts.misses++;
      if (nodes?.local != null) {
        if (hit) nodes.l2Hits++;
        recorder.tierLookup(start, 2, hit);
      }
      return version;
    } catch (error) {
      this.counts.misses++;
      if (nodes?.local != null) nodes.l2Errors++;
      this.cacheError(recorder, error as Error);
      return CACHE_FAILED;
    }
  }

  /** A Redis hit of `version` (-1: a value not of this run's): served from it, and it fills the node's local tier. */
  private hit(recorder: RunRecorder, start: number, key: number, node: number, size: number, ttl: number, version: number): void {
    const now = this.setup.now();
    if (version >= 0) this.fillLocal(key, node, size, ttl, version, now, false);
    recorder.readOutcome(start, true, size);
    this.served(recorder, start, key, version, now);
    recorder.readCompleted(start, now, true);
  }

  /** Fills the node's local tier with `version` (a mediated fill never over a newer copy). */
  private fillLocal(key: number, node: number, size: number, ttl: number, version: number, now: number, mediated: boolean): void {
    const nodes = this.setup.nodes ?? null;
    if (nodes?.local == null) return;
    const tier = nodes.local[node];
    if (mediated && tier.holdsNewer(key, version, now)) return;
    tier.fill(key, size, ttl, version, Number.POSITIVE_INFINITY, now);
  }

  /**
   * `lock` stampede protection on a miss: SET <prefix>lock:<key> <token> NX PX lock_ttl. The holder
   * fetches, fills, then deletes the lock if it still holds it (compare-and-delete); the others sleep
   * `retry` ms and GET again — a hit is a hit — then try the lock again. A failed lock command leaves the
   * read unprotected: it goes to the database.
   */
  private async lockedMiss(recorder: RunRecorder, start: number, key: number, node: number, name: string, size: number, ttl: number): Promise<number> {
    const lockName = `${this.setup.prefix}lock:${key}`;
    const token = `${this.tokenBase}${++this.tokens}`;
    for (;;) {
      let taken = false;
      try {
        taken = await this.setup.connections!.pick().set(lockName, token, this.lockTtlMs!, true);
      } catch (error) {
        this.cacheError(recorder, error as Error);
        return withCommandFailure(await this.fetch(recorder, start, key, node, name, size, ttl));
      }
      if (taken) {
        let outcome = WENT_OK;
        try {
          outcome = await this.fetch(recorder, start, key, node, name, size, ttl);
        } finally {
          try {
            await scripted(this.setup.connections!.pick()).cachebenchUnlock(lockName, token);
          } catch (error) {
            this.cacheError(recorder, error as Error);
            outcome = withCommandFailure(outcome);
          }
        }
        return outcome;
      }
      await sleep(this.retryMs);
      const cached = await this.get(recorder, start, name);
      if (cached === CACHE_FAILED) return withCommandFailure(await this.fetch(recorder, start, key, node, name, size, ttl));
      if (cached !== NOT_CACHED) {
        this.hit(recorder, start, key, node, size, ttl, cached);
        return WENT_OK;
      }
    }
  }

  /**
   * A miss goes to the database. Cache-aside: served when the query completes, then the application SETs
   * the value and the read completes at that reply. Read-through and write-through: the cache fills
   * itself (the fill script, never older over newer) and answers — with a newer copy when it already holds
   * one — so the read is served and completes at the script's reply.
   */
  private async fetch(recorder: RunRecorder, start: number, key: number, node: number, name: string, size: number, ttl: number): Promise<number> {
    recorder.readOutcome(start, false, size);
    let version = await this.query(recorder, key, true, size);
    let now = this.setup.now();
    if (version === QUERY_TIMED_OUT || version === QUERY_FAILED) {
      this.queryFailed(recorder, start, version, now, true);
      return COUNTED_FAILED;
    }
    if (this.mediated) {
      const newer = await this.fill(recorder, name, version, size, ttl);
      if (newer >= 0) version = newer;
      now = this.setup.now();
      this.fillLocal(key, node, size, ttl, version, now, true);
      this.served(recorder, start, key, version, now);
      recorder.readCompleted(start, now, false);
      return newer === FILL_FAILED ? COMMAND_FAILED : WENT_OK;
    }
    this.served(recorder, start, key, version, now);
    const stored = this.setup.connections === null || (await this.store(recorder, name, version, size, ttl));
    now = this.setup.now();
    this.fillLocal(key, node, size, ttl, version, now, false);
    recorder.readCompleted(start, now, false);
    return stored ? WENT_OK : COMMAND_FAILED;
  }

  private async write(
    recorder: RunRecorder,
    start: number,
    key: number,
    isDelete: boolean,
    size: number,
    ttl: number,
  ): Promise<number> {
    const nodes = this.setup.nodes ?? null;
    const node = nodes === null ? 0 : nodes.route(key);
    if (node < 0) return this.noNodeUp(recorder, start, size, false);
    let version: number;
    const writeBehind = this.writeBehind;
    if (writeBehind !== null) {
      // The cache takes the write (a new version, ahead of the database) once the node's queue has room.
      await writeBehind.admit(node);
      version = this.ledger.issue(key);
      writeBehind.take(recorder, node, key, version, size);
    } else {
      version = await this.query(recorder, key, false, size);
    }
    if (version === QUERY_TIMED_OUT || version === QUERY_FAILED) {
      this.queryFailed(recorder, start, version, this.setup.now(), false);
      return COUNTED_FAILED;
    }
    let outcome = WENT_OK;
    const invalidation = this.setup.scenario.cache?.invalidation ?? 'delete';
    // Without a cache (the live baseline) a write is done once the database has it.
    if (invalidation !== 'ttl-only' && this.setup.connections !== null) {
      const name = this.setup.prefix + key;
      const remove = isDelete || !this.writesTheValue;
      // The writer's tiers: Redis (and a PUBLISH to the other nodes, concurrently), and its node's local tier.
      const shared = this.writeShared(recorder, name, remove, version, size, ttl);
      const told = this.setup.invalidation ? this.publish(recorder, key, version, node) : null;
      if (nodes?.local != null) {
        const tier = nodes.local[node];
        if (remove) tier.invalidate(key);
        else tier.update(key, size, ttl, version, this.setup.now());
      }
      const wrote = await shared;
      const published = told === null || (await told);
      if (!wrote || !published) outcome = COMMAND_FAILED;
    }
    const now = this.setup.now();
    if (this.ledger.acknowledge(key, version, now)) this.supersession.acknowledged(key, version, now);
    recorder.writeCompleted(start, now);
    return outcome;
  }

  private async query(recorder: RunRecorder, key: number, isRead: boolean, size: number): Promise<number> {
    recorder.dbSubmitted(this.setup.now(), isRead);
    if (isRead) recorder.fetchStarted(++this.fetchesInFlight[key]);
    try {
      return await this.database.query(key, isRead, (waitMs, inUse) => recorder.dbStarted(waitMs, inUse), size);
    } finally {
      if (isRead) this.fetchesInFlight[key]--;
    }
  }

  /** Every node is down (node-crash windows): the request fails at once, as simulated. */
  private noNodeUp(recorder: RunRecorder, start: number, size: number, isRead: boolean): number {
    const now = this.setup.now();
    if (isRead) recorder.readOutcome(start, false, size);
    this.setup.onError(now);
    recorder.requestFailed(start, now, isRead);
    return COUNTED_FAILED;
  }

  /** A query timed out or failed at `now`: the request fails (its latency counts). */
  private queryFailed(recorder: RunRecorder, start: number, outcome: number, now: number, isRead: boolean): void {
    if (outcome === QUERY_TIMED_OUT) recorder.dbTimeouts++;
    this.setup.onError(now);
    recorder.requestFailed(start, now, isRead);
    this.setup.onDbError?.(outcome === QUERY_TIMED_OUT ? `a ${isRead ? 'read' : 'write'} query timed out (database.timeout)` : `a ${isRead ? 'read' : 'write'} query failed`);
  }

  /** SET with the TTL; false when the command failed. */
  private async store(recorder: RunRecorder, name: string, version: number, size: number, ttl: number): Promise<boolean> {
    const ttlMs = this.fillTtlMs(ttl);
    const value = encodeValue(version, size);
    try {
      const client = this.setup.connections!.pick();
      if (ttlMs === null) await client.set(name, value);
      else await client.set(name, value, Math.max(1, Math.round(ttlMs)));
      return true;
    } catch (error) {
      this.cacheError(recorder, error as Error);
      return false;
    }
  }

  /** A fill's TTL in ms: the request's (a trace's) or the cache's, jittered under ttl_jitter; null: none. */
  private fillTtlMs(ttl: number): number | null {
    const ttlMs = ttl > 0 ? ttl : this.ttlMs;
    if (ttlMs === null || this.ttlJitter === 0) return ttlMs;
    return ttlMs * (1 + this.ttlJitter * (2 * this.ttlRandom.nextFloat() - 1));
  }

  /** The write's DEL or SET (or fill); false when the command failed. */
  private async writeShared(recorder: RunRecorder, name: string, remove: boolean, version: number, size: number, ttl: number): Promise<boolean> {
    if (!remove) {
      if (this.mediated) return (await this.fill(recorder, name, version, size, ttl)) !== FILL_FAILED;
      return this.store(recorder, name, version, size, ttl);
    }
    try {
      await this.setup.connections!.pick().del(name);
      return true;
    } catch (error) {
      this.cacheError(recorder, error as Error);
      return false;
    }
  }

  /** PUBLISH to the other nodes; false when the command failed. */
  private async publish(recorder: RunRecorder, key: number, version: number, node: number): Promise<boolean> {
    try {
      await this.setup.invalidation!.publish(this.setup.connections!.pick(), key, version, node);
      return true;
    } catch (error) {
      this.cacheError(recorder, error as Error);
      return false;
    }
  }

  /** The fill script: stores `version` unless Redis holds a newer one; returns that newer version, -1, or FILL_FAILED. */
  private async fill(recorder: RunRecorder, name: string, version: number, size: number, ttl: number): Promise<number> {
    const ttlMs = this.fillTtlMs(ttl);
    try {
      const client = scripted(this.setup.connections!.pick());
      return Number(await client.cachebenchFill(name, version, encodeValue(version, size), ttlMs === null ? '' : String(Math.max(1, Math.round(ttlMs)))));
    } catch (error) {
      this.cacheError(recorder, error as Error);
      return FILL_FAILED;
    }
  }

  /** A read returns `version` of `key` at `now`; stale when older than the acknowledged truth. */
  private served(recorder: RunRecorder, start: number, key: number, version: number, now: number): void {
    if (version < 0) return; // a value without a version header (not written by this run): no staleness known
    if (version < this.ledger.acknowledged[key]) {
      recorder.staleRead(start, Math.max(0, now - this.supersession.supersededAt(key, version)));
    }
  }

  private growKeySpace(keySpace: number): void {
    this.ledger.ensureKeySpace(keySpace);
    this.fetchesInFlight = grownInt32(this.fetchesInFlight, doubledLength(this.fetchesInFlight.length, keySpace));
  }

  /** A Redis command failed: counted as the client's (`redis.client.errors`), not as a failed request (see `request`). */
  private cacheError(_recorder: RunRecorder, error: Error): void {
    this.counts.errors++;
    this.setup.onCommandError?.(this.setup.now());
    this.setup.onCacheError(error);
  }
}

/** A request's outcome once a Redis command of it failed too. */
function withCommandFailure(outcome: number): number {
  return outcome === COUNTED_FAILED ? COUNTED_FAILED : COMMAND_FAILED;
}
