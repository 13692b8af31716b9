import type { PolicyOptions } from './eviction-policy.js';
import { SlotCache } from './slot-cache.js';
import { SlotList } from './slot-list.js';

/**
 * First In, First Out: entries leave in insertion order; hits change nothing.
 * Source: libCacheSim `cache/eviction/FIFO.c`.
 */
export class FifoPolicy extends SlotCache {
  readonly name = 'fifo';
  private readonly arrivals = new SlotList(this.slotCapacity);

  constructor(options: PolicyOptions) {
    super(options);
  }

  protected onHit(): void {}

  protected onInsert(slot: number): void {
    this.arrivals.pushHead(slot);
  }

  protected selectVictim(): number {
    return this.arrivals.popTail();
  }

  protected detach(slot: number): void {
    this.arrivals.remove(slot);
  }

  protected growSlotColumns(slotCapacity: number): void {
    this.arrivals.grow(slotCapacity);
  }

  protected checkPolicyInvariants(): void {
    this.arrivals.checkLinks('fifo');
    if (this.arrivals.length !== this.entries) throw new Error(`fifo: queue holds ${this.arrivals.length}, entries ${this.entries}`);
  }
}
