import { grownInt32 } from '../collections/typed-array-growth.js';

/**
 * The resident slots packed densely in a typed array, so a uniform index is a uniform entry (Random's
 * victim, Redis's samples); a slot leaves by swapping the last one into its place, in O(1).
 */
export class ResidentSlots {
  private slots: Int32Array<ArrayBuffer>;
  private positionOfSlot: Int32Array<ArrayBuffer>;
  count = 0;

  constructor(slotCapacity: number) {
    this.slots = new Int32Array(slotCapacity);
    this.positionOfSlot = new Int32Array(slotCapacity);
  }

  add(slot: number): void {
    this.positionOfSlot[slot] = this.count;
    this.slots[this.count++] = slot;
  }

  remove(slot: number): void {
    const position = this.positionOfSlot[slot];
    const last = this.slots[--this.count];
    this.slots[position] = last;
    this.positionOfSlot[last] = position;
  }

  /** The slot at `position`, 0 ≤ position < count. */
  at(position: number): number {
    return this.slots[position];
  }

  /** Exchanges two positions (a step of a partial Fisher–Yates shuffle). */
  swap(i: number, j: number): void {
    const a = this.slots[i];
    const b = this.slots[j];
    this.slots[i] = b;
    this.slots[j] = a;
    this.positionOfSlot[b] = i;
    this.positionOfSlot[a] = j;
  }

  grow(slotCapacity: number): void {
    this.slots = grownInt32(this.slots, slotCapacity);
    this.positionOfSlot = grownInt32(this.positionOfSlot, slotCapacity);
  }

  /** Throws unless the set holds `entries` slots, each recording its own position. */
  check(label: string, entries: number): void {
    if (this.count !== entries) throw new Error(`${label}: ${this.count} resident, entries ${entries}`);
    for (let position = 0; position < this.count; position++) {
      const slot = this.slots[position];
      if (this.positionOfSlot[slot] !== position) {
        throw new Error(`${label}: slot ${slot} at position ${position} records ${this.positionOfSlot[slot]}`);
      }
    }
  }
}
