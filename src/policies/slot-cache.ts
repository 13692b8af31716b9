import { InputError } from '../errors.js';
import type { CapacityUnit, EvictionPolicy, PolicyOptions } from './eviction-policy.js';
import { doubledLength, grownFloat64, grownInt32 } from '../collections/typed-array-growth.js';
import { HashedKeyIndex, usesHashedIndex } from './key-index.js';
import { NO_SLOT } from './slot-list.js';

/**
 * The skeleton every built-in policy shares, after libCacheSim's `cache_get_base`:
 * find → (hit: policy's `onHit`) | (miss: admit → evict until it fits → insert).
 *
 * Entries live in integer slots; per-slot columns are typed arrays that double when full, and a key index
 * maps a key to its slot (-1 when absent): an Int32Array by key id, or for a small cache over a large
 * keyspace a hash table sized to the cache (key-index.ts).
 * A policy supplies only its ordering: what a hit does, where an insert goes, which slot leaves next.
 * Nothing here allocates per request once the arrays have reached their working size.
 */
export abstract class SlotCache implements EvictionPolicy {
  abstract readonly name: string;
  /** Entries or bytes, per `unit`; Infinity when unbounded. */
  readonly capacity: number;
  readonly unit: CapacityUnit;
  /** True when capacity counts bytes, so an entry is charged its size rather than 1. */
  protected readonly chargesBytes: boolean;

  private entryCount = 0;
  private byteCount = 0;
  /** Occupancy in the capacity's unit: entryCount or byteCount. */
  protected used = 0;
  private evictionCount = 0;
  private expirationCount = 0;

  /** Key id → slot, by key id (the usual case: one load per lookup); null when `hashed` serves instead. */
  private slotOfKey: Int32Array | null;
  /** For a small count-bounded cache over a large keyspace: a hash table sized to the cache. */
  private readonly hashed: HashedKeyIndex | null;
  protected keyOfSlot: Int32Array;
  protected sizeOfSlot: Float64Array;
  protected expiresAtOfSlot: Float64Array;
  /** Released slots, reused before fresh ones so slot numbers stay dense. */
  private freeSlots: Int32Array;
  private freeSlotCount = 0;
  /** Slots [0, slotHighWater) have been handed out at least once. */
  private slotHighWater = 0;

  constructor(options: PolicyOptions, unbounded = false) {
    const { capacity, unit } = options;
    if (!unbounded && !(capacity > 0)) {
      throw new InputError(`cache capacity must be a positive number of ${unit} (or Infinity), got ${capacity}`);
    }
    this.capacity = unbounded ? Number.POSITIVE_INFINITY : capacity;
    this.unit = unit;
    this.chargesBytes = unit === 'bytes';

    const keySpace = Math.max(16, Math.floor(options.keySpaceHint) || 0);
    const entryBound = !this.chargesBytes && !unbounded ? this.capacity : Number.POSITIVE_INFINITY;
    this.hashed = usesHashedIndex(entryBound, keySpace) ? new HashedKeyIndex(Math.ceil(entryBound) + 1) : null;
    this.slotOfKey = this.hashed === null ? new Int32Array(keySpace).fill(NO_SLOT) : null;
    // A count-bounded cache never needs more than capacity + 1 slots; otherwise start modest and double.
    const bound = !this.chargesBytes && Number.isFinite(this.capacity) ? Math.ceil(this.capacity) + 1 : 1 << 16;
    const slots = Math.max(16, Math.min(bound, keySpace + 1, 1 << 24));
    this.keyOfSlot = new Int32Array(slots).fill(NO_SLOT);
    this.sizeOfSlot = new Float64Array(slots);
    this.expiresAtOfSlot = new Float64Array(slots);
    this.freeSlots = new Int32Array(slots);
  }

  // ---- what each policy supplies -------------------------------------------------------------------

  /** A lookup at `now` found `slot` present and unexpired. */
  protected abstract onHit(slot: number, now: number): void;
  /** `slot` was just filled at `now` (key, size, expiry set); link it into the policy's order. */
  protected abstract onInsert(slot: number, now: number): void;
  /**
   * Picks the next slot to leave, unlinks it from the policy's order and returns it; the skeleton then
   * counts it (eviction, or expiration when already expired) and frees it. `incomingKey` is the key being
   * admitted, or -1 when room is made for an update that grew an entry; `now` is the request's time
   * (policies that rank by idle time read their clock from it).
   */
  protected abstract selectVictim(incomingKey: number, now: number): number;
  /** Unlinks `slot` from the policy's order (delete or lazy expiry). */
  protected abstract detach(slot: number): void;
  /** Grows the policy's own per-slot columns to `slotCapacity`. */
  protected abstract growSlotColumns(slotCapacity: number): void;
  /** Whether an absent key of this charge may enter at all; by default, whatever fits in the whole cache. */
  protected admits(_key: number, charge: number): boolean {
    return charge <= this.capacity;
  }
  /**
   * Called once per admission of an absent key of this charge, after `admits` and before any eviction
   * (ghost lookups; policies whose victim depends on the incoming charge remember it here).
   */
  protected beforeAdmit(_key: number, _charge: number): void {}
  /**
   * Whether the skeleton must evict before inserting an object of this charge. By default, while the whole
   * cache would overflow; a policy that also keeps a segment within its share (2Q's Am) widens it.
   */
  protected needsRoom(charge: number): boolean {
    return this.used + charge > this.capacity;
  }
  /** An update changed the size of a resident slot (policies that track per-queue occupancy adjust it). */
  protected onResize(_slot: number, _oldSize: number): void {}
  /** Throws if the policy's own structures disagree with `entries`. */
  protected abstract checkPolicyInvariants(): void;

  // ---- EvictionPolicy --------------------------------------------------------------------------------

  get entries(): number {
    return this.entryCount;
  }
  get bytes(): number {
    return this.byteCount;
  }
  get evictions(): number {
    return this.evictionCount;
  }
  get expirations(): number {
    return this.expirationCount;
  }

  get(key: number, now: number): boolean {
    const slot = this.slotOf(key);
    if (slot === NO_SLOT) return false;
    if (now >= this.expiresAtOfSlot[slot]) {
      this.expire(slot);
      return false;
    }
    this.onHit(slot, now);
    return true;
  }

  lookup(key: number, now: number): number {
    const slot = this.slotOf(key);
    if (slot === NO_SLOT) return NO_SLOT;
    if (now >= this.expiresAtOfSlot[slot]) {
      this.expire(slot);
      return NO_SLOT;
    }
    this.onHit(slot, now);
    return slot;
  }

  has(key: number, now: number): boolean {
    const slot = this.slotOf(key);
    return slot !== NO_SLOT && now < this.expiresAtOfSlot[slot];
  }

  set(key: number, size: number, expiresAt: number, now: number): boolean {
    const present = this.slotOf(key);
    if (present !== NO_SLOT) {
      if (now < this.expiresAtOfSlot[present]) return this.update(key, present, size, expiresAt, now);
      // The old copy died before this write: account for it, then admit the new one afresh.
      this.expire(present);
    }
    const charge = this.chargesBytes ? size : 1;
    if (!this.admits(key, charge)) return false;
    this.beforeAdmit(key, charge);
    while (this.needsRoom(charge)) this.evictOne(key, now);

    const slot = this.allocateSlot(key);
    this.sizeOfSlot[slot] = size;
    this.expiresAtOfSlot[slot] = expiresAt;
    this.entryCount++;
    this.byteCount += size;
    this.used += charge;
    this.onInsert(slot, now);
    return true;
  }

  delete(key: number): boolean {
    const slot = this.slotOf(key);
    if (slot === NO_SLOT) return false;
    this.detach(slot);
    this.release(slot);
    return true;
  }

  checkInvariants(): void {
    if (this.used > this.capacity) throw new Error(`${this.name}: occupancy ${this.used} exceeds capacity ${this.capacity} ${this.unit}`);
    let entries = 0;
    let bytes = 0;
    for (let slot = 0; slot < this.slotHighWater; slot++) {
      const key = this.keyOfSlot[slot];
      if (key === NO_SLOT) continue;
      entries++;
      bytes += this.sizeOfSlot[slot];
      if (this.slotOf(key) !== slot) throw new Error(`${this.name}: slot ${slot} holds key ${key}, but the key index says ${this.slotOf(key)}`);
    }
    if (entries !== this.entryCount) throw new Error(`${this.name}: ${entries} occupied slots, entries says ${this.entryCount}`);
    if (bytes !== this.byteCount) throw new Error(`${this.name}: recomputed bytes ${bytes}, tracked ${this.byteCount}`);
    const used = this.chargesBytes ? bytes : entries;
    if (used !== this.used) throw new Error(`${this.name}: recomputed occupancy ${used}, tracked ${this.used}`);
    if (entries + this.freeSlotCount !== this.slotHighWater) {
      throw new Error(`${this.name}: ${entries} entries + ${this.freeSlotCount} free slots != ${this.slotHighWater} slots handed out`);
    }
    this.checkPolicyInvariants();
  }

  // ---- shared machinery ------------------------------------------------------------------------------

  /** The slot holding `key` (expired or not), or -1. A slot stays the entry's until it leaves the cache. */
  slotOf(key: number): number {
    const dense = this.slotOfKey;
    if (dense !== null) return key < dense.length ? dense[key] : NO_SLOT;
    return this.hashed!.slotOf(key);
  }

  /** Current length of the slot columns; a policy sizes its own columns with it at construction. */
  protected get slotCapacity(): number {
    return this.keyOfSlot.length;
  }

  /** Slots handed out so far; policies iterate [0, slotsHandedOut) in their invariant checks. */
  protected get slotsHandedOut(): number {
    return this.slotHighWater;
  }

  /** A present, unexpired key was written: new size and expiry in place, not an access. */
  private update(key: number, slot: number, size: number, expiresAt: number, now: number): boolean {
    const oldSize = this.sizeOfSlot[slot];
    this.sizeOfSlot[slot] = size;
    this.expiresAtOfSlot[slot] = expiresAt;
    this.byteCount += size - oldSize;
    if (!this.chargesBytes) return true;
    this.used += size - oldSize;
    this.onResize(slot, oldSize);
    if (size > this.capacity) {
      // It can no longer fit at all: it leaves, as an eviction would have removed it.
      this.detach(slot);
      this.evictionCount++;
      this.release(slot);
      return false;
    }
    // The grown entry may itself be the policy's choice; then it is evicted like any other.
    while (this.used > this.capacity) this.evictOne(-1, now);
    return this.slotOf(key) === slot;
  }

  private evictOne(incomingKey: number, now: number): void {
    const victim = this.selectVictim(incomingKey, now);
    if (now >= this.expiresAtOfSlot[victim]) this.expirationCount++;
    else this.evictionCount++;
    this.release(victim);
  }

  private expire(slot: number): void {
    this.detach(slot);
    this.expirationCount++;
    this.release(slot);
  }

  private release(slot: number): void {
    const size = this.sizeOfSlot[slot];
    if (this.slotOfKey !== null) this.slotOfKey[this.keyOfSlot[slot]] = NO_SLOT;
    else this.hashed!.remove(this.keyOfSlot[slot]);
    this.keyOfSlot[slot] = NO_SLOT;
    this.entryCount--;
    this.byteCount -= size;
    this.used -= this.chargesBytes ? size : 1;
    this.freeSlots[this.freeSlotCount++] = slot;
  }

  private allocateSlot(key: number): number {
    let slot: number;
    if (this.freeSlotCount > 0) {
      slot = this.freeSlots[--this.freeSlotCount];
    } else {
      slot = this.slotHighWater++;
      if (slot >= this.keyOfSlot.length) this.growSlots(this.keyOfSlot.length * 2);
    }
    this.keyOfSlot[slot] = key;
    const dense = this.slotOfKey;
    if (dense === null) this.hashed!.set(key, slot);
    else if (key < dense.length) dense[key] = slot;
    else {
      this.slotOfKey = grownInt32(dense, doubledLength(dense.length, key + 1), NO_SLOT);
      this.slotOfKey[key] = slot;
    }
    return slot;
  }

  private growSlots(slotCapacity: number): void {
    this.keyOfSlot = grownInt32(this.keyOfSlot, slotCapacity, NO_SLOT);
    this.sizeOfSlot = grownFloat64(this.sizeOfSlot, slotCapacity);
    this.expiresAtOfSlot = grownFloat64(this.expiresAtOfSlot, slotCapacity);
    this.freeSlots = grownInt32(this.freeSlots, slotCapacity);
    this.growSlotColumns(slotCapacity);
  }
}
