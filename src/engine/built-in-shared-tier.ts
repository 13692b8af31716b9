import type { Application } from '../application/application.js';
import { KeyLocks } from '../application/key-locks.js';
import { DONE, FAILED, NEWER, NOT_FOUND, type SharedTierPort } from '../application/ports.js';
import type { CacheTier } from './cache-tier.js';
import type { LatencySampler } from './latency-model.js';

/**
 * The built-in shared tier (L2) on the virtual clock: a CacheTier that answers every command at once, as
 * of the moment it is issued, with a round trip drawn from the tier's latency model (plus what `cache-slow`
 * windows add). In a `cache-down` window every command fails (counted in the tier's errors); a lock
 * attempt then fails without a round trip — the application knows the lock cannot be had.
 */
export class BuiltInSharedTier implements SharedTierPort {
  readonly answersAtOnce = true;
  private app: Application | null = null;
  /** `cache-down` windows open now. */
  down = 0;
  private readonly locks = new KeyLocks();

  constructor(
    private readonly tier: CacheTier,
    private readonly latency: LatencySampler,
    /** Whether copies carry their expiry and fetch time (refresh-ahead, stale-while-revalidate, xfetch). */
    private readonly tracksFreshness: boolean,
  ) {}

  attach(app: Application): void {
    this.app = app;
  }

  roundTrip(): number {
    return this.latency.sample();
  }

  lookup(slot: number, key: number, now: number): number {
    const tier = this.tier;
    if (this.down > 0) {
      tier.errors++;
      return FAILED;
    }
    const copy = tier.lookup(key, now);
    if (copy < 0) return NOT_FOUND;
    const r = this.app!.requests;
    if (tier.writesSeen) {
      r.version[slot] = tier.version[copy];
      r.staleSince[slot] = tier.staleSince[copy];
    } else {
      r.version[slot] = 0;
      r.staleSince[slot] = Number.POSITIVE_INFINITY;
    }
    if (this.tracksFreshness) {
      r.freshUntil[slot] = tier.freshUntil[copy];
      r.fetchMs[slot] = tier.fetchMs[copy];
    }
    return DONE;
  }

  fill(slot: number, key: number, size: number, ttl: number, mediated: boolean, now: number, fetchMs: number): number {
    const tier = this.tier;
    if (this.down > 0) {
      tier.errors++;
      return FAILED;
    }
    const r = this.app!.requests;
    let answer = DONE;
    // A mediating cache that holds a newer copy (a write landed meanwhile) keeps it, and answers with it.
    if (mediated && tier.holdsNewer(key, r.version[slot], now)) {
      r.version[slot] = tier.versionOf(key);
      r.staleSince[slot] = tier.staleSinceOf(key);
      answer = NEWER;
    }
    tier.fill(key, size, ttl, r.version[slot], r.staleSince[slot], now, fetchMs);
    return answer;
  }

  write(slot: number, key: number, remove: boolean, size: number, ttl: number, now: number): number {
    const tier = this.tier;
    if (this.down > 0) {
      tier.errors++;
      return FAILED;
    }
    if (remove) tier.invalidate(key);
    else tier.update(key, size, ttl, this.app!.requests.version[slot], now);
    return DONE;
  }

  lock(slot: number, key: number, now: number, ttlMs: number): number {
    if (this.down > 0) return FAILED;
    if (key >= this.locks.until.length) this.locks.ensureCells(key + 1);
    return this.locks.tryLock(key, slot, now, ttlMs) ? DONE : NOT_FOUND;
  }

  unlock(slot: number, key: number): void {
    this.locks.unlock(key, slot);
  }

  superseded(key: number, version: number, now: number): void {
    this.tier.superseded(key, version, now);
  }

  writesBegin(): void {
    this.tier.writesSeen = true;
  }
}
