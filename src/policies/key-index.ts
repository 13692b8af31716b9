import { NO_SLOT } from './slot-list.js';

/**
 * Key id → slot of a small cache over a large keyspace (a node's local tier): an open-addressing table
 * (linear probing, backward-shift deletion) sized to the cache's entries. Its index stays in the CPU's
 * caches instead of spreading over megabytes as an Int32Array by key id would (SlotCache's usual index:
 * one load per lookup, 4 bytes per key id), which is what a two-tier, many-node simulation spends its
 * time on otherwise.
 */
const EMPTY = -1;

export class HashedKeyIndex {
  private readonly keys: Int32Array;
  private readonly slots: Int32Array;
  private readonly mask: number;
  private readonly shift: number;

  /** `maxEntries`: the most keys present at once (the table keeps its load at or below one half). */
  constructor(maxEntries: number) {
    let bits = 4;
    while (1 << bits < 2 * maxEntries) bits++;
    this.keys = new Int32Array(1 << bits).fill(EMPTY);
    this.slots = new Int32Array(1 << bits);
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
  }

  /** Fibonacci hashing: the top bits of key × 2³²/φ. */
  private home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }

  slotOf(key: number): number {
    const keys = this.keys;
    const mask = this.mask;
    for (let i = this.home(key); ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === key) return this.slots[i];
      if (k === EMPTY) return NO_SLOT;
    }
  }

  set(key: number, slot: number): void {
    const keys = this.keys;
    const mask = this.mask;
    let i = this.home(key);
    while (keys[i] !== EMPTY && keys[i] !== key) i = (i + 1) & mask;
    keys[i] = key;
    this.slots[i] = slot;
  }

  remove(key: number): void {
    const keys = this.keys;
    const slots = this.slots;
    const mask = this.mask;
    let i = this.home(key);
    while (keys[i] !== key) {
      if (keys[i] === EMPTY) return;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: pull later entries of the probe run into the hole, so no tombstones build up.
    for (let j = (i + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const home = this.home(keys[j]);
      // Entry j may move into hole i unless its home lies cyclically in (i, j].
      const homeBetween = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!homeBetween) {
        keys[i] = keys[j];
        slots[i] = slots[j];
        i = j;
      }
    }
    keys[i] = EMPTY;
  }
}

/** A small count-bounded cache over a keyspace this many times larger gets a hashed index. */
const HASHED_BELOW_KEYSPACE_SHARE = 16;

export function usesHashedIndex(capacityEntries: number, keySpaceHint: number): boolean {
  return Number.isFinite(capacityEntries) && (capacityEntries + 1) * HASHED_BELOW_KEYSPACE_SHARE < keySpaceHint;
}
