import { RandomSource } from '../random/random-source.js';
import type { PolicyOptions } from './eviction-policy.js';
import { SlotCache } from './slot-cache.js';
import { grownInt32 } from '../collections/typed-array-growth.js';

/**
 * Random replacement: the victim is drawn uniformly from the resident entries; hits change nothing.
 * Source: libCacheSim `cache/eviction/Random.c`; the draws come from `RandomSource.derive(seed,
 * 'random-policy')`, so a seed reproduces a run (but not libCacheSim's own random stream).
 */
export class RandomPolicy extends SlotCache {
  readonly name = 'random';
  private readonly random: RandomSource;
  /** Resident slots packed densely, so a uniform index is a uniform entry; removal swaps in the last. */
  private resident = new Int32Array(this.slotCapacity);
  private positionOfSlot = new Int32Array(this.slotCapacity);
  private residentCount = 0;

  constructor(options: PolicyOptions) {
    super(options);
    this.random = RandomSource.derive(options.seed, 'random-policy');
  }

  protected onHit(): void {}

  protected onInsert(slot: number): void {
    this.positionOfSlot[slot] = this.residentCount;
    this.resident[this.residentCount++] = slot;
  }

  protected selectVictim(): number {
    const slot = this.resident[this.random.nextInt(this.residentCount)];
    this.detach(slot);
    return slot;
  }

  protected detach(slot: number): void {
    const position = this.positionOfSlot[slot];
    const last = this.resident[--this.residentCount];
    this.resident[position] = last;
    this.positionOfSlot[last] = position;
  }

  protected growSlotColumns(slotCapacity: number): void {
    this.resident = grownInt32(this.resident, slotCapacity);
    this.positionOfSlot = grownInt32(this.positionOfSlot, slotCapacity);
  }

  protected checkPolicyInvariants(): void {
    if (this.residentCount !== this.entries) throw new Error(`random: ${this.residentCount} resident, entries ${this.entries}`);
    for (let position = 0; position < this.residentCount; position++) {
      const slot = this.resident[position];
      if (this.positionOfSlot[slot] !== position) throw new Error(`random: slot ${slot} at position ${position} records ${this.positionOfSlot[slot]}`);
    }
  }
}
