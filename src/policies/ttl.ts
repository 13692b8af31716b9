import type { PolicyOptions } from './eviction-policy.js';
import { SlotCache } from './slot-cache.js';

/**
 * TTL-only: no capacity limit and no eviction order; an entry leaves only when it expires (lazily, on
 * lookup, like Redis's passive expiry) or is deleted. The `capacity` option is ignored: the cache is
 * unbounded. Expired entries nobody reads again stay counted in `entries` until written or deleted, since
 * there is no active expiry cycle. Source: Redis docs, "EXPIRE — How Redis expires keys" (passive expiry).
 */
export class TtlPolicy extends SlotCache {
  readonly name = 'ttl';

  constructor(options: PolicyOptions) {
    super(options, true);
  }

  protected onHit(): void {}
  protected onInsert(): void {}
  protected detach(): void {}
  protected growSlotColumns(): void {}
  protected checkPolicyInvariants(): void {}

  protected selectVictim(): number {
    // Capacity is Infinity, so the skeleton never needs room.
    throw new Error('ttl: an unbounded cache was asked for an eviction victim');
  }
}
