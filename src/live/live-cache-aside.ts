import { doubledLength, grownInt32 } from '../collections/typed-array-growth.js';
import { createLatencySampler } from '../engine/latency-model.js';
import { VersionLedger } from '../engine/version-ledger.js';
import type { RunRecorder } from '../metrics/run-recorder.js';
import { RandomSource } from '../random/random-source.js';
import type { Scenario } from '../scenario/scenario.js';
import { OP_DELETE, OP_GET } from '../workload/access-event.js';
import type { RedisConnections } from './redis-connection.js';
import { SupersessionTimes } from './supersession-times.js';
import { decodeVersion, encodeValue } from './versioned-value.js';
import { QUERY_TIMED_OUT, WallClockDatabase } from './wall-clock-database.js';

/** Client-side counts of every request (warm-up included), to set beside Redis's INFO deltas. */
export interface ClientCounts {
  gets: number;
  hits: number;
  misses: number;
  errors: number;
}

export interface LiveCacheAsideSetup {
  scenario: Scenario;
  connections: RedisConnections;
  prefix: string;
  /** Key ids seen so far; per-key arrays grow past it as a trace (or `latest`) brings new keys. */
  keySpace: number;
  /** ms since the run started. */
  now: () => number;
  /** This thread's share of database.max_concurrency (all of it in one thread). */
  databaseConnections: number;
  /** With several threads: the shared count of DB connections in use (see WallClockDatabase). */
  databaseInUseAcrossThreads?: { cells: Int32Array; index: number };
  /** A cache command failed (a DB timeout is counted by the caller through `requestFailed`). */
  onCacheError: (error: Error) => void;
  /** Any error (cache command or DB timeout), for errors per second. */
  onError: (now: number) => void;
}

/**
 * Cache-aside against Redis with the database model on the wall clock — the live counterpart of
 * engine/timed-simulation.ts, with the same definitions: a read GETs the key; a hit is served at the
 * reply; a miss (or a failed GET, with on_cache_error: fallback) queries the database, is served when
 * the query completes, then SETs the value with the TTL (PX) and completes at that reply. A write goes to
 * the database, then DELs or SETs the key per the invalidation, and is acknowledged at that reply.
 * Values carry their version; a read is stale when its version is older than the acknowledged truth at
 * the moment it is served, and its age is measured from when that version was superseded.
 */
export class LiveCacheAside {
  readonly ledger = new VersionLedger();
  private readonly supersession = new SupersessionTimes();
  private readonly database: WallClockDatabase;
  private fetchesInFlight: Int32Array;
  readonly counts: ClientCounts = { gets: 0, hits: 0, misses: 0, errors: 0 };
  private readonly ttlMs: number | null;

  constructor(private readonly setup: LiveCacheAsideSetup) {
    const { scenario } = setup;
    this.ledger.ensureKeySpace(setup.keySpace);
    this.fetchesInFlight = new Int32Array(setup.keySpace);
    this.ttlMs = scenario.cache?.ttl ?? null;
    const seed = scenario.seed;
    this.database = new WallClockDatabase({
      readLatency: createLatencySampler(scenario.database.latency, RandomSource.derive(seed, 'db-read-latency')),
      writeLatency: createLatencySampler(scenario.database.write_latency, RandomSource.derive(seed, 'db-write-latency')),
      maxConcurrency: setup.databaseConnections,
      timeoutMs: scenario.database.timeout,
      ledger: this.ledger,
      now: setup.now,
      ...(setup.databaseInUseAcrossThreads !== undefined ? { inUseAcrossThreads: setup.databaseInUseAcrossThreads } : {}),
    });
  }

  /** One request from its intended start `start` (ms since the run started); resolves when it completes. */
  async request(recorder: RunRecorder, start: number, key: number, op: number, size: number, ttl: number): Promise<void> {
    recorder.arrival(start, op);
    if (key >= this.fetchesInFlight.length) this.growKeySpace(key + 1);
    if (op === OP_GET) await this.read(recorder, start, key, size, ttl);
    else await this.write(recorder, start, key, op === OP_DELETE, size, ttl);
  }

  private async read(recorder: RunRecorder, start: number, key: number, size: number, ttl: number): Promise<void> {
    const name = this.setup.prefix + key;
    this.counts.gets++;
    let cached: string | null = null;
    try {
      cached = await this.setup.connections.pick().get(name);
    } catch (error) {
      this.cacheError(recorder, error as Error);
    }
    if (cached !== null) {
      const version = decodeVersion(cached);
      const now = this.setup.now();
      this.counts.hits++;
      recorder.readOutcome(start, true, size);
      this.served(recorder, start, key, version, now);
      recorder.readCompleted(start, now, true);
      return;
    }
    this.counts.misses++;
    recorder.readOutcome(start, false, size);
    const version = await this.query(recorder, key, true);
    let now = this.setup.now();
    if (version === QUERY_TIMED_OUT) {
      recorder.dbTimeouts++;
      this.setup.onError(now);
      recorder.requestFailed(start, now, true);
      return;
    }
    this.served(recorder, start, key, version, now);
    await this.store(recorder, name, version, size, ttl);
    now = this.setup.now();
    recorder.readCompleted(start, now, false);
  }

  private async write(
    recorder: RunRecorder,
    start: number,
    key: number,
    isDelete: boolean,
    size: number,
    ttl: number,
  ): Promise<void> {
    const version = await this.query(recorder, key, false);
    if (version === QUERY_TIMED_OUT) {
      const now = this.setup.now();
      recorder.dbTimeouts++;
      this.setup.onError(now);
      recorder.requestFailed(start, now, false);
      return;
    }
    const invalidation = this.setup.scenario.cache?.invalidation ?? 'delete';
    const name = this.setup.prefix + key;
    if (invalidation !== 'ttl-only') {
      if (isDelete || invalidation === 'delete') {
        try {
          await this.setup.connections.pick().del(name);
        } catch (error) {
          this.cacheError(recorder, error as Error);
        }
      } else {
        await this.store(recorder, name, version, size, ttl);
      }
    }
    const now = this.setup.now();
    if (this.ledger.acknowledge(key, version, now)) this.supersession.acknowledged(key, version, now);
    recorder.writeCompleted(start, now);
  }

  private async query(recorder: RunRecorder, key: number, isRead: boolean): Promise<number> {
    recorder.dbSubmitted(this.setup.now(), isRead);
    if (isRead) recorder.fetchStarted(++this.fetchesInFlight[key]);
    try {
      return await this.database.query(key, isRead, (waitMs, inUse) => recorder.dbStarted(waitMs, inUse));
    } finally {
      if (isRead) this.fetchesInFlight[key]--;
    }
  }

  private async store(recorder: RunRecorder, name: string, version: number, size: number, ttl: number): Promise<void> {
    const ttlMs = ttl > 0 ? ttl : this.ttlMs;
    const value = encodeValue(version, size);
    try {
      const client = this.setup.connections.pick();
      if (ttlMs === null) await client.set(name, value);
      else await client.set(name, value, 'PX', Math.max(1, Math.round(ttlMs)));
    } catch (error) {
      this.cacheError(recorder, error as Error);
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

  private cacheError(recorder: RunRecorder, error: Error): void {
    recorder.errors++;
    this.counts.errors++;
    this.setup.onError(this.setup.now());
    this.setup.onCacheError(error);
  }
}
