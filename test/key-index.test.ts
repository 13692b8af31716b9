import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HashedKeyIndex, usesHashedIndex } from '../src/policies/key-index.js';
import { createPolicy } from '../src/policies/registry.js';

describe('key index', () => {
  it('the hashed index agrees with a Map under any sequence of sets and removes (backward-shift deletion included)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ remove: fc.boolean(), key: fc.integer({ min: 0, max: 200 }) }), { maxLength: 400 }),
        (ops) => {
          const index = new HashedKeyIndex(64);
          const reference = new Map<number, number>();
          let slot = 0;
          for (const { remove, key } of ops) {
            if (remove) {
              index.remove(key);
              reference.delete(key);
            } else if (reference.has(key) || reference.size < 64) {
              index.set(key, slot);
              reference.set(key, slot++);
            }
            for (let k = 0; k <= 200; k++) assert.equal(index.slotOf(k), reference.get(k) ?? -1, `key ${k}`);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a small count-bounded cache over a large keyspace gets the hashed index; others the dense one', () => {
    assert.ok(usesHashedIndex(10_000, 1_000_000));
    assert.ok(!usesHashedIndex(100_000, 1_000_000));
    assert.ok(!usesHashedIndex(Number.POSITIVE_INFINITY, 1_000_000));
  });

  it('every policy counts the same hits with either index', () => {
    const rng = fc.sample(fc.integer({ min: 0, max: 99_999 }), { numRuns: 60_000, seed: 5 });
    for (const policy of ['lru', 'fifo', 'lfu', 'clock', 'sieve', 's3fifo', 'arc', 'twoq', 'wtinylfu', 'lirs', 'random', 'redis-lru', 'redis-lfu']) {
      const hits = (keySpaceHint: number) => {
        const cache = createPolicy(policy, { capacity: 500, unit: 'entries', keySpaceHint, seed: 3 });
        let n = 0;
        for (const [i, key] of rng.entries()) {
          // A skewed stream: most requests to the first thousand keys.
          const k = i % 4 === 0 ? key : key % 1000;
          if (cache.get(k, i)) n++;
          else cache.set(k, 1, Number.POSITIVE_INFINITY, i);
        }
        cache.checkInvariants();
        return n;
      };
      assert.equal(hits(1_000_000), hits(1000), policy);
    }
  });
});
