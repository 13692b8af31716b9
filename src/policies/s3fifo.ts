import type { PolicyOptions } from './eviction-policy.js';
import { GhostQueue } from './ghost-queue.js';
import { SlotCache } from './slot-cache.js';
import { NO_SLOT, SlotList } from './slot-list.js';
import { grownUint8 } from '../collections/typed-array-growth.js';

const SMALL_QUEUE_SHARE = 0.1;
const GHOST_QUEUE_SHARE = 0.9;
/** Hits while in the small queue needed to be promoted to the main queue instead of evicted. */
const MOVE_TO_MAIN_THRESHOLD = 2;
/** Main-queue hits are remembered by a 2-bit counter (CLOCK with up to three passes). */
const MAX_FREQUENCY = 3;

/**
 * S3-FIFO: a small FIFO (10%) that filters one-hit wonders, a main FIFO (90%) run as a 2-bit CLOCK, and a
 * ghost FIFO (90%) of keys evicted from the small queue; a key found in the ghost goes straight to main.
 * Source: Yang et al., "FIFO queues are all you need for cache eviction", SOSP'23; libCacheSim
 * `cache/eviction/S3FIFO.c` as of aa0fc40 (new keys always enter the small queue; the later libCacheSim
 * variant that overflows into main before the first eviction does not reproduce the golden counts).
 * Deliberate differences: with capacity in entries the small queue holds at least one entry (libCacheSim
 * rounds it down to 0 below 10 entries, and below 20 admits nothing); an object exactly the small queue's
 * size (bytes) and not in the ghost is refused before evicting, where libCacheSim evicts first.
 */
export class S3FifoPolicy extends SlotCache {
  readonly name = 's3fifo';
  private readonly small = new SlotList(this.slotCapacity);
  private readonly main = new SlotList(this.slotCapacity);
  private inMain = new Uint8Array(this.slotCapacity);
  private frequency = new Uint8Array(this.slotCapacity);
  private readonly smallCapacity: number;
  private readonly mainCapacity: number;
  private smallUsed = 0;
  private mainUsed = 0;
  private readonly ghost: GhostQueue | null;
  /** Set between `beforeAdmit` and `onInsert` when the incoming key was found in the ghost. */
  private admitToMain = false;

  constructor(options: PolicyOptions) {
    super(options);
    const capacity = this.capacity;
    if (!Number.isFinite(capacity)) {
      // Nothing is ever evicted: everything stays in the small queue and no ghost is needed.
      this.smallCapacity = capacity;
      this.mainCapacity = capacity;
      this.ghost = null;
      return;
    }
    const small = Math.floor(capacity * SMALL_QUEUE_SHARE);
    this.smallCapacity = this.chargesBytes ? small : Math.max(1, small);
    this.mainCapacity = capacity - this.smallCapacity;
    const ghostCapacity = Math.floor(capacity * GHOST_QUEUE_SHARE);
    this.ghost = ghostCapacity > 0 ? new GhostQueue(ghostCapacity, this.chargesBytes, options.keySpaceHint) : null;
  }

  protected override admits(key: number, charge: number): boolean {
    if (charge > this.smallCapacity || charge > this.capacity) return false;
    // An object as large as the small queue would flush it; only the ghost's recommendation lets it in.
    return !(this.chargesBytes && charge === this.smallCapacity && !this.ghost?.has(key));
  }

  protected override beforeAdmit(key: number): void {
    this.admitToMain = this.ghost?.remove(key) ?? false;
  }

  protected onHit(slot: number): void {
    if (this.frequency[slot] < MAX_FREQUENCY) this.frequency[slot]++;
  }

  protected onInsert(slot: number): void {
    this.frequency[slot] = 0;
    if (this.admitToMain) this.pushMain(slot);
    else this.pushSmall(slot);
    this.admitToMain = false;
  }

  protected selectVictim(): number {
    for (;;) {
      // Promotions can leave main over its share; it then yields first.
      const victim = this.mainUsed > this.mainCapacity || this.small.length === 0 ? this.evictFromMain() : this.evictFromSmall();
      if (victim !== NO_SLOT) return victim;
    }
  }

  /** Promotes frequently hit entries from the small queue's tail; evicts (into the ghost) the first that is not. */
  private evictFromSmall(): number {
    const small = this.small;
    while (small.length > 0) {
      const slot = small.popTail();
      this.smallUsed -= this.charge(slot);
      if (this.frequency[slot] >= MOVE_TO_MAIN_THRESHOLD) {
        this.frequency[slot] = 0;
        this.pushMain(slot);
      } else {
        this.ghost?.push(this.keyOfSlot[slot], this.sizeOfSlot[slot]);
        return slot;
      }
    }
    return NO_SLOT;
  }

  /** 2-bit CLOCK over the main queue: a hit entry goes back to the head with one pass fewer. */
  private evictFromMain(): number {
    const main = this.main;
    while (main.length > 0) {
      const slot = main.tail;
      if (this.frequency[slot] >= 1) {
        this.frequency[slot]--;
        main.moveToHead(slot);
      } else {
        main.remove(slot);
        this.mainUsed -= this.charge(slot);
        return slot;
      }
    }
    return NO_SLOT;
  }

  protected detach(slot: number): void {
    if (this.inMain[slot] === 1) {
      this.main.remove(slot);
      this.mainUsed -= this.charge(slot);
    } else {
      this.small.remove(slot);
      this.smallUsed -= this.charge(slot);
    }
  }

  protected override onResize(slot: number, oldSize: number): void {
    const delta = this.sizeOfSlot[slot] - oldSize;
    if (this.inMain[slot] === 1) this.mainUsed += delta;
    else this.smallUsed += delta;
  }

  private pushSmall(slot: number): void {
    this.inMain[slot] = 0;
    this.small.pushHead(slot);
    this.smallUsed += this.charge(slot);
  }

  private pushMain(slot: number): void {
    this.inMain[slot] = 1;
    this.main.pushHead(slot);
    this.mainUsed += this.charge(slot);
  }

  private charge(slot: number): number {
    return this.chargesBytes ? this.sizeOfSlot[slot] : 1;
  }

  protected growSlotColumns(slotCapacity: number): void {
    this.small.grow(slotCapacity);
    this.main.grow(slotCapacity);
    this.inMain = grownUint8(this.inMain, slotCapacity);
    this.frequency = grownUint8(this.frequency, slotCapacity);
  }

  protected checkPolicyInvariants(): void {
    this.small.checkLinks('s3fifo small');
    this.main.checkLinks('s3fifo main');
    if (this.small.length + this.main.length !== this.entries) {
      throw new Error(`s3fifo: small ${this.small.length} + main ${this.main.length} != entries ${this.entries}`);
    }
    if (this.smallUsed + this.mainUsed !== this.used) throw new Error(`s3fifo: small ${this.smallUsed} + main ${this.mainUsed} != occupancy ${this.used}`);
    for (let slot = this.small.head; slot !== NO_SLOT; slot = this.small.next[slot]) {
      if (this.inMain[slot] !== 0) throw new Error(`s3fifo: slot ${slot} in the small queue is marked main`);
    }
    this.ghost?.checkInvariants('s3fifo ghost');
  }
}
