/**
 * A doubly linked list of slots held in two Int32Arrays, so moving an entry costs a few integer writes
 * and no allocation. Slot numbers come from a `SlotCache` (or a `GhostQueue`); -1 is the null link.
 *
 * Orientation follows libCacheSim: new entries go to the head, eviction takes the tail; `prev` points
 * towards the head, `next` towards the tail.
 */
export const NO_SLOT = -1;

export class SlotList {
  prev: Int32Array;
  next: Int32Array;
  head = NO_SLOT;
  tail = NO_SLOT;
  length = 0;

  constructor(slotCapacity: number) {
    this.prev = new Int32Array(slotCapacity);
    this.next = new Int32Array(slotCapacity);
  }

  /** Makes room for slot numbers below `slotCapacity` (called when the owner's slot table grows). */
  grow(slotCapacity: number): void {
    if (slotCapacity <= this.prev.length) return;
    const prev = new Int32Array(slotCapacity);
    const next = new Int32Array(slotCapacity);
    prev.set(this.prev);
    next.set(this.next);
    this.prev = prev;
    this.next = next;
  }

  pushHead(slot: number): void {
    const head = this.head;
    this.prev[slot] = NO_SLOT;
    this.next[slot] = head;
    if (head === NO_SLOT) this.tail = slot;
    else this.prev[head] = slot;
    this.head = slot;
    this.length++;
  }

  remove(slot: number): void {
    const before = this.prev[slot];
    const after = this.next[slot];
    if (before === NO_SLOT) this.head = after;
    else this.next[before] = after;
    if (after === NO_SLOT) this.tail = before;
    else this.prev[after] = before;
    this.length--;
  }

  moveToHead(slot: number): void {
    if (slot === this.head) return;
    // slot is not the head, so it has a predecessor: unlink without the head checks.
    const before = this.prev[slot];
    const after = this.next[slot];
    this.next[before] = after;
    if (after === NO_SLOT) this.tail = before;
    else this.prev[after] = before;
    const head = this.head;
    this.prev[slot] = NO_SLOT;
    this.next[slot] = head;
    this.prev[head] = slot;
    this.head = slot;
  }

  /** Removes and returns the tail; the list must not be empty. */
  popTail(): number {
    const slot = this.tail;
    this.remove(slot);
    return slot;
  }

  /** Walks the list both ways and throws if its links or its length disagree. */
  checkLinks(label: string): void {
    let count = 0;
    let previous = NO_SLOT;
    for (let slot = this.head; slot !== NO_SLOT; slot = this.next[slot]) {
      if (this.prev[slot] !== previous) throw new Error(`${label}: slot ${slot} has prev ${this.prev[slot]}, expected ${previous}`);
      previous = slot;
      if (++count > this.length) throw new Error(`${label}: list longer than its length ${this.length} (cycle?)`);
    }
    if (previous !== this.tail) throw new Error(`${label}: tail is ${this.tail}, walk ended at ${previous}`);
    if (count !== this.length) throw new Error(`${label}: walked ${count} slots, length says ${this.length}`);
  }
}
