import type { EvictionPolicy } from '../policies/eviction-policy.js';
import type { RedisMemoryCharge } from './redis-memory-charge.js';
import type { RandomSource } from '../random/random-source.js';
import type { InvalidationSpec } from '../scenario/scenario.js';
import type { CacheMetrics, TierMetrics } from '../result/run-result.js';
import { doubledLength, grownFloat64, grownInt32 } from '../collections/typed-array-growth.js';

/** How a tier's entries age, beyond the policy's own expiry. */
export interface TierFreshness {
  /** Track each entry's (soft) expiry and last fetch time: refresh-ahead, stale-while-revalidate and xfetch read them. */
  track: boolean;
  /** stale-while-revalidate: entries stay this long past their TTL, served while they are refreshed (ms; 0: none). */
  graceMs: number;
  /** TTLs are drawn from ttl × [1 − jitter, 1 + jitter]. */
  jitter: number;
  random: RandomSource | null;
}

const NO_FRESHNESS: TierFreshness = { track: false, graceMs: 0, jitter: 0, random: null };

/** `ttl_jitter`: a TTL drawn uniformly from ttl × [1 − jitter, 1 + jitter] (one draw from `random`). */
export function jitteredTtl(ttlMs: number, jitter: number, random: RandomSource): number {
  return ttlMs * (1 + jitter * (2 * random.nextFloat() - 1));
}

/**
 * One cache tier: an eviction policy plus what the engine needs beside it — the version each cached
 * copy holds and, once a newer write is acknowledged, the moment that copy became stale — and the
 * tier's TTL and counters. A local tier (L1) exists once per node; the shared tier (L2) once.
 *
 * Per-copy columns are indexed by the policy's slot (`policy.slotOf`), not by key id: they are as large
 * as the cache, not as the keyspace, so five nodes' local tiers over a million keys stay small.
 */
export class CacheTier {
  /** Version of the copy in each slot. */
  version = new Int32Array(16);
  /** When the copy in each slot was superseded by an acknowledged write; +Infinity while it is current. */
  staleSince = new Float64Array(16).fill(Number.POSITIVE_INFINITY);
  /** With freshness tracking: when the copy's TTL runs out (the soft expiry under stale-while-revalidate). */
  freshUntil = new Float64Array(16);
  /** With freshness tracking: how long the database read that produced the copy took (xfetch's Δ). */
  fetchMs = new Float64Array(16);
  invalidations = 0;
  peakEntries = 0;
  peakBytes = 0;
  lookups = 0;
  hits = 0;
  /** Operations that failed because the tier was down (on_cache_error: fallback went to the DB instead). */
  errors = 0;
  /**
   * Whether any write has been committed yet: until then every copy is version 0 and current, which is
   * what the columns already hold, so a read-only replay skips two writes per miss. The engine sets it on
   * every tier at the first write.
   */
  writesSeen = false;
  /** Counters of policies discarded by clear() (a crashed node's local tier). */
  private retired = { evictions: 0, expirations: 0 };

  constructor(
    public policy: EvictionPolicy,
    /** Default TTL in ms; null: none. */
    private readonly ttlMs: number | null,
    private readonly freshness: TierFreshness = NO_FRESHNESS,
    /** Builds an empty policy like the first (for clear()). */
    private readonly newPolicy: (() => EvictionPolicy) | null = null,
    /** `memory_model: redis`: what an entry costs in Redis memory (null: its value's size). */
    private readonly charge: RedisMemoryCharge | null = null,
  ) {}

  /** A lookup at `now`, counted in the tier's lookups and hits: the copy's slot on a hit, -1 on a miss. */
  lookup(key: number, now: number): number {
    this.lookups++;
    const slot = this.policy.lookup(key, now);
    if (slot >= 0) this.hits++;
    return slot;
  }

  /** Version of the cached copy of `key` (0 when absent). */
  versionOf(key: number): number {
    const slot = this.policy.slotOf(key);
    return slot < 0 ? 0 : this.version[slot];
  }

  /** When the cached copy of `key` was superseded (+Infinity: current, or absent). */
  staleSinceOf(key: number): number {
    const slot = this.policy.slotOf(key);
    return slot < 0 ? Number.POSITIVE_INFINITY : this.staleSince[slot];
  }

  /** Stores a copy read at `version`; `requestTtlMs` > 0 overrides the tier's TTL. `fetchMs`: how long its DB read took. */
  fill(key: number, size: number, requestTtlMs: number, version: number, staleSince: number, now: number, fetchMs = 0): void {
    let ttl = requestTtlMs > 0 ? requestTtlMs : this.ttlMs;
    const freshness = this.freshness;
    if (ttl !== null && freshness.jitter > 0) ttl = jitteredTtl(ttl, freshness.jitter, freshness.random!);
    const expiresAt = ttl === null ? Number.POSITIVE_INFINITY : now + ttl;
    const p = this.policy;
    const charged = this.charge === null ? size : this.charge.bytes(size, ttl !== null);
    if (!p.set(key, charged, expiresAt + freshness.graceMs, now)) return;
    if (this.writesSeen || freshness.track) {
      const slot = p.slotOf(key);
      if (slot >= this.version.length) this.growColumns(slot);
      if (this.writesSeen) {
        this.version[slot] = version;
        this.staleSince[slot] = staleSince;
      }
      if (freshness.track) {
        this.freshUntil[slot] = expiresAt;
        this.fetchMs[slot] = fetchMs;
      }
    }
    if (p.entries > this.peakEntries) this.peakEntries = p.entries;
    if (p.bytes > this.peakBytes) this.peakBytes = p.bytes;
  }

  /** Whether the tier holds a live copy of `key` newer than `version` (a mediating cache never overwrites it with an older one). */
  holdsNewer(key: number, version: number, now: number): boolean {
    if (!this.writesSeen) return false;
    const slot = this.policy.slotOf(key);
    return slot >= 0 && this.version[slot] > version && this.policy.has(key, now);
  }

  /** A pub/sub message about `version` of `key` arrives: an older live copy is dropped. */
  dropOlder(key: number, version: number, now: number): void {
    const slot = this.policy.slotOf(key);
    if (slot >= 0 && this.version[slot] < version && this.policy.has(key, now)) this.invalidate(key);
  }

  /** A write removes the cached copy (invalidation: delete). */
  invalidate(key: number): void {
    if (this.policy.delete(key)) this.invalidations++;
  }

  /** A write replaces the cached copy with the version it committed (invalidation: update; write-through; write-behind). */
  update(key: number, size: number, requestTtlMs: number, version: number, now: number): void {
    if (this.policy.has(key, now)) this.invalidations++;
    this.fill(key, size, requestTtlMs, version, Number.POSITIVE_INFINITY, now);
  }

  /**
   * What a committed write does to the cached copy under cache-aside: `delete` (and `pubsub`, for the
   * writer's own tiers) removes it, `update` replaces it with the committed version (a delete operation
   * always removes it), `ttl-only` leaves it to expire. Returns whether the cache was touched (the write
   * then waits one cache operation).
   */
  writeCommitted(
    invalidation: InvalidationSpec,
    isDelete: boolean,
    key: number,
    size: number,
    requestTtlMs: number,
    version: number,
    now: number,
  ): boolean {
    this.writesSeen = true;
    if (invalidation === 'ttl-only') return false;
    if (isDelete || invalidation !== 'update') this.invalidate(key);
    else this.update(key, size, requestTtlMs, version, now);
    return true;
  }

  /** `version` of `key` was acknowledged at `now`: a cached older copy becomes stale from now on. */
  superseded(key: number, version: number, now: number): void {
    const slot = this.policy.slotOf(key);
    if (slot >= 0 && this.version[slot] < version && this.staleSince[slot] === Number.POSITIVE_INFINITY && this.policy.has(key, now)) {
      this.staleSince[slot] = now;
    }
  }

  /** Everything cached is lost (a crashed node's local tier); counters carry on. */
  clear(): void {
    if (this.newPolicy === null) throw new Error('engine: this tier cannot be cleared');
    this.retired.evictions += this.policy.evictions;
    this.retired.expirations += this.policy.expirations;
    this.policy = this.newPolicy();
  }

  private growColumns(slot: number): void {
    const length = doubledLength(this.version.length, slot + 1);
    this.version = grownInt32(this.version, length, 0);
    this.staleSince = grownFloat64(this.staleSince, length, Number.POSITIVE_INFINITY);
    this.freshUntil = grownFloat64(this.freshUntil, length, 0);
    this.fetchMs = grownFloat64(this.fetchMs, length, 0);
  }

  metrics(): CacheMetrics {
    const p = this.policy;
    return {
      evictions: this.retired.evictions + p.evictions,
      expirations: this.retired.expirations + p.expirations,
      invalidations: this.invalidations,
      entries: p.entries,
      bytes: p.bytes,
      peak_entries: this.peakEntries,
      peak_bytes: this.peakBytes,
    };
  }

  tierMetrics(): TierMetrics {
    return { ...this.metrics(), lookups: this.lookups, hits: this.hits, hit_rate: this.lookups > 0 ? this.hits / this.lookups : null, errors: this.errors };
  }
}

/** The local tiers of all nodes as one: counters summed, peaks as the largest sum seen per node (an upper bound), entries summed. */
export function summedTierMetrics(tiers: readonly CacheTier[]): TierMetrics {
  const all = tiers.map((t) => t.tierMetrics());
  const sum = (pick: (m: TierMetrics) => number) => all.reduce((total, m) => total + pick(m), 0);
  const lookups = sum((m) => m.lookups);
  const hits = sum((m) => m.hits);
  return {
    evictions: sum((m) => m.evictions),
    expirations: sum((m) => m.expirations),
    invalidations: sum((m) => m.invalidations),
    entries: sum((m) => m.entries),
    bytes: sum((m) => m.bytes),
    peak_entries: sum((m) => m.peak_entries),
    peak_bytes: sum((m) => m.peak_bytes),
    lookups,
    hits,
    hit_rate: lookups > 0 ? hits / lookups : null,
    errors: sum((m) => m.errors),
  };
}
