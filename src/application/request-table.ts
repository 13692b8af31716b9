import { grownFloat64, grownFreeList, grownInt32, grownUint8 } from '../collections/typed-array-growth.js';

/**
 * The application's requests in flight, as a struct of arrays indexed by slot, with a free list. A read
 * answered by a local tier completes at its arrival and never takes a slot; every other request holds
 * one until it completes (a shared-tier lookup, a query, a lock, a write's invalidation). A background
 * refresh and a write-behind flush hold one too.
 */

export const STATE_FREE = 0;
/** Waiting for a shared-tier answer (a lookup, a fill, a write's invalidation, a lock), or for the moment its lookups are done. */
export const STATE_LOOKUP = 1;
/** Its query is in the database (queued or executing). */
export const STATE_IN_DATABASE = 2;
/** A write whose cached copies are updated, waiting to be acknowledged. */
export const STATE_ACKING = 3;
/** A read sharing another read's fetch (coalesce), or waiting for a lock before it looks again. */
export const STATE_WAITING = 4;
/** A write-behind write waiting for room in its node's full queue. */
export const STATE_BLOCKED = 5;

/** Request flags. */
export const FLAG_BACKGROUND = 1;
export const FLAG_HOLDS_LOCK = 2;
export const FLAG_LEADER = 4;
/** A write-behind write the cache is taking (not yet written through to the database instead). */
export const FLAG_TAKEN_BY_CACHE = 8;

export class RequestTable {
  capacity = 0;
  arrival = new Float64Array(0);
  /** When its query went to the database. */
  submitted = new Float64Array(0);
  /** The time its answer can be taken at, at the earliest: its arrival plus the round trips so far (virtual clock). */
  readyAt = new Float64Array(0);
  key = new Int32Array(0);
  op = new Uint8Array(0);
  size = new Int32Array(0);
  ttl = new Float64Array(0);
  state = new Uint8Array(0);
  /** Read: the version it got (from a tier or its query). Write: the version it wrote. */
  version = new Int32Array(0);
  /** Read: when its version was superseded by an acknowledged write (+Infinity: not yet). */
  staleSince = new Float64Array(0);
  /** A shared-tier hit under refresh-ahead, stale-while-revalidate or xfetch: when the copy's TTL runs out, and how long its fetch took. */
  freshUntil = new Float64Array(0);
  fetchMs = new Float64Array(0);
  /** The node the request reached (a flush: its node). */
  node = new Int32Array(0);
  flags = new Uint8Array(0);
  /** A coalesce leader's waiters (a list through `chain`), or -1. */
  waiters = new Int32Array(0);
  /** Next in a list of waiters or blocked writes; -1: last. */
  chain = new Int32Array(0);
  /** The driver's tag for the request, handed back when it completes. */
  tag = new Int32Array(0);
  private freeSlots = new Int32Array(0);
  private freeCount = 0;

  constructor(initialCapacity = 1024) {
    this.grow(initialCapacity);
  }

  allocate(arrival: number, key: number, op: number, size: number, ttl: number): number {
    if (this.freeCount === 0) this.grow(this.capacity * 2);
    const slot = this.freeSlots[--this.freeCount];
    this.arrival[slot] = arrival;
    this.readyAt[slot] = arrival;
    this.key[slot] = key;
    this.op[slot] = op;
    this.size[slot] = size;
    this.ttl[slot] = ttl;
    this.staleSince[slot] = Number.POSITIVE_INFINITY;
    this.flags[slot] = 0;
    this.node[slot] = 0;
    return slot;
  }

  release(slot: number): void {
    this.state[slot] = STATE_FREE;
    this.freeSlots[this.freeCount++] = slot;
  }

  private grow(capacity: number): void {
    const old = this.capacity;
    this.arrival = grownFloat64(this.arrival, capacity);
    this.submitted = grownFloat64(this.submitted, capacity);
    this.readyAt = grownFloat64(this.readyAt, capacity);
    this.key = grownInt32(this.key, capacity);
    this.op = grownUint8(this.op, capacity);
    this.size = grownInt32(this.size, capacity);
    this.ttl = grownFloat64(this.ttl, capacity);
    this.state = grownUint8(this.state, capacity);
    this.version = grownInt32(this.version, capacity);
    this.staleSince = grownFloat64(this.staleSince, capacity);
    this.freshUntil = grownFloat64(this.freshUntil, capacity);
    this.fetchMs = grownFloat64(this.fetchMs, capacity);
    this.node = grownInt32(this.node, capacity);
    this.flags = grownUint8(this.flags, capacity);
    this.waiters = grownInt32(this.waiters, capacity);
    this.chain = grownInt32(this.chain, capacity);
    this.tag = grownInt32(this.tag, capacity);
    this.freeSlots = grownFreeList(this.freeSlots, this.freeCount, old, capacity);
    this.freeCount += capacity - old;
    this.capacity = capacity;
  }
}
