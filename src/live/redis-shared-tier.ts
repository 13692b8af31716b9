import { randomBytes } from 'node:crypto';
import type { Application } from '../application/application.js';
import { DONE, FAILED, NEWER, NOT_FOUND, PENDING, type SharedTierPort } from '../application/ports.js';
import { doubledLength, grownInt32 } from '../collections/typed-array-growth.js';
import { jitteredTtl } from '../engine/cache-tier.js';
import { RandomSource } from '../random/random-source.js';
import type { CacheSpec } from '../scenario/scenario.js';
import type { LiveNodes } from './live-nodes.js';
import { NOT_CACHED, type RedisCommandPool } from './redis-commands.js';
import { scripted } from './redis-scripts.js';
import type { SupersessionTimes } from './supersession-times.js';
import { decodeFreshness, decodeVersion, encodeEntry, encodeValue } from './versioned-value.js';

/** Client-side counts of every GET (warm-up included), to set beside Redis's INFO deltas. */
export interface ClientCounts {
  gets: number;
  hits: number;
  misses: number;
  errors: number;
}

export interface RedisSharedTierSetup {
  spec: CacheSpec;
  connections: RedisCommandPool;
  prefix: string;
  seed: number;
  /** This shard's index among the run's: its ttl_jitter draws come from a source of its own. */
  shardIndex: number;
  supersession: SupersessionTimes;
  nodes: LiveNodes;
  now: () => number;
  /** A command failed (counted; under on_cache_error: fail outside a fault window the run stops). */
  onCacheError: (error: Error) => void;
  /** A command failed at `now`, for cache errors per second. */
  onCommandError: (now: number) => void;
  /** Something threw while the application took an answer: a bug, which stops the run. */
  onBug: (error: unknown) => void;
}

/**
 * The shared tier in Redis (docs/live-redis.md): each command the application issues goes out on one of
 * the shard's connections, and its reply comes back to the application as an answer (PENDING until then).
 * A lookup is a GET of `<prefix><key>` (its value's head carries the version, and — under refresh-ahead,
 * stale-while-revalidate and xfetch — when its TTL runs out and how long its fetch took). Cache-aside
 * fills and `update` writes SET with the TTL (PX; under stale-while-revalidate, TTL + grace, so a copy
 * outlives its freshness); read-through and the write patterns go through the fill script (never older
 * over newer: it answers with the newer version it keeps); `delete` invalidation DELs. `lock` is
 * `SET <prefix>lock:<key> <token> NX PX lock_ttl`, released by compare-and-delete. A failed command
 * (an error reply, a timeout, a lost connection) answers FAILED. Staleness ages come from the times at
 * which versions were acknowledged (SupersessionTimes), since Redis cannot mark its copies.
 */
export class RedisSharedTier implements SharedTierPort {
  readonly answersAtOnce = false;
  private app: Application | null = null;
  readonly counts: ClientCounts = { gets: 0, hits: 0, misses: 0, errors: 0 };
  /** Read-through, write-through, write-behind: the cache mediates fills (the fill script). */
  private readonly mediated: boolean;
  private readonly tracksFreshness: boolean;
  private readonly graceMs: number;
  private readonly ttlJitter: number;
  private readonly ttlRandom: RandomSource;
  private readonly tokenBase = `${randomBytes(6).toString('hex')}:`;
  /** Per request slot: its lock token's number (a fresh one per attempt). */
  private lockTokens = new Int32Array(1024);
  private tokens = 0;
  private readonly freshness = { freshUntil: 0, fetchMs: 0 };

  constructor(private readonly setup: RedisSharedTierSetup) {
    const spec = setup.spec;
    this.mediated = spec.pattern !== 'cache-aside';
    const protection = spec.stampede.protection;
    this.tracksFreshness = protection === 'refresh-ahead' || protection === 'stale-while-revalidate' || protection === 'xfetch';
    this.graceMs = protection === 'stale-while-revalidate' ? spec.stampede.grace : 0;
    this.ttlJitter = spec.stampede.ttl_jitter;
    this.ttlRandom = RandomSource.derive(setup.seed, `ttl-jitter-shared${setup.shardIndex ? `-${setup.shardIndex}` : ''}`);
  }

  attach(app: Application): void {
    this.app = app;
  }

  roundTrip(): number {
    return 0;
  }

  lookup(slot: number, key: number, _now: number): number {
    const s = this.setup;
    const nodes = s.nodes;
    this.counts.gets++;
    if (nodes.local !== null) nodes.l2Lookups++;
    const name = s.prefix + key;
    const client = s.connections.pick();
    const reply = this.tracksFreshness ? client.getHead(name) : client.getVersion(name);
    reply.then(
      (value: string | number | null) => {
        const version = typeof value === 'number' ? value : value === null ? NOT_CACHED : decodeVersion(value);
        const hit = version !== NOT_CACHED;
        if (hit) {
          this.counts.hits++;
          if (nodes.local !== null) nodes.l2Hits++;
          this.copyInto(slot, key, version);
          if (typeof value === 'string') this.freshnessInto(slot, value);
        } else {
          this.counts.misses++;
        }
        this.answer(() => this.app!.sharedAnswered(slot, hit ? DONE : NOT_FOUND, s.now()));
      },
      (error: Error) => {
        this.counts.misses++;
        if (nodes.local !== null) nodes.l2Errors++;
        this.failed(error);
        this.answer(() => this.app!.sharedAnswered(slot, FAILED, s.now()));
      },
    );
    return PENDING;
  }

  fill(slot: number, key: number, size: number, ttl: number, mediated: boolean, now: number, fetchMs: number): number {
    const version = this.app!.requests.version[slot];
    this.store(slot, key, size, ttl, version, mediated, now, fetchMs, (answer) => this.app!.filled(slot, answer, this.setup.now()));
    return PENDING;
  }

  write(slot: number, key: number, remove: boolean, size: number, ttl: number, now: number): number {
    const s = this.setup;
    const written = (answer: number): void => this.answer(() => this.app!.written(slot, answer === FAILED ? FAILED : DONE, s.now()));
    if (!remove) {
      this.store(slot, key, size, ttl, this.app!.requests.version[slot], this.mediated, now, 0, written);
      return PENDING;
    }
    s.connections
      .pick()
      .del(s.prefix + key)
      .then(
        () => written(DONE),
        (error: Error) => {
          this.failed(error);
          written(FAILED);
        },
      );
    return PENDING;
  }

  lock(slot: number, key: number, _now: number, ttlMs: number): number {
    if (slot >= this.lockTokens.length) this.lockTokens = grownInt32(this.lockTokens, doubledLength(this.lockTokens.length, slot + 1));
    const token = ++this.tokens;
    this.lockTokens[slot] = token;
    const s = this.setup;
    s.connections
      .pick()
      .set(`${s.prefix}lock:${key}`, this.tokenBase + token, Math.max(1, Math.round(ttlMs)), true)
      .then(
        (taken) => this.answer(() => this.app!.lockAnswered(slot, taken ? DONE : NOT_FOUND, s.now())),
        (error: Error) => {
          this.failed(error);
          this.answer(() => this.app!.lockAnswered(slot, FAILED, s.now()));
        },
      );
    return PENDING;
  }

  unlock(slot: number, key: number): void {
    const s = this.setup;
    scripted(s.connections.pick())
      .cachebenchUnlock(`${s.prefix}lock:${key}`, this.tokenBase + this.lockTokens[slot])
      .catch((error: Error) => this.failed(error));
  }

  superseded(key: number, version: number, now: number): void {
    this.setup.supersession.acknowledged(key, version, now);
  }

  writesBegin(): void {}

  /**
   * Stores `version` of `key`: SET with the TTL, or — mediated — the fill script, which keeps a newer
   * copy and answers NEWER with it (into the slot). `done` gets DONE, NEWER or FAILED.
   */
  private store(slot: number, key: number, size: number, ttl: number, version: number, mediated: boolean, now: number, fetchMs: number, done: (answer: number) => void): void {
    const s = this.setup;
    const ttlMs = this.ttlMs(ttl);
    const value = this.tracksFreshness ? encodeEntry(version, size, ttlMs === null ? Number.POSITIVE_INFINITY : now + ttlMs, fetchMs) : encodeValue(version, size);
    const px = ttlMs === null ? null : Math.max(1, Math.round(ttlMs + this.graceMs));
    const name = s.prefix + key;
    const client = s.connections.pick();
    const stored: Promise<number> = mediated
      ? scripted(client).cachebenchFill(name, version, value, px === null ? '' : String(px))
      : (px === null ? client.set(name, value) : client.set(name, value, px)).then(() => -1);
    stored.then(
      (newer) => {
        if (newer >= 0) this.copyInto(slot, key, newer);
        this.answer(() => done(newer >= 0 ? NEWER : DONE));
      },
      (error: Error) => {
        this.failed(error);
        this.answer(() => done(FAILED));
      },
    );
  }

  /** A fill's TTL in ms: the request's (a trace's) or the cache's, jittered under ttl_jitter; null: none. */
  private ttlMs(ttl: number): number | null {
    const ttlMs = ttl > 0 ? ttl : this.setup.spec.ttl;
    if (ttlMs === null || this.ttlJitter === 0) return ttlMs;
    return jitteredTtl(ttlMs, this.ttlJitter, this.ttlRandom);
  }

  /** A copy of `version` into the request's slot, with since when it is stale. */
  private copyInto(slot: number, key: number, version: number): void {
    const r = this.app!.requests;
    r.version[slot] = version;
    r.staleSince[slot] = version >= 0 ? this.setup.supersession.supersededAt(key, version) : Number.POSITIVE_INFINITY;
  }

  /** The copy's freshness into the slot; a copy without it (not written with it) counts as fresh for ever. */
  private freshnessInto(slot: number, head: string): void {
    const r = this.app!.requests;
    const f = this.freshness;
    if (!decodeFreshness(head, f)) {
      f.freshUntil = Number.POSITIVE_INFINITY;
      f.fetchMs = 0;
    }
    r.freshUntil[slot] = f.freshUntil;
    r.fetchMs[slot] = f.fetchMs;
  }

  private failed(error: Error): void {
    this.counts.errors++;
    this.setup.onCommandError(this.setup.now());
    this.setup.onCacheError(error);
  }

  /** Hands an answer to the application; anything it throws is a bug, not a Redis failure. */
  private answer(take: () => void): void {
    try {
      take();
    } catch (error) {
      this.setup.onBug(error);
    }
  }
}
