import { grownUint8 } from '../collections/typed-array-growth.js';
import { RandomSource } from '../random/random-source.js';
import type { PolicyOptions } from './eviction-policy.js';
import { type ParameterSpecs, resolveParameters } from './policy-parameters.js';
import { MAXMEMORY_SAMPLES, RedisSamplingPolicy } from './redis-sampling-policy.js';
import { NO_SLOT } from './slot-list.js';

/** Redis's LFU_INIT_VAL: a new key's counter, so it is not evicted before it has a chance to be read. */
export const LFU_INIT_VAL = 5;
const COUNTER_MAX = 255;
const MINUTE_MS = 60_000;
/** The decay clock is 16 bits of minutes and wraps (about every 45 days). */
const MINUTES_MAX = 65535;

export const REDIS_LFU_PARAMETERS: ParameterSpecs = {
  'maxmemory-samples': MAXMEMORY_SAMPLES,
  'lfu-log-factor': {
    default: 10,
    min: 0,
    max: 2 ** 31 - 1,
    integer: true,
    description: 'how slowly the counter grows: a hit increments it with probability 1 / ((counter − 5) × factor + 1)',
  },
  'lfu-decay-time': {
    default: 1,
    min: 0,
    max: 2 ** 31 - 1,
    integer: true,
    description: 'minutes per decrement of an idle key\'s counter; 0 never decays',
  },
};

/** Redis's `LFUGetTimeInMinutes` at `now` (ms of our virtual clock). */
export function lfuMinutes(now: number): number {
  return Math.floor(now / MINUTE_MS) & MINUTES_MAX;
}

/**
 * Redis's `LFULogIncr`: the 8-bit counter grows with probability 1 / ((counter − LFU_INIT_VAL) × factor + 1),
 * so it reaches about 10 after 100 hits, 18 after 1,000, 142 after 100,000 and 255 after 1M (factor 10).
 * `uniform` is a draw in [0, 1).
 */
export function lfuLogIncrement(counter: number, logFactor: number, uniform: number): number {
  if (counter === COUNTER_MAX) return COUNTER_MAX;
  const base = Math.max(counter - LFU_INIT_VAL, 0);
  return uniform < 1 / (base * logFactor + 1) ? counter + 1 : counter;
}

/** Redis's `LFUDecrAndReturn`: the counter less one per `decayMinutes` elapsed since `stampMinutes` (wrapping), floored at 0. */
export function lfuDecayed(counter: number, stampMinutes: number, nowMinutes: number, decayMinutes: number): number {
  if (decayMinutes === 0) return counter;
  const elapsed = nowMinutes >= stampMinutes ? nowMinutes - stampMinutes : MINUTES_MAX - stampMinutes + nowMinutes;
  const periods = Math.floor(elapsed / decayMinutes);
  return periods > counter ? 0 : counter - periods;
}

/**
 * Redis's approximated LFU (`maxmemory-policy allkeys-lfu`): every key carries an 8-bit logarithmic access
 * counter (new keys start at LFU_INIT_VAL = 5) and the minute it was last decremented. A read first decays
 * the counter by one per `lfu-decay-time` minutes elapsed, then increments it with probability
 * 1 / ((counter − 5) × `lfu-log-factor` + 1), and stamps the minute. To evict, Redis samples
 * `maxmemory-samples` keys into its 16-entry pool by 255 − (decayed counter) and evicts the least frequent.
 * The clock is the replay's `now` (ms); increments draw from `RandomSource.derive(seed, 'redis-lfu-counter')`.
 * Parameters: `maxmemory-samples` (5), `lfu-log-factor` (10), `lfu-decay-time` (1 minute).
 * Sources: Redis docs, "Key eviction" (LFU) and redis.conf (the counter table); Redis `src/evict.c`
 * (`LFULogIncr`, `LFUDecrAndReturn`, `updateLFU` in `src/db.c`).
 */
export class RedisLfuPolicy extends RedisSamplingPolicy {
  readonly name = 'redis-lfu';
  private counter: Uint8Array;
  private stampMinutes: Uint16Array;
  private readonly logFactor: number;
  private readonly decayMinutes: number;
  private readonly increments: RandomSource;

  constructor(options: PolicyOptions) {
    const parameters = resolveParameters('redis-lfu', REDIS_LFU_PARAMETERS, options.parameters);
    super(options, parameters['maxmemory-samples'], 'redis-lfu-sampling');
    this.logFactor = parameters['lfu-log-factor'];
    this.decayMinutes = parameters['lfu-decay-time'];
    this.increments = RandomSource.derive(options.seed, 'redis-lfu-counter');
    this.counter = new Uint8Array(this.slotCapacity);
    this.stampMinutes = new Uint16Array(this.slotCapacity);
  }

  /** A resident key's counter as Redis would report it at `now` (OBJECT FREQ: decayed, not stored). */
  frequencyOf(key: number, now: number): number {
    const slot = this.slotOf(key);
    if (slot === NO_SLOT) return 0;
    return lfuDecayed(this.counter[slot], this.stampMinutes[slot], lfuMinutes(now), this.decayMinutes);
  }

  protected onHit(slot: number, now: number): void {
    const minutes = lfuMinutes(now);
    const decayed = lfuDecayed(this.counter[slot], this.stampMinutes[slot], minutes, this.decayMinutes);
    this.counter[slot] = lfuLogIncrement(decayed, this.logFactor, this.increments.nextFloat());
    this.stampMinutes[slot] = minutes;
  }

  protected stampNew(slot: number, now: number): void {
    this.counter[slot] = LFU_INIT_VAL;
    this.stampMinutes[slot] = lfuMinutes(now);
  }

  protected evictionScore(slot: number, now: number): number {
    return COUNTER_MAX - lfuDecayed(this.counter[slot], this.stampMinutes[slot], lfuMinutes(now), this.decayMinutes);
  }

  protected override growSlotColumns(slotCapacity: number): void {
    super.growSlotColumns(slotCapacity);
    this.counter = grownUint8(this.counter, slotCapacity);
    const stampMinutes = new Uint16Array(slotCapacity);
    stampMinutes.set(this.stampMinutes);
    this.stampMinutes = stampMinutes;
  }
}
