import type { PolicyOptions } from './eviction-policy.js';
import { SlotCache } from './slot-cache.js';
import { SlotList } from './slot-list.js';

/**
 * Least Recently Used: a hit moves the entry to the head, eviction takes the tail.
 * Source: libCacheSim `cache/eviction/LRU.c` (the golden counts in test/policies.test.ts come from it).
 */
export class LruPolicy extends SlotCache {
  readonly name = 'lru';
  private readonly recency = new SlotList(this.slotCapacity);

  constructor(options: PolicyOptions) {
    super(options);
  }

  protected onHit(slot: number): void {
    this.recency.moveToHead(slot);
  }

  protected onInsert(slot: number): void {
    this.recency.pushHead(slot);
  }

  protected selectVictim(): number {
    return this.recency.popTail();
  }

  protected detach(slot: number): void {
    this.recency.remove(slot);
  }

  protected growSlotColumns(slotCapacity: number): void {
    this.recency.grow(slotCapacity);
  }

  protected checkPolicyInvariants(): void {
    this.recency.checkLinks('lru');
    if (this.recency.length !== this.entries) throw new Error(`lru: list holds ${this.recency.length}, entries ${this.entries}`);
  }
}
