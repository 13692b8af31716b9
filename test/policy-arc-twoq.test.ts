import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArcPolicy } from '../src/policies/arc.js';
import type { CapacityUnit } from '../src/policies/eviction-policy.js';
import { TwoQPolicy } from '../src/policies/twoq.js';

const FOREVER = Number.POSITIVE_INFINITY;

function arc(capacity: number, unit: CapacityUnit = 'entries'): ArcPolicy {
  return new ArcPolicy({ capacity, unit, keySpaceHint: 16, seed: 1 });
}

function resident(cache: { has(key: number, now: number): boolean }, keys: number[]): boolean[] {
  return keys.map((key) => cache.has(key, 0));
}

// Hand-derived from Megiddo & Modha's Fig. 4 with libCacheSim's REPLACE (see src/policies/arc.ts).
describe('arc, by hand', () => {
  it('moves a key hit in T1 to T2, remembers what it evicts, and adapts p on ghost hits', () => {
    const cache = arc(2);
    cache.set(1, 1, FOREVER, 0);
    cache.set(2, 1, FOREVER, 0); // T1 = [2, 1]
    assert.equal(cache.get(1, 0), true); // T1 = [2], T2 = [1]
    cache.set(3, 1, FOREVER, 0); // case IV, |T1| = 1 > p = 0: T1's 2 → B1; T1 = [3]
    assert.deepEqual(resident(cache, [1, 2, 3]), [true, false, true]);
    assert.equal(cache.recencyTarget, 0);

    cache.set(2, 1, FOREVER, 0); // B1 hit: p = 0 + max(|B2| / |B1|, 1) = 1; |T1| = p, so T2's 1 → B2; 2 joins T2
    assert.equal(cache.recencyTarget, 1);
    assert.deepEqual(resident(cache, [1, 2, 3]), [false, true, true]);

    cache.set(1, 1, FOREVER, 0); // B2 hit: p = 1 − max(|B1| / |B2|, 1) = 0; |T1| = 1 > 0, so T1's 3 → B1; 1 joins T2
    assert.equal(cache.recencyTarget, 0);
    assert.deepEqual(resident(cache, [1, 2, 3]), [true, true, false]);
    assert.equal(cache.evictions, 3);
    cache.checkInvariants();
  });

  it('evicts from T1 without remembering when T1 alone fills the cache', () => {
    const cache = arc(3);
    for (const key of [1, 2, 3, 4, 5]) cache.set(key, 1, FOREVER, 0);
    // |T1| + |B1| + 1 > c with B1 empty each time: 1 and 2 leave without a ghost, so their return is a plain miss.
    cache.set(1, 1, FOREVER, 0);
    assert.equal(cache.recencyTarget, 0);
    assert.deepEqual(resident(cache, [1, 2, 3, 4, 5]), [true, false, false, true, true]);
    cache.checkInvariants();
  });

  it('charges bytes: one large newcomer can demote several entries', () => {
    const cache = arc(100, 'bytes');
    for (const key of [1, 2, 3, 4]) cache.set(key, 25, FOREVER, 0);
    assert.equal(cache.get(4, 0), true); // T2 = [4]
    cache.set(5, 60, FOREVER, 0); // T1's LRU end leaves until 60 bytes fit: 1, 2 and 3
    assert.deepEqual(resident(cache, [1, 2, 3, 4, 5]), [false, false, false, true, true]);
    assert.equal(cache.bytes, 85);
    cache.checkInvariants();
  });
});

// Hand-derived from libCacheSim's TwoQ.c: A1in 25% (at least 1 entry), A1out 50%, Am the rest.
describe('twoq, by hand', () => {
  it('keeps new keys in a FIFO, remembers its evictions, and promotes returning keys to Am', () => {
    const cache = new TwoQPolicy({ capacity: 4, unit: 'entries', keySpaceHint: 16, seed: 1 }); // A1in 1, Am 3, A1out 2
    for (const key of [1, 2, 3, 4]) cache.set(key, 1, FOREVER, 0); // A1in grows past its share while there is room
    cache.set(5, 1, FOREVER, 0); // A1in over its share yields 1 → A1out [1]
    cache.set(6, 1, FOREVER, 0); // 2 → A1out [2, 1]
    assert.equal(cache.get(3, 0), true); // a hit in A1in does not reorder it
    cache.set(7, 1, FOREVER, 0); // 3 → A1out [3, 2]; 1 is forgotten
    assert.deepEqual(resident(cache, [1, 2, 3, 4, 5, 6, 7]), [false, false, false, true, true, true, true]);

    cache.set(1, 1, FOREVER, 0); // forgotten: back to A1in; 4 → A1out [4, 3]
    cache.set(3, 1, FOREVER, 0); // remembered: to Am; room from A1in (5 → A1out [5, 4])
    cache.set(4, 1, FOREVER, 0); // remembered: to Am; 6 → A1out [6, 5]
    assert.deepEqual(resident(cache, [1, 3, 4, 5, 6, 7]), [true, true, true, false, false, true]);

    cache.set(8, 1, FOREVER, 0); // A1in [1, 7] over its share: 7 → A1out [7, 6]
    cache.set(7, 1, FOREVER, 0); // to Am; A1in [8, 1] yields 1 → A1out [1, 6]; Am [7, 4, 3]
    cache.set(6, 1, FOREVER, 0); // to Am; A1in [8] is within its share, so Am's LRU end (3) goes
    assert.deepEqual(resident(cache, [1, 3, 4, 6, 7, 8]), [false, false, true, true, true, true]);
    cache.checkInvariants();
  });

  it('keeps Am within its own share even when the cache has room', () => {
    const cache = new TwoQPolicy({ capacity: 8, unit: 'entries', keySpaceHint: 16, seed: 1 }); // A1in 2, Am 6, A1out 4
    for (let key = 1; key <= 10; key++) cache.set(key, 1, FOREVER, 0); // A1in [10..3]; 1, 2 → A1out
    // Each returning key goes to Am; A1in, over its share, yields its oldest to A1out: 3, 4, … 8.
    for (let key = 1; key <= 6; key++) cache.set(key, 1, FOREVER, 0);
    assert.deepEqual(resident(cache, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), [true, true, true, true, true, true, false, false, true, true]);
    cache.delete(9); // 7 of 8 used; Am holds its full share of 6
    cache.set(7, 1, FOREVER, 0); // remembered: Am must make room for it, so its LRU end (1) goes
    assert.deepEqual(resident(cache, [1, 7, 10]), [false, true, true]);
    assert.equal(cache.entries, 7);
    cache.checkInvariants();
  });
});
