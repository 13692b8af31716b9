import { grownInt32 } from '../collections/typed-array-growth.js';
import type { PolicyOptions } from './eviction-policy.js';
import { type ParameterSpecs, resolveParameters } from './policy-parameters.js';
import { MAXMEMORY_SAMPLES, RedisSamplingPolicy } from './redis-sampling-policy.js';

/** Redis's LRU_CLOCK_RESOLUTION: the clock ticks once a second. */
export const LRU_CLOCK_RESOLUTION_MS = 1000;
/** Redis's LRU_CLOCK_MAX: the clock is 24 bits and wraps (about every 194 days). */
export const LRU_CLOCK_MAX = (1 << 24) - 1;

export const REDIS_LRU_PARAMETERS: ParameterSpecs = { 'maxmemory-samples': MAXMEMORY_SAMPLES };

/** Redis's `LRU_CLOCK()` at `now` (ms of our virtual clock, not Unix time). */
export function lruClock(now: number): number {
  return Math.floor(now / LRU_CLOCK_RESOLUTION_MS) & LRU_CLOCK_MAX;
}

/** Redis's `estimateObjectIdleTime`: ms since the key's stamp, at one-second resolution, across a wrap. */
export function estimateIdleTime(stamp: number, clock: number): number {
  const ticks = clock >= stamp ? clock - stamp : clock + (LRU_CLOCK_MAX - stamp);
  return ticks * LRU_CLOCK_RESOLUTION_MS;
}

/**
 * Redis's approximated LRU (`maxmemory-policy allkeys-lru`): every key carries a 24-bit clock stamp with
 * one-second resolution, set when it is created and on every access; to evict, Redis samples
 * `maxmemory-samples` keys (default 5) into its 16-entry eviction pool by idle time and evicts the idlest.
 * Keys accessed within the same second are equally idle. The clock is the replay's `now` (ms).
 * Parameters: `maxmemory-samples`. Sources: Redis docs, "Key eviction" (approximated LRU); Redis
 * `src/evict.c` (`estimateObjectIdleTime`, `evictionPoolPopulate`), `src/server.h` (LRU_CLOCK_*).
 */
export class RedisLruPolicy extends RedisSamplingPolicy {
  readonly name = 'redis-lru';
  private stamp: Int32Array;

  constructor(options: PolicyOptions) {
    const parameters = resolveParameters('redis-lru', REDIS_LRU_PARAMETERS, options.parameters);
    super(options, parameters['maxmemory-samples'], 'redis-lru-sampling');
    this.stamp = new Int32Array(this.slotCapacity);
  }

  protected onHit(slot: number, now: number): void {
    this.stamp[slot] = lruClock(now);
  }

  protected stampNew(slot: number, now: number): void {
    this.stamp[slot] = lruClock(now);
  }

  protected evictionScore(slot: number, now: number): number {
    return estimateIdleTime(this.stamp[slot], lruClock(now));
  }

  protected override growSlotColumns(slotCapacity: number): void {
    super.growSlotColumns(slotCapacity);
    this.stamp = grownInt32(this.stamp, slotCapacity);
  }
}
