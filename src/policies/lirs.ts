import { grownUint8 } from '../collections/typed-array-growth.js';
import type { PolicyOptions } from './eviction-policy.js';
import { LirsStack } from './lirs-stack.js';
import { SlotCache } from './slot-cache.js';
import { NO_SLOT, SlotList } from './slot-list.js';

/** Share of the capacity kept for resident HIR entries (the paper's Lhirs; libCacheSim's `hirs_ratio`). */
const HIR_SHARE = 0.01;
/** Non-resident HIR entries S may keep, as a multiple of the capacity (Caffeine's `non-resident-multiplier`). */
const NON_RESIDENT_MULTIPLIER = 2;

/** Per-slot status: a resident entry is LIR or (resident) HIR. */
const HIR = 0;
const LIR = 1;

/**
 * Low Inter-reference Recency Set: entries whose last two accesses were close together (LIR) keep 99% of
 * the cache and are never evicted while LIR; the other 1% holds resident HIR entries in a FIFO queue Q,
 * from whose front every eviction comes. Stack S orders LIR entries, resident HIR entries and recently
 * evicted (non-resident) HIR entries by recency; a HIR entry accessed while still in S has a lower
 * inter-reference recency than the LIR entry at S's bottom, so it becomes LIR and that entry is demoted
 * to Q. Stack pruning keeps an LIR entry at S's bottom.
 * Source: Jiang & Zhang, "LIRS: An Efficient Low Inter-reference Recency Set Replacement Policy to Improve
 * Buffer Cache Performance", SIGMETRICS 2002 (section 3.3, Fig. 2); Caffeine's simulator `LirsPolicy`.
 *
 * Choices the paper leaves open:
 * - shares: HIR = max(1, floor(1% × capacity)), LIR = the rest, in the capacity's unit (libCacheSim's
 *   `hirs_limit`/`lirs_limit`); with capacity 1 the LIR share is 0 and every entry is HIR;
 * - a new key (or one no longer in S) becomes LIR while it fits the LIR share, otherwise resident HIR at
 *   the top of S and Q; a key in S becomes LIR on access when it fits the LIR share by itself, and LIR
 *   entries are demoted from S's bottom to Q until the LIR share holds (one in a count-based cache once it
 *   is full, none while it is not, e.g. after deletes);
 * - non-resident entries: at most 2 × capacity of them (by count, or by the bytes they held), the oldest
 *   evicted dropped from S first (as Caffeine; libCacheSim bounds S's bytes at 2 × capacity);
 * - bytes: LIR entries are charged against the LIR share; Q holds whatever the LIR entries leave, so it may
 *   exceed 1% while the LIR share is not full. Any object that fits the whole cache is admitted (libCacheSim
 *   admits only objects no larger than the HIR share, 1%). When Q is empty and an incoming object still
 *   needs room, the LIR entry at S's bottom leaves the cache (unreachable when counting entries);
 * - an entry evicted from Q's front while expired is counted as an expiration but still remembered
 *   non-resident; entries deleted or found expired leave S without a trace.
 */
export class LirsPolicy extends SlotCache {
  readonly name = 'lirs';
  /** The paper's Llirs, in the capacity's unit. */
  readonly lirCapacity: number;
  /** The paper's Lhirs: what Q holds once the LIR share is full. */
  readonly hirCapacity: number;
  private readonly stack: LirsStack;
  /** Resident HIR entries; new ones at the head, evictions from the tail (the paper's "front"). */
  private readonly queue = new SlotList(this.slotCapacity);
  private statusOfSlot = new Uint8Array(this.slotCapacity);
  private lirUsed = 0;
  private hirUsed = 0;

  constructor(options: PolicyOptions) {
    super(options);
    const capacity = this.capacity;
    if (!Number.isFinite(capacity)) {
      // Nothing is ever evicted: every key is LIR and nothing is non-resident.
      this.hirCapacity = 0;
      this.lirCapacity = capacity;
      this.stack = new LirsStack(0, options.keySpaceHint, 1 << 12);
      return;
    }
    this.hirCapacity = Math.max(1, Math.floor(capacity * HIR_SHARE));
    this.lirCapacity = capacity - this.hirCapacity;
    const nonResidentCapacity = capacity * NON_RESIDENT_MULTIPLIER;
    // Counting entries, S never holds more than the resident entries plus the non-resident bound.
    const nodeBound = this.chargesBytes ? 1 << 12 : Math.ceil(capacity + nonResidentCapacity) + 2;
    this.stack = new LirsStack(nonResidentCapacity, options.keySpaceHint, Math.min(nodeBound, Math.max(16, options.keySpaceHint) + 1));
  }

  protected override beforeAdmit(key: number): void {
    // A non-resident key in S is being accessed: to S's top now, so the evictions this admission makes
    // (and the bound on non-resident entries they may enforce) cannot drop it.
    if (this.stack.has(key)) {
      this.stack.markResident(key);
      this.stack.moveToTop(key);
    }
  }

  protected onHit(slot: number): void {
    const key = this.keyOfSlot[slot];
    const stack = this.stack;
    if (this.statusOfSlot[slot] === LIR) {
      const wasBottom = stack.bottomKey() === key;
      stack.moveToTop(key);
      if (wasBottom) this.prune();
      return;
    }
    const charge = this.charge(slot);
    if (stack.has(key)) {
      stack.moveToTop(key);
      if (charge <= this.lirCapacity) {
        // Its recency is below the bottom LIR entry's: it becomes LIR, and the LIR set yields its oldest.
        this.queue.remove(slot);
        this.hirUsed -= charge;
        this.statusOfSlot[slot] = LIR;
        this.lirUsed += charge;
        while (this.lirUsed > this.lirCapacity) this.demoteBottom();
        return;
      }
    } else {
      stack.pushTop(key);
    }
    // Stays HIR: to the end of Q.
    this.queue.moveToHead(slot);
    this.prune();
  }

  protected onInsert(slot: number): void {
    const key = this.keyOfSlot[slot];
    const charge = this.charge(slot);
    const stack = this.stack;
    if (stack.has(key)) {
      // Non-resident in S (already on top): a miss, but its recency makes it LIR.
      if (charge <= this.lirCapacity) {
        this.statusOfSlot[slot] = LIR;
        this.lirUsed += charge;
        while (this.lirUsed > this.lirCapacity) this.demoteBottom();
        return;
      }
      this.pushQueue(slot, charge);
      return;
    }
    if (this.lirUsed + charge <= this.lirCapacity) {
      // The LIR set is not full yet: every new key is LIR until it is.
      this.statusOfSlot[slot] = LIR;
      this.lirUsed += charge;
      stack.pushTop(key);
      return;
    }
    this.pushQueue(slot, charge);
    stack.pushTop(key);
    this.prune(); // S without an LIR entry stays empty
  }

  protected selectVictim(): number {
    const queue = this.queue;
    if (queue.length > 0) {
      const slot = queue.popTail();
      const charge = this.charge(slot);
      this.hirUsed -= charge;
      const key = this.keyOfSlot[slot];
      if (this.stack.has(key)) this.stack.markNonResident(key, charge);
      return slot;
    }
    // Bytes only: an incoming object needs more room than the LIR entries leave, so the oldest LIR goes.
    const key = this.stack.bottomKey();
    const slot = this.slotOf(key);
    this.stack.remove(key);
    this.lirUsed -= this.charge(slot);
    this.prune();
    return slot;
  }

  protected detach(slot: number): void {
    const key = this.keyOfSlot[slot];
    const charge = this.charge(slot);
    if (this.statusOfSlot[slot] === LIR) {
      this.lirUsed -= charge;
      this.stack.remove(key);
      this.prune();
      return;
    }
    this.queue.remove(slot);
    this.hirUsed -= charge;
    if (this.stack.has(key)) this.stack.remove(key);
  }

  protected override onResize(slot: number, oldSize: number): void {
    const delta = this.sizeOfSlot[slot] - oldSize;
    if (this.statusOfSlot[slot] === HIR) {
      this.hirUsed += delta;
      return;
    }
    this.lirUsed += delta;
    while (this.lirUsed > this.lirCapacity) this.demoteBottom();
  }

  /** The LIR entry at S's bottom becomes resident HIR at the end of Q; then S is pruned. */
  private demoteBottom(): void {
    const key = this.stack.bottomKey();
    const slot = this.slotOf(key);
    const charge = this.charge(slot);
    this.stack.remove(key);
    this.lirUsed -= charge;
    this.pushQueue(slot, charge);
    this.prune();
  }

  /** Stack pruning: HIR entries (resident or not) leave S's bottom until an LIR entry is there. */
  private prune(): void {
    const stack = this.stack;
    for (;;) {
      const key = stack.bottomKey();
      if (key === NO_SLOT) return;
      const slot = this.slotOf(key);
      if (slot !== NO_SLOT && this.statusOfSlot[slot] === LIR) return;
      stack.remove(key);
    }
  }

  private pushQueue(slot: number, charge: number): void {
    this.statusOfSlot[slot] = HIR;
    this.queue.pushHead(slot);
    this.hirUsed += charge;
  }

  private charge(slot: number): number {
    return this.chargesBytes ? this.sizeOfSlot[slot] : 1;
  }

  /**
   * S from top to bottom (each key with its state) and Q from its newest entry to its front, for tests.
   * Allocates; not for the request path.
   */
  describe(): { stack: Array<[key: number, state: 'lir' | 'hir' | 'non-resident']>; queue: number[] } {
    const stack = this.stack.keysFromTop().map((key): [number, 'lir' | 'hir' | 'non-resident'] => {
      const slot = this.slotOf(key);
      if (slot === NO_SLOT) return [key, 'non-resident'];
      return [key, this.statusOfSlot[slot] === LIR ? 'lir' : 'hir'];
    });
    const queue: number[] = [];
    for (let slot = this.queue.head; slot !== NO_SLOT; slot = this.queue.next[slot]) queue.push(this.keyOfSlot[slot]);
    return { stack, queue };
  }

  protected growSlotColumns(slotCapacity: number): void {
    this.queue.grow(slotCapacity);
    this.statusOfSlot = grownUint8(this.statusOfSlot, slotCapacity);
  }

  protected checkPolicyInvariants(): void {
    this.queue.checkLinks('lirs Q');
    this.stack.checkInvariants('lirs');
    let lirCount = 0;
    let lirUsed = 0;
    let hirUsed = 0;
    for (let slot = 0; slot < this.slotsHandedOut; slot++) {
      const key = this.keyOfSlot[slot];
      if (key === NO_SLOT) continue;
      if (this.stack.isNonResidentKey(key)) throw new Error(`lirs: resident key ${key} is marked non-resident in S`);
      if (this.statusOfSlot[slot] === LIR) {
        lirCount++;
        lirUsed += this.charge(slot);
        if (!this.stack.has(key)) throw new Error(`lirs: LIR key ${key} is not in S`);
      } else {
        hirUsed += this.charge(slot);
      }
    }
    if (lirCount + this.queue.length !== this.entries) {
      throw new Error(`lirs: ${lirCount} LIR + Q ${this.queue.length} != entries ${this.entries}`);
    }
    for (let slot = this.queue.head; slot !== NO_SLOT; slot = this.queue.next[slot]) {
      if (this.statusOfSlot[slot] !== HIR) throw new Error(`lirs: slot ${slot} in Q is marked LIR`);
    }
    if (lirUsed !== this.lirUsed) throw new Error(`lirs: LIR occupancy ${this.lirUsed}, recomputed ${lirUsed}`);
    if (hirUsed !== this.hirUsed) throw new Error(`lirs: Q occupancy ${this.hirUsed}, recomputed ${hirUsed}`);
    if (lirUsed + hirUsed !== this.used) throw new Error(`lirs: LIR ${lirUsed} + Q ${hirUsed} != occupancy ${this.used}`);
    if (lirUsed > this.lirCapacity) throw new Error(`lirs: LIR occupancy ${lirUsed} exceeds its share ${this.lirCapacity}`);
    const bottom = this.stack.bottomKey();
    if (bottom !== NO_SLOT) {
      const slot = this.slotOf(bottom);
      if (slot === NO_SLOT || this.statusOfSlot[slot] !== LIR) throw new Error(`lirs: S's bottom ${bottom} is not an LIR entry`);
    }
  }
}
