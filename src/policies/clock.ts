import type { PolicyOptions } from './eviction-policy.js';
import { SlotCache } from './slot-cache.js';
import { SlotList } from './slot-list.js';
import { grownUint8 } from '../collections/typed-array-growth.js';

/**
 * CLOCK (second chance, FIFO-reinsertion) with one reference bit: a hit sets the bit; eviction looks at
 * the queue's tail and, while its bit is set, clears it and moves it back to the head.
 * Source: Corbató 1968; libCacheSim `cache/eviction/Clock.c` with n-bit-counter=1 (new entries start at 0).
 */
export class ClockPolicy extends SlotCache {
  readonly name = 'clock';
  private readonly queue = new SlotList(this.slotCapacity);
  private referenced = new Uint8Array(this.slotCapacity);

  constructor(options: PolicyOptions) {
    super(options);
  }

  protected onHit(slot: number): void {
    this.referenced[slot] = 1;
  }

  protected onInsert(slot: number): void {
    this.referenced[slot] = 0;
    this.queue.pushHead(slot);
  }

  protected selectVictim(): number {
    const queue = this.queue;
    let slot = queue.tail;
    while (this.referenced[slot] === 1) {
      this.referenced[slot] = 0;
      queue.moveToHead(slot);
      slot = queue.tail;
    }
    queue.remove(slot);
    return slot;
  }

  protected detach(slot: number): void {
    this.queue.remove(slot);
  }

  protected growSlotColumns(slotCapacity: number): void {
    this.queue.grow(slotCapacity);
    this.referenced = grownUint8(this.referenced, slotCapacity);
  }

  protected checkPolicyInvariants(): void {
    this.queue.checkLinks('clock');
    if (this.queue.length !== this.entries) throw new Error(`clock: queue holds ${this.queue.length}, entries ${this.entries}`);
  }
}
