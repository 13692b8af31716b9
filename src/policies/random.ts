import { RandomSource } from '../random/random-source.js';
import type { PolicyOptions } from './eviction-policy.js';
import { SlotCache } from './slot-cache.js';
import { ResidentSlots } from './resident-slots.js';

/**
 * Random replacement: the victim is drawn uniformly from the resident entries; hits change nothing.
 * Source: libCacheSim `cache/eviction/Random.c`; the draws come from `RandomSource.derive(seed,
 * 'random-policy')`, so a seed reproduces a run (but not libCacheSim's own random stream).
 */
export class RandomPolicy extends SlotCache {
  readonly name = 'random';
  private readonly random: RandomSource;
  private readonly resident = new ResidentSlots(this.slotCapacity);

  constructor(options: PolicyOptions) {
    super(options);
    this.random = RandomSource.derive(options.seed, 'random-policy');
  }

  protected onHit(): void {}

  protected onInsert(slot: number): void {
    this.resident.add(slot);
  }

  protected selectVictim(): number {
    const slot = this.resident.at(this.random.nextInt(this.resident.count));
    this.resident.remove(slot);
    return slot;
  }

  protected detach(slot: number): void {
    this.resident.remove(slot);
  }

  protected growSlotColumns(slotCapacity: number): void {
    this.resident.grow(slotCapacity);
  }

  protected checkPolicyInvariants(): void {
    this.resident.check('random', this.entries);
  }
}
