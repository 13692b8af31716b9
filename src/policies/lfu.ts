import type { PolicyOptions } from './eviction-policy.js';
import { SlotCache } from './slot-cache.js';
import { grownFloat64, grownInt32 } from '../collections/typed-array-growth.js';
import { NO_SLOT } from './slot-list.js';

/**
 * Least Frequently Used, O(1) per request: entries sit in frequency buckets (a list of buckets in rising
 * frequency, each a list of entries); among the least frequent it evicts the one that entered its bucket
 * longest ago, i.e. the least recently used. New entries count 1, a hit adds 1, and an evicted key forgets
 * its count. Source: Shah, Mitra & Matani, "An O(1) algorithm for implementing the LFU cache eviction
 * scheme" (2010); libCacheSim `cache/eviction/LFU.c` (append to a bucket's tail, evict its head).
 */
export class LfuPolicy extends SlotCache {
  readonly name = 'lfu';

  // Entries within a bucket: a doubly linked list from oldest (first) to newest (last).
  private entryPrev: Int32Array;
  private entryNext: Int32Array;
  private bucketOfSlot: Int32Array;

  // Buckets, numbered from their own pool (at most one per entry, plus one while a hit moves an entry).
  private bucketFrequency: Float64Array;
  private bucketFirst: Int32Array;
  private bucketLast: Int32Array;
  private bucketPrev: Int32Array;
  private bucketNext: Int32Array;
  private freeBuckets: Int32Array;
  private freeBucketCount = 0;
  private bucketHighWater = 0;
  /** The least-frequent bucket: the head of the bucket list. */
  private lowestBucket = NO_SLOT;

  constructor(options: PolicyOptions) {
    super(options);
    const slots = this.slotCapacity;
    this.entryPrev = new Int32Array(slots);
    this.entryNext = new Int32Array(slots);
    this.bucketOfSlot = new Int32Array(slots);
    this.bucketFrequency = new Float64Array(slots + 1);
    this.bucketFirst = new Int32Array(slots + 1);
    this.bucketLast = new Int32Array(slots + 1);
    this.bucketPrev = new Int32Array(slots + 1);
    this.bucketNext = new Int32Array(slots + 1);
    this.freeBuckets = new Int32Array(slots + 1);
  }

  protected onHit(slot: number): void {
    const from = this.bucketOfSlot[slot];
    const frequency = this.bucketFrequency[from] + 1;
    let to = this.bucketNext[from];
    if (to === NO_SLOT || this.bucketFrequency[to] !== frequency) to = this.openBucketAfter(from, frequency);
    this.unlinkEntry(slot, from);
    this.appendEntry(slot, to);
  }

  protected onInsert(slot: number): void {
    let bucket = this.lowestBucket;
    if (bucket === NO_SLOT || this.bucketFrequency[bucket] !== 1) bucket = this.openBucketAfter(NO_SLOT, 1);
    this.appendEntry(slot, bucket);
  }

  protected selectVictim(): number {
    const bucket = this.lowestBucket;
    const slot = this.bucketFirst[bucket];
    this.unlinkEntry(slot, bucket);
    return slot;
  }

  protected detach(slot: number): void {
    this.unlinkEntry(slot, this.bucketOfSlot[slot]);
  }

  private appendEntry(slot: number, bucket: number): void {
    const last = this.bucketLast[bucket];
    this.entryPrev[slot] = last;
    this.entryNext[slot] = NO_SLOT;
    if (last === NO_SLOT) this.bucketFirst[bucket] = slot;
    else this.entryNext[last] = slot;
    this.bucketLast[bucket] = slot;
    this.bucketOfSlot[slot] = bucket;
  }

  /** Unlinks an entry from its bucket and closes the bucket if that emptied it. */
  private unlinkEntry(slot: number, bucket: number): void {
    const before = this.entryPrev[slot];
    const after = this.entryNext[slot];
    if (before === NO_SLOT) this.bucketFirst[bucket] = after;
    else this.entryNext[before] = after;
    if (after === NO_SLOT) this.bucketLast[bucket] = before;
    else this.entryPrev[after] = before;
    if (this.bucketFirst[bucket] === NO_SLOT) this.closeBucket(bucket);
  }

  /** Opens an empty bucket for `frequency` right after `before` (NO_SLOT: at the head). */
  private openBucketAfter(before: number, frequency: number): number {
    const bucket = this.freeBucketCount > 0 ? this.freeBuckets[--this.freeBucketCount] : this.bucketHighWater++;
    if (bucket >= this.bucketFrequency.length) this.growBuckets(this.bucketFrequency.length * 2);
    const after = before === NO_SLOT ? this.lowestBucket : this.bucketNext[before];
    this.bucketFrequency[bucket] = frequency;
    this.bucketFirst[bucket] = NO_SLOT;
    this.bucketLast[bucket] = NO_SLOT;
    this.bucketPrev[bucket] = before;
    this.bucketNext[bucket] = after;
    if (before === NO_SLOT) this.lowestBucket = bucket;
    else this.bucketNext[before] = bucket;
    if (after !== NO_SLOT) this.bucketPrev[after] = bucket;
    return bucket;
  }

  private closeBucket(bucket: number): void {
    const before = this.bucketPrev[bucket];
    const after = this.bucketNext[bucket];
    if (before === NO_SLOT) this.lowestBucket = after;
    else this.bucketNext[before] = after;
    if (after !== NO_SLOT) this.bucketPrev[after] = before;
    this.freeBuckets[this.freeBucketCount++] = bucket;
  }

  protected growSlotColumns(slotCapacity: number): void {
    this.entryPrev = grownInt32(this.entryPrev, slotCapacity);
    this.entryNext = grownInt32(this.entryNext, slotCapacity);
    this.bucketOfSlot = grownInt32(this.bucketOfSlot, slotCapacity);
    this.growBuckets(slotCapacity + 1);
  }

  private growBuckets(bucketCapacity: number): void {
    if (bucketCapacity <= this.bucketFrequency.length) return;
    this.bucketFrequency = grownFloat64(this.bucketFrequency, bucketCapacity);
    this.bucketFirst = grownInt32(this.bucketFirst, bucketCapacity);
    this.bucketLast = grownInt32(this.bucketLast, bucketCapacity);
    this.bucketPrev = grownInt32(this.bucketPrev, bucketCapacity);
    this.bucketNext = grownInt32(this.bucketNext, bucketCapacity);
    this.freeBuckets = grownInt32(this.freeBuckets, bucketCapacity);
  }

  protected checkPolicyInvariants(): void {
    let entries = 0;
    let previousFrequency = 0;
    let previousBucket = NO_SLOT;
    for (let bucket = this.lowestBucket; bucket !== NO_SLOT; bucket = this.bucketNext[bucket]) {
      if (this.bucketPrev[bucket] !== previousBucket) throw new Error(`lfu: bucket ${bucket} has a broken prev link`);
      const frequency = this.bucketFrequency[bucket];
      if (frequency <= previousFrequency) throw new Error(`lfu: bucket frequencies not rising (${previousFrequency} then ${frequency})`);
      if (this.bucketFirst[bucket] === NO_SLOT) throw new Error(`lfu: empty bucket for frequency ${frequency} left open`);
      for (let slot = this.bucketFirst[bucket]; slot !== NO_SLOT; slot = this.entryNext[slot]) {
        if (this.bucketOfSlot[slot] !== bucket) throw new Error(`lfu: slot ${slot} listed in bucket ${bucket} but records ${this.bucketOfSlot[slot]}`);
        if (++entries > this.entries) throw new Error('lfu: buckets hold more entries than the cache (cycle?)');
      }
      previousFrequency = frequency;
      previousBucket = bucket;
    }
    if (entries !== this.entries) throw new Error(`lfu: buckets hold ${entries}, entries ${this.entries}`);
  }
}
