import type { PolicyOptions } from './eviction-policy.js';
import { SlotCache } from './slot-cache.js';
import { NO_SLOT, SlotList } from './slot-list.js';
import { grownUint8 } from '../collections/typed-array-growth.js';

/**
 * SIEVE: a FIFO queue with a visited bit and a hand that moves from the tail towards the head, clearing
 * bits until it finds an unvisited entry, evicts it in place (no reinsertion) and keeps its position.
 * Source: Zhang et al., "SIEVE is Simpler than LRU", NSDI'24; libCacheSim `cache/eviction/Sieve.c`.
 */
export class SievePolicy extends SlotCache {
  readonly name = 'sieve';
  private readonly queue = new SlotList(this.slotCapacity);
  private visited = new Uint8Array(this.slotCapacity);
  /** Where the next eviction resumes; NO_SLOT means "start again from the tail". */
  private hand = NO_SLOT;

  constructor(options: PolicyOptions) {
    super(options);
  }

  protected onHit(slot: number): void {
    this.visited[slot] = 1;
  }

  protected onInsert(slot: number): void {
    this.visited[slot] = 0;
    this.queue.pushHead(slot);
  }

  protected selectVictim(): number {
    const queue = this.queue;
    let slot = this.hand === NO_SLOT ? queue.tail : this.hand;
    while (this.visited[slot] === 1) {
      this.visited[slot] = 0;
      const towardsHead = queue.prev[slot];
      slot = towardsHead === NO_SLOT ? queue.tail : towardsHead;
    }
    this.hand = queue.prev[slot];
    queue.remove(slot);
    return slot;
  }

  protected detach(slot: number): void {
    if (slot === this.hand) this.hand = this.queue.prev[slot];
    this.queue.remove(slot);
  }

  protected growSlotColumns(slotCapacity: number): void {
    this.queue.grow(slotCapacity);
    this.visited = grownUint8(this.visited, slotCapacity);
  }

  protected checkPolicyInvariants(): void {
    this.queue.checkLinks('sieve');
    if (this.queue.length !== this.entries) throw new Error(`sieve: queue holds ${this.queue.length}, entries ${this.entries}`);
    if (this.hand !== NO_SLOT && this.keyOfSlot[this.hand] === NO_SLOT) throw new Error(`sieve: hand points at free slot ${this.hand}`);
  }
}
