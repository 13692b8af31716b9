import { grownUint8 } from '../collections/typed-array-growth.js';
import type { PolicyOptions } from './eviction-policy.js';
import { GhostQueue } from './ghost-queue.js';
import { SlotCache } from './slot-cache.js';
import { NO_SLOT, SlotList } from './slot-list.js';

/** A1in's share of the capacity: new keys wait here, in FIFO order, for a second access. */
const A1IN_SHARE = 0.25;
/** A1out's share: the keys A1in evicted, remembered without values. */
const A1OUT_SHARE = 0.5;

/**
 * 2Q (full version): new keys enter A1in, a FIFO that a hit does not reorder; what A1in evicts is remembered
 * in A1out; a key that returns while remembered is admitted to Am, an LRU holding the rest of the cache.
 * Source: Johnson & Shasha, "2Q: A Low Overhead High Performance Buffer Management Replacement
 * Algorithm", VLDB 1994; libCacheSim `cache/eviction/TwoQ.c` (Ain 25%, Aout 50%), followed exactly:
 * - only objects no larger than A1in are admitted;
 * - A1in may grow past its share while the cache has room; when room is needed it yields its oldest entry
 *   (into A1out) for as long as it is over its share, and Am its LRU entry otherwise;
 * - a key admitted to Am after the room is made also keeps Am within its own share (capacity − A1in),
 *   evicting from Am's LRU end (without remembering those keys).
 * Deliberate difference: with capacity in entries A1in holds at least one entry (libCacheSim rounds 25% of
 * fewer than four entries down to 0 and then admits nothing).
 */
export class TwoQPolicy extends SlotCache {
  readonly name = 'twoq';
  private readonly a1in = new SlotList(this.slotCapacity);
  private readonly am = new SlotList(this.slotCapacity);
  private inAm = new Uint8Array(this.slotCapacity);
  private a1inUsed = 0;
  private amUsed = 0;
  private readonly a1inCapacity: number;
  private readonly amCapacity: number;
  private readonly a1out: GhostQueue | null;
  /** Set between `beforeAdmit` and `onInsert` when the incoming key was remembered in A1out. */
  private admitToAm = false;
  private incomingCharge = 0;

  constructor(options: PolicyOptions) {
    super(options);
    const capacity = this.capacity;
    if (!Number.isFinite(capacity)) {
      // Nothing is ever evicted: every key stays in A1in, and nothing needs remembering.
      this.a1inCapacity = capacity;
      this.amCapacity = capacity;
      this.a1out = null;
      return;
    }
    const a1in = Math.floor(capacity * A1IN_SHARE);
    this.a1inCapacity = this.chargesBytes ? a1in : Math.max(1, a1in);
    this.amCapacity = capacity - this.a1inCapacity;
    const a1outCapacity = Math.floor(capacity * A1OUT_SHARE);
    this.a1out = a1outCapacity > 0 ? new GhostQueue(a1outCapacity, this.chargesBytes, options.keySpaceHint) : null;
  }

  protected override admits(_key: number, charge: number): boolean {
    return charge <= this.a1inCapacity && charge <= this.capacity;
  }

  protected override beforeAdmit(key: number, charge: number): void {
    this.admitToAm = this.a1out?.remove(key) ?? false;
    this.incomingCharge = charge;
  }

  protected override needsRoom(charge: number): boolean {
    return this.used + charge > this.capacity || (this.admitToAm && this.amUsed + charge > this.amCapacity);
  }

  protected onHit(slot: number): void {
    if (this.inAm[slot] === 1) this.am.moveToHead(slot);
  }

  protected onInsert(slot: number): void {
    const charge = this.charge(slot);
    if (this.admitToAm) {
      this.inAm[slot] = 1;
      this.am.pushHead(slot);
      this.amUsed += charge;
    } else {
      this.inAm[slot] = 0;
      this.a1in.pushHead(slot);
      this.a1inUsed += charge;
    }
    this.admitToAm = false;
    this.incomingCharge = 0;
  }

  protected selectVictim(incomingKey: number): number {
    const incoming = incomingKey === NO_SLOT ? 0 : this.incomingCharge;
    // Room in the whole cache comes first (A1in yields while over its share); then Am's own share.
    const cacheFull = this.used + incoming > this.capacity;
    if ((cacheFull && this.a1inUsed > this.a1inCapacity) || this.am.length === 0) {
      const slot = this.a1in.popTail();
      this.a1inUsed -= this.charge(slot);
      this.a1out?.push(this.keyOfSlot[slot], this.sizeOfSlot[slot]);
      return slot;
    }
    const slot = this.am.popTail();
    this.amUsed -= this.charge(slot);
    return slot;
  }

  protected detach(slot: number): void {
    if (this.inAm[slot] === 1) {
      this.am.remove(slot);
      this.amUsed -= this.charge(slot);
    } else {
      this.a1in.remove(slot);
      this.a1inUsed -= this.charge(slot);
    }
  }

  protected override onResize(slot: number, oldSize: number): void {
    const delta = this.sizeOfSlot[slot] - oldSize;
    if (this.inAm[slot] === 1) this.amUsed += delta;
    else this.a1inUsed += delta;
  }

  private charge(slot: number): number {
    return this.chargesBytes ? this.sizeOfSlot[slot] : 1;
  }

  protected growSlotColumns(slotCapacity: number): void {
    this.a1in.grow(slotCapacity);
    this.am.grow(slotCapacity);
    this.inAm = grownUint8(this.inAm, slotCapacity);
  }

  protected checkPolicyInvariants(): void {
    this.a1in.checkLinks('twoq A1in');
    this.am.checkLinks('twoq Am');
    if (this.a1in.length + this.am.length !== this.entries) {
      throw new Error(`twoq: A1in ${this.a1in.length} + Am ${this.am.length} != entries ${this.entries}`);
    }
    let a1inUsed = 0;
    for (let slot = this.a1in.head; slot !== NO_SLOT; slot = this.a1in.next[slot]) {
      if (this.inAm[slot] !== 0) throw new Error(`twoq: slot ${slot} in A1in is marked Am`);
      a1inUsed += this.charge(slot);
    }
    if (a1inUsed !== this.a1inUsed) throw new Error(`twoq: A1in occupancy ${this.a1inUsed}, recomputed ${a1inUsed}`);
    if (this.a1inUsed + this.amUsed !== this.used) throw new Error(`twoq: A1in ${this.a1inUsed} + Am ${this.amUsed} != occupancy ${this.used}`);
    this.a1out?.checkInvariants('twoq A1out');
  }
}
