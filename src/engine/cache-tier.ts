import type { EvictionPolicy } from '../policies/eviction-policy.js';
import type { InvalidationSpec } from '../scenario/scenario.js';
import type { CacheMetrics } from '../result/run-result.js';
import { doubledLength, grownFloat64, grownInt32 } from '../collections/typed-array-growth.js';

/**
 * One cache tier: an eviction policy plus what the engine needs beside it — the version each cached
 * copy holds and, once a newer write is acknowledged, the moment that copy became stale — and the
 * tier's TTL and counters.
 */
export class CacheTier {
  /** Version of the cached copy, by key (meaningful only while the policy holds the key). */
  version = new Int32Array(0);
  /** When the cached copy was superseded by an acknowledged write; +Infinity while it is current. */
  staleSince = new Float64Array(0);
  invalidations = 0;
  peakEntries = 0;
  /** Whether any write has been committed yet (before that, version columns need no upkeep). */
  private writesSeen = false;
  peakBytes = 0;

  constructor(
    readonly policy: EvictionPolicy,
    /** Default TTL in ms; null: none. */
    private readonly ttlMs: number | null,
  ) {}

  ensureKeySpace(keySpace: number): void {
    if (keySpace > this.version.length) {
      this.version = grownInt32(this.version, doubledLength(this.version.length, keySpace), 0);
      this.staleSince = grownFloat64(this.staleSince, doubledLength(this.staleSince.length, keySpace), Number.POSITIVE_INFINITY);
    }
  }

  /** Stores a copy read at `version`; `requestTtlMs` > 0 overrides the tier's TTL. */
  fill(key: number, size: number, requestTtlMs: number, version: number, staleSince: number, now: number): void {
    const ttl = requestTtlMs > 0 ? requestTtlMs : this.ttlMs;
    const expiresAt = ttl === null ? Number.POSITIVE_INFINITY : now + ttl;
    if (this.policy.set(key, size, expiresAt, now)) {
      // Until the first write every copy is version 0 and current, which is what the columns already
      // hold: a read-only replay skips two random writes per miss.
      if (this.writesSeen) {
        this.version[key] = version;
        this.staleSince[key] = staleSince;
      }
      const p = this.policy;
      if (p.entries > this.peakEntries) this.peakEntries = p.entries;
      if (p.bytes > this.peakBytes) this.peakBytes = p.bytes;
    }
  }

  /** A write removes the cached copy (invalidation: delete). */
  invalidate(key: number): void {
    if (this.policy.delete(key)) this.invalidations++;
  }

  /** A write replaces the cached copy with the version it committed (invalidation: update). */
  update(key: number, size: number, requestTtlMs: number, version: number, now: number): void {
    if (this.policy.has(key, now)) this.invalidations++;
    this.fill(key, size, requestTtlMs, version, Number.POSITIVE_INFINITY, now);
  }

  /**
   * What a committed write does to the cached copy under cache-aside: `delete` removes it, `update`
   * replaces it with the committed version (a delete operation always removes it), `ttl-only` leaves
   * it to expire. Returns whether the cache was touched (the write then waits one cache operation).
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
    if (isDelete || invalidation === 'delete') this.invalidate(key);
    else this.update(key, size, requestTtlMs, version, now);
    return true;
  }

  /** `version` of `key` was acknowledged at `now`: a cached older copy becomes stale from now on. */
  superseded(key: number, version: number, now: number): void {
    if (this.version[key] < version && this.staleSince[key] === Number.POSITIVE_INFINITY && this.policy.has(key, now)) {
      this.staleSince[key] = now;
    }
  }

  metrics(): CacheMetrics {
    const p = this.policy;
    return {
      evictions: p.evictions,
      expirations: p.expirations,
      invalidations: this.invalidations,
      entries: p.entries,
      bytes: p.bytes,
      peak_entries: this.peakEntries,
      peak_bytes: this.peakBytes,
    };
  }
}
