import { grownFloat64, grownInt32, grownUint8 } from '../collections/typed-array-growth.js';

/**
 * Requests in flight in the timed simulation, as a struct of arrays indexed by slot, with a free list.
 * Hits complete at their arrival and never take a slot; misses and writes hold one until they finish.
 */

export const STATE_FREE = 0;
/** A read that missed, waiting out the cache lookup before it queries the database. */
export const STATE_LOOKUP = 1;
/** Waiting in the connection pool's queue. */
export const STATE_QUEUED = 2;
/** Holding a connection. */
export const STATE_EXECUTING = 3;
/** A write committed, waiting for its cache invalidation before it is acknowledged. */
export const STATE_ACKING = 4;
/** Timed out while queued: skipped (and freed) when the pool reaches it. */
export const STATE_CANCELLED = 5;
/** Timed out while executing: the database finishes the query, nobody uses the result. */
export const STATE_ABANDONED = 6;
/** Finished before its deadline; freed when its timeout event fires. */
export const STATE_AWAITING_TIMEOUT = 7;
/** A read sharing another read's fetch (coalesce), or waiting for a lock before it looks again. */
export const STATE_WAITING = 8;
/** A write-behind write waiting for room in its node's full queue. */
export const STATE_BLOCKED = 9;
/** A pub/sub message on its way to a node. */
export const STATE_IN_TRANSIT = 10;

/** Request flags. */
export const FLAG_BACKGROUND = 1;
export const FLAG_HOLDS_LOCK = 2;
export const FLAG_LEADER = 4;

export class RequestTable {
  capacity = 0;
  arrival = new Float64Array(0);
  submitted = new Float64Array(0);
  key = new Int32Array(0);
  op = new Uint8Array(0);
  size = new Int32Array(0);
  ttl = new Float64Array(0);
  state = new Uint8Array(0);
  /** Read: the committed version its query saw. Write: the version it committed. */
  version = new Int32Array(0);
  /** Read: when its version was superseded by an acknowledged write (+Infinity: not yet). */
  staleSince = new Float64Array(0);
  timeoutPending = new Uint8Array(0);
  /** The node the request reached (a message: the node it is going to). */
  node = new Int32Array(0);
  flags = new Uint8Array(0);
  /** A coalesce leader's waiters (a list through `chain`), or -1. */
  waiters = new Int32Array(0);
  /** Next in a list of waiters or blocked writes; -1: last. */
  chain = new Int32Array(0);
  /** Executing reads of the same key, a doubly linked list per key (staleness marking on acknowledge). */
  nextOfKey = new Int32Array(0);
  prevOfKey = new Int32Array(0);
  private freeSlots = new Int32Array(0);
  private freeCount = 0;

  constructor(initialCapacity = 1024) {
    this.grow(initialCapacity);
  }

  allocate(arrival: number, key: number, op: number, size: number, ttl: number): number {
    if (this.freeCount === 0) this.grow(this.capacity * 2);
    const slot = this.freeSlots[--this.freeCount];
    this.arrival[slot] = arrival;
    this.key[slot] = key;
    this.op[slot] = op;
    this.size[slot] = size;
    this.ttl[slot] = ttl;
    this.timeoutPending[slot] = 0;
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
    this.key = grownInt32(this.key, capacity);
    this.op = grownUint8(this.op, capacity);
    this.size = grownInt32(this.size, capacity);
    this.ttl = grownFloat64(this.ttl, capacity);
    this.state = grownUint8(this.state, capacity);
    this.version = grownInt32(this.version, capacity);
    this.staleSince = grownFloat64(this.staleSince, capacity);
    this.timeoutPending = grownUint8(this.timeoutPending, capacity);
    this.node = grownInt32(this.node, capacity);
    this.flags = grownUint8(this.flags, capacity);
    this.waiters = grownInt32(this.waiters, capacity);
    this.chain = grownInt32(this.chain, capacity);
    this.nextOfKey = grownInt32(this.nextOfKey, capacity);
    this.prevOfKey = grownInt32(this.prevOfKey, capacity);
    const free = new Int32Array(capacity);
    free.set(this.freeSlots.subarray(0, this.freeCount));
    // New slots are handed out lowest first.
    for (let s = capacity - 1; s >= old; s--) free[this.freeCount++] = s;
    this.freeSlots = free;
    this.capacity = capacity;
  }
}
