import { grownUint8 } from '../collections/typed-array-growth.js';
import type { PolicyOptions } from './eviction-policy.js';
import { GhostQueue } from './ghost-queue.js';
import { SlotCache } from './slot-cache.js';
import { NO_SLOT, SlotList } from './slot-list.js';

/** Which history list, if any, remembered the key being admitted. */
const NOT_REMEMBERED = 0;
const REMEMBERED_IN_B1 = 1;
const REMEMBERED_IN_B2 = 2;

/**
 * Adaptive Replacement Cache: T1 holds keys seen once recently, T2 keys seen at least twice; B1 and B2
 * remember (without values) what T1 and T2 evicted. A key returning through B1 grows T1's target share p,
 * one returning through B2 shrinks it, so the split between recency and frequency follows the trace.
 * Source: Megiddo & Modha, "ARC: A Self-Tuning, Low Overhead Replacement Cache", FAST 2003 (Fig. 4);
 * libCacheSim `cache/eviction/ARC.c`, whose byte-based generalisation this follows exactly:
 * - p is a float; a B1 hit adds max(|B2|/|B1|, 1), a B2 hit subtracts max(|B1|/|B2|, 1), sizes in the
 *   capacity's unit (entries or bytes), p clamped to [0, capacity];
 * - after a ghost hit, each eviction is the paper's REPLACE: T1's LRU end goes to B1 when T1 is non-empty
 *   and larger than p (or equal to it on a B2 hit), or when T2 is empty; otherwise T2's LRU end goes to B2;
 * - on a complete miss (case IV), when |T1| + |B1| + incoming size exceeds the capacity, B1's oldest key is
 *   forgotten and REPLACE runs, or, with B1 empty, T1's LRU end leaves without a ghost; otherwise, when all
 *   four lists together reach twice the capacity, B2's oldest key is forgotten, then REPLACE runs;
 * - the ghost lists have no bound of their own: these rules keep them near the cache's size.
 * The ghost lists are consulted when an absent key is admitted (libCacheSim: at lookup; the same for a
 * replay where every miss is followed by its fill). Expired or deleted entries leave without a ghost.
 */
export class ArcPolicy extends SlotCache {
  readonly name = 'arc';
  private readonly t1 = new SlotList(this.slotCapacity);
  private readonly t2 = new SlotList(this.slotCapacity);
  private inT2 = new Uint8Array(this.slotCapacity);
  private t1Used = 0;
  private t2Used = 0;
  private readonly b1: GhostQueue;
  private readonly b2: GhostQueue;
  /** The paper's p: T1's target occupancy, in the capacity's unit. */
  private t1Target = 0;
  /** Set by `beforeAdmit` for the key being admitted; cleared when it is inserted. */
  private rememberedIn = NOT_REMEMBERED;
  private incomingCharge = 0;

  constructor(options: PolicyOptions) {
    super(options);
    // Unbounded caches never evict, so nothing is ever remembered; the lists stay empty.
    this.b1 = new GhostQueue(Number.POSITIVE_INFINITY, this.chargesBytes, options.keySpaceHint);
    this.b2 = new GhostQueue(Number.POSITIVE_INFINITY, this.chargesBytes, options.keySpaceHint);
  }

  /** T1's target share (the paper's p), exposed for tests. */
  get recencyTarget(): number {
    return this.t1Target;
  }

  protected override beforeAdmit(key: number, charge: number): void {
    this.incomingCharge = charge;
    const b1 = this.b1;
    const b2 = this.b2;
    if (b1.has(key)) {
      this.t1Target = Math.min(this.t1Target + adaptationStep(b2.used, b1.used), this.capacity);
      b1.remove(key);
      this.rememberedIn = REMEMBERED_IN_B1;
    } else if (b2.has(key)) {
      this.t1Target = Math.max(this.t1Target - adaptationStep(b1.used, b2.used), 0);
      b2.remove(key);
      this.rememberedIn = REMEMBERED_IN_B2;
    }
  }

  protected onHit(slot: number): void {
    if (this.inT2[slot] === 1) {
      this.t2.moveToHead(slot);
      return;
    }
    const charge = this.charge(slot);
    this.t1.remove(slot);
    this.t1Used -= charge;
    this.pushT2(slot, charge);
  }

  protected onInsert(slot: number): void {
    const charge = this.charge(slot);
    if (this.rememberedIn !== NOT_REMEMBERED) {
      this.pushT2(slot, charge);
    } else {
      this.inT2[slot] = 0;
      this.t1.pushHead(slot);
      this.t1Used += charge;
    }
    this.rememberedIn = NOT_REMEMBERED;
    this.incomingCharge = 0;
  }

  protected selectVictim(incomingKey: number): number {
    if (this.rememberedIn !== NOT_REMEMBERED) return this.replace();
    // Case IV of the paper: the key is in none of the four lists.
    const incoming = incomingKey === NO_SLOT ? 0 : this.incomingCharge;
    if (this.t1Used + this.b1.used + incoming > this.capacity) {
      if (this.b1.length > 0) {
        this.b1.dropOldest();
        return this.replace();
      }
      // T1 alone fills the cache: its LRU end leaves without being remembered.
      if (this.t1.length > 0) return this.popT1();
      return this.replace();
    }
    if (this.t1Used + this.b1.used + this.t2Used + this.b2.used >= 2 * this.capacity && this.b2.length > 0) this.b2.dropOldest();
    return this.replace();
  }

  /** The paper's REPLACE: demote T1's or T2's LRU end into its history list. */
  private replace(): number {
    const t1Used = this.t1Used;
    const t1Preferred =
      (this.t1.length > 0 && (t1Used > this.t1Target || (t1Used === this.t1Target && this.rememberedIn === REMEMBERED_IN_B2))) ||
      this.t2.length === 0;
    if (t1Preferred) {
      const slot = this.popT1();
      this.b1.push(this.keyOfSlot[slot], this.sizeOfSlot[slot]);
      return slot;
    }
    const slot = this.t2.popTail();
    this.t2Used -= this.charge(slot);
    this.b2.push(this.keyOfSlot[slot], this.sizeOfSlot[slot]);
    return slot;
  }

  private popT1(): number {
    const slot = this.t1.popTail();
    this.t1Used -= this.charge(slot);
    return slot;
  }

  private pushT2(slot: number, charge: number): void {
    this.inT2[slot] = 1;
    this.t2.pushHead(slot);
    this.t2Used += charge;
  }

  protected detach(slot: number): void {
    if (this.inT2[slot] === 1) {
      this.t2.remove(slot);
      this.t2Used -= this.charge(slot);
    } else {
      this.t1.remove(slot);
      this.t1Used -= this.charge(slot);
    }
  }

  protected override onResize(slot: number, oldSize: number): void {
    const delta = this.sizeOfSlot[slot] - oldSize;
    if (this.inT2[slot] === 1) this.t2Used += delta;
    else this.t1Used += delta;
  }

  private charge(slot: number): number {
    return this.chargesBytes ? this.sizeOfSlot[slot] : 1;
  }

  protected growSlotColumns(slotCapacity: number): void {
    this.t1.grow(slotCapacity);
    this.t2.grow(slotCapacity);
    this.inT2 = grownUint8(this.inT2, slotCapacity);
  }

  protected checkPolicyInvariants(): void {
    this.t1.checkLinks('arc T1');
    this.t2.checkLinks('arc T2');
    if (this.t1.length + this.t2.length !== this.entries) {
      throw new Error(`arc: T1 ${this.t1.length} + T2 ${this.t2.length} != entries ${this.entries}`);
    }
    let t1Used = 0;
    for (let slot = this.t1.head; slot !== NO_SLOT; slot = this.t1.next[slot]) {
      if (this.inT2[slot] !== 0) throw new Error(`arc: slot ${slot} in T1 is marked T2`);
      t1Used += this.charge(slot);
    }
    if (t1Used !== this.t1Used) throw new Error(`arc: T1 occupancy ${this.t1Used}, recomputed ${t1Used}`);
    if (this.t1Used + this.t2Used !== this.used) throw new Error(`arc: T1 ${this.t1Used} + T2 ${this.t2Used} != occupancy ${this.used}`);
    if (this.t1Target < 0 || this.t1Target > this.capacity) throw new Error(`arc: target ${this.t1Target} outside [0, ${this.capacity}]`);
    this.b1.checkInvariants('arc B1');
    this.b2.checkInvariants('arc B2');
  }
}

/** max(other / hit, 1): the paper's δ; zero-sized ghosts (bytes, empty objects) step by 1 rather than divide by 0. */
function adaptationStep(otherListUsed: number, hitListUsed: number): number {
  return hitListUsed > 0 ? Math.max(otherListUsed / hitListUsed, 1) : 1;
}
