import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrequencySketch } from '../src/policies/frequency-sketch.js';
import { createPolicy } from '../src/policies/registry.js';
import { WTinyLfuPolicy } from '../src/policies/wtinylfu.js';
import { RandomSource } from '../src/random/random-source.js';
import { ZipfKeys } from '../src/workload/distributions/zipf.js';

const FOREVER = Number.POSITIVE_INFINITY;

describe('frequency sketch', () => {
  it('counts up to 15 and never under-estimates before a reset', () => {
    const sketch = new FrequencySketch(64, false);
    for (let i = 0; i < 5; i++) sketch.increment(7);
    assert.equal(sketch.frequency(7), 5);
    for (let i = 0; i < 30; i++) sketch.increment(7);
    assert.equal(sketch.frequency(7), 15);
    for (let key = 100; key < 150; key++) sketch.increment(key);
    for (let key = 100; key < 150; key++) assert.ok(sketch.frequency(key) >= 1);
  });

  it('halves every counter after 10 × expected-entries samples', () => {
    const sketch = new FrequencySketch(64, false);
    for (let i = 0; i < 12; i++) sketch.increment(3);
    let key = 1000;
    while (sketch.resets === 0) sketch.increment(key++);
    // 640 samples: the key's 12 became 6 (a colliding one-hit key can add at most one before halving).
    assert.ok(key - 1000 <= 640, `reset after ${key - 1000} other keys`);
    assert.ok(sketch.frequency(3) === 6 || sketch.frequency(3) === 7, `after reset: ${sketch.frequency(3)}`);
  });

  it('lets a doorkeeper absorb first accesses', () => {
    const sketch = new FrequencySketch(64, true);
    sketch.increment(9);
    assert.equal(sketch.frequency(9), 1, 'the doorkeeper bit alone');
    sketch.increment(9);
    sketch.increment(9);
    assert.equal(sketch.frequency(9), 3);
    assert.equal(sketch.frequency(10), 0);
  });
});

describe('wtinylfu, by hand', () => {
  // capacity 10: window 10 − ⌊9.9⌋ = 1, main 9, protected ⌊7.2⌋ = 7.
  function tenEntries(parameters?: Record<string, number>): WTinyLfuPolicy {
    return new WTinyLfuPolicy({ capacity: 10, unit: 'entries', keySpaceHint: 16, seed: 1, parameters });
  }

  function read(cache: WTinyLfuPolicy, key: number): boolean {
    if (cache.get(key, 0)) return true;
    cache.set(key, 1, FOREVER, 0);
    return false;
  }

  it('keeps frequently read keys through a scan of one-hit wonders', () => {
    const cache = tenEntries();
    for (let key = 0; key < 10; key++) read(cache, key);
    for (let round = 0; round < 3; round++) for (let key = 0; key < 9; key++) assert.equal(read(cache, key), true);
    // 40 one-hit wonders (an LRU would have lost every hot key after 10). The sketch is sized for the
    // cache (16 entries, 64 counters a row), so a much longer scan would start to collide with the hot keys.
    for (let key = 100; key < 140; key++) read(cache, key);
    // Each scanned key reached main's door with frequency 1 against a victim of 4: rejected every time.
    for (let key = 0; key < 9; key++) assert.equal(cache.has(key, 0), true, `hot key ${key}`);
    assert.equal(cache.candidateWins, 0);
    assert.equal(cache.contests, 40);
    cache.checkInvariants();
  });

  it('admits a newcomer once it is read more often than main’s victim', () => {
    const cache = tenEntries();
    for (let key = 0; key < 10; key++) read(cache, key); // every key read once
    for (let i = 0; i < 3; i++) read(cache, 50); // 50 misses, then hits in the window: frequency 3
    read(cache, 51); // 50 leaves the window and beats probation's LRU entry (frequency 1)
    assert.equal(cache.has(50, 0), true);
    assert.equal(cache.candidateWins, 1);
    assert.equal(cache.entries, 10);
    read(cache, 52); // 51 (frequency 1) ties main's victim (1) and loses: ties keep the incumbent
    assert.equal(cache.has(51, 0), false);
    assert.equal(cache.candidateWins, 1);
    cache.checkInvariants();
  });

  it('promotes a probation hit to protected and demotes protected overflow back to probation', () => {
    const cache = tenEntries();
    for (let key = 0; key < 10; key++) read(cache, key);
    for (let key = 0; key < 9; key++) read(cache, key); // 9 probation hits; protected holds 7, 2 demoted
    for (let key = 0; key < 9; key++) assert.equal(cache.has(key, 0), true);
    cache.checkInvariants();
  });
});

describe('wtinylfu against lru on Zipf', () => {
  it('has the higher hit ratio at 1% and 10% of a Zipf(0.9) key space', () => {
    const keySpace = 20_000;
    const requests = 300_000;
    const zipf = new ZipfKeys(keySpace, 0.9, new RandomSource(7));
    const keys = Int32Array.from({ length: requests }, () => zipf.nextKey());
    for (const capacity of [200, 2000]) {
      const ratios = ['lru', 'wtinylfu'].map((name) => {
        const cache = createPolicy(name, { capacity, unit: 'entries', keySpaceHint: keySpace, seed: 1 });
        let hits = 0;
        keys.forEach((key, now) => {
          if (cache.get(key, now)) hits++;
          else cache.set(key, 1, FOREVER, now);
        });
        return hits / requests;
      });
      // Measured: 200 entries lru 0.296, wtinylfu 0.382; 2000 entries lru 0.524, wtinylfu 0.580.
      assert.ok(ratios[1] > ratios[0] + 0.03, `capacity ${capacity}: lru ${ratios[0].toFixed(3)}, wtinylfu ${ratios[1].toFixed(3)}`);
    }
  });
});
