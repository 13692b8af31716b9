import { doubledLength, grownFloat64, grownInt32 } from '../collections/typed-array-growth.js';
import { NO_SLOT, SlotList } from './slot-list.js';

/**
 * A FIFO of recently evicted keys without their values (a "ghost" or history queue), bounded in entries
 * or bytes like the cache it shadows. S3-FIFO, 2Q and ARC consult it to recognise a key that comes back
 * soon after eviction. Same layout as the cache itself: slots, a key-id index, a typed-array list.
 */
export class GhostQueue {
  private readonly order: SlotList;
  private slotOfKey: Int32Array;
  private keyOfSlot: Int32Array;
  private sizeOfSlot: Float64Array;
  private freeSlots: Int32Array;
  private freeSlotCount = 0;
  private slotHighWater = 0;
  /** Occupancy in the capacity's unit. */
  used = 0;

  constructor(
    /** Entries or bytes, like the shadowed cache; 0 disables the queue; Infinity never forgets on its own. */
    readonly capacity: number,
    private readonly chargesBytes: boolean,
    keySpaceHint: number,
  ) {
    // Bounded in entries: never more slots than entries fit. In bytes, or unbounded (ARC's history lists,
    // which the algorithm itself keeps near the cache's size): start modest and double.
    const bound = !chargesBytes && Number.isFinite(capacity) ? Math.ceil(capacity) + 1 : 1 << 12;
    const slots = Math.max(16, Math.min(bound, 1 << 24));
    this.order = new SlotList(slots);
    this.slotOfKey = new Int32Array(Math.max(16, keySpaceHint)).fill(NO_SLOT);
    this.keyOfSlot = new Int32Array(slots);
    this.sizeOfSlot = new Float64Array(slots);
    this.freeSlots = new Int32Array(slots);
  }

  get length(): number {
    return this.order.length;
  }

  has(key: number): boolean {
    return key < this.slotOfKey.length && this.slotOfKey[key] !== NO_SLOT;
  }

  /** Removes the key if it is remembered; true when it was. */
  remove(key: number): boolean {
    if (!this.has(key)) return false;
    const slot = this.slotOfKey[key];
    this.order.remove(slot);
    this.release(slot);
    return true;
  }

  /** Remembers a key at the head, forgetting the oldest ones until it fits; too large a key is not kept. */
  push(key: number, size: number): void {
    const charge = this.chargesBytes ? size : 1;
    if (charge > this.capacity) return;
    this.remove(key);
    while (this.used + charge > this.capacity) this.release(this.order.popTail());
    if (key >= this.slotOfKey.length) this.slotOfKey = grownInt32(this.slotOfKey, doubledLength(this.slotOfKey.length, key + 1), NO_SLOT);
    let slot: number;
    if (this.freeSlotCount > 0) {
      slot = this.freeSlots[--this.freeSlotCount];
    } else {
      slot = this.slotHighWater++;
      if (slot >= this.keyOfSlot.length) this.growSlots(this.keyOfSlot.length * 2);
    }
    this.keyOfSlot[slot] = key;
    this.sizeOfSlot[slot] = size;
    this.slotOfKey[key] = slot;
    this.used += charge;
    this.order.pushHead(slot);
  }

  /** Forgets the oldest key (ARC trims its history lists one entry at a time). */
  dropOldest(): void {
    if (this.order.length > 0) this.release(this.order.popTail());
  }

  checkInvariants(label: string): void {
    this.order.checkLinks(label);
    let used = 0;
    for (let slot = this.order.head; slot !== NO_SLOT; slot = this.order.next[slot]) {
      used += this.chargesBytes ? this.sizeOfSlot[slot] : 1;
      if (this.slotOfKey[this.keyOfSlot[slot]] !== slot) throw new Error(`${label}: ghost slot ${slot} not indexed by its key`);
    }
    if (used !== this.used) throw new Error(`${label}: ghost occupancy ${this.used}, recomputed ${used}`);
    if (used > this.capacity) throw new Error(`${label}: ghost occupancy ${used} exceeds ${this.capacity}`);
  }

  private release(slot: number): void {
    this.slotOfKey[this.keyOfSlot[slot]] = NO_SLOT;
    this.used -= this.chargesBytes ? this.sizeOfSlot[slot] : 1;
    this.freeSlots[this.freeSlotCount++] = slot;
  }

  private growSlots(slotCapacity: number): void {
    this.order.grow(slotCapacity);
    this.keyOfSlot = grownInt32(this.keyOfSlot, slotCapacity);
    this.sizeOfSlot = grownFloat64(this.sizeOfSlot, slotCapacity);
    this.freeSlots = grownInt32(this.freeSlots, slotCapacity);
  }
}
