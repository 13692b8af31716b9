import { RandomSource } from '../random/random-source.js';
import type { PolicyOptions } from './eviction-policy.js';
import type { ParameterSpec } from './policy-parameters.js';
import { RedisEvictionPool } from './redis-eviction-pool.js';
import { ResidentSlots } from './resident-slots.js';
import { SlotCache } from './slot-cache.js';
import { NO_SLOT } from './slot-list.js';

/** `maxmemory-samples`: shared by both Redis policies. */
export const MAXMEMORY_SAMPLES: ParameterSpec = {
  default: 5,
  min: 1,
  max: 1 << 24,
  integer: true,
  description: 'keys sampled per eviction (Redis accepts 1–64; more shows how close sampling gets to exact)',
};

/**
 * What Redis's `allkeys-lru` and `allkeys-lfu` share (Redis `src/evict.c`, `performEvictions`): to evict
 * one key, sample `maxmemory-samples` resident keys, offer each to the 16-entry eviction pool with its
 * score, then evict the pool's best key that still exists. Subclasses supply the score: idle time, or
 * 255 − the decayed LFU counter.
 * Deliberate differences: Redis samples with `dictGetSomeKeys` (runs of adjacent hash buckets); here the
 * sample is uniform without replacement over the resident keys, as the Redis docs describe it. Redis evicts
 * after memory is exceeded, before running a command; here, as for every policy, before inserting, until
 * the newcomer fits. Only reads are accesses (a write to a present key is an update, see
 * `eviction-policy.ts`); Redis also touches a key on writes.
 */
export abstract class RedisSamplingPolicy extends SlotCache {
  /** Resident slots packed densely, so a uniform index is a uniform key; removal swaps in the last. */
  private readonly resident: ResidentSlots;
  private readonly pool = new RedisEvictionPool();
  private readonly sampling: RandomSource;
  protected readonly samples: number;

  constructor(options: PolicyOptions, samples: number, samplingStream: string) {
    super(options);
    this.samples = samples;
    this.sampling = RandomSource.derive(options.seed, samplingStream);
    this.resident = new ResidentSlots(this.slotCapacity);
  }

  /** Larger is evicted sooner (Redis calls it `idle` for every policy). */
  protected abstract evictionScore(slot: number, now: number): number;

  protected onInsert(slot: number, now: number): void {
    this.resident.add(slot);
    this.stampNew(slot, now);
  }

  /** Sets a new key's access metadata (LRU clock, or LFU counter and time). */
  protected abstract stampNew(slot: number, now: number): void;

  protected selectVictim(_incomingKey: number, now: number): number {
    for (;;) {
      this.populatePool(now);
      for (let key = this.pool.takeBest(); key !== NO_SLOT; key = this.pool.takeBest()) {
        const slot = this.slotOf(key);
        // A key evicted or deleted since it was pooled is a ghost: Redis skips it and tries the next.
        if (slot === NO_SLOT) continue;
        this.detach(slot);
        return slot;
      }
    }
  }

  /** Draws `samples` distinct resident keys (a partial Fisher–Yates shuffle of the resident array) into the pool. */
  private populatePool(now: number): void {
    const resident = this.resident;
    const count = resident.count;
    const draws = Math.min(this.samples, count);
    for (let i = 0; i < draws; i++) {
      const j = i + this.sampling.nextInt(count - i);
      if (j !== i) resident.swap(i, j);
      const slot = resident.at(i);
      this.pool.offer(this.keyOfSlot[slot], this.evictionScore(slot, now));
    }
  }

  protected detach(slot: number): void {
    this.resident.remove(slot);
  }

  protected growSlotColumns(slotCapacity: number): void {
    this.resident.grow(slotCapacity);
  }

  protected checkPolicyInvariants(): void {
    this.resident.check(this.name, this.entries);
  }
}
