import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EVICTION_POOL_SIZE, RedisEvictionPool } from '../src/policies/redis-eviction-pool.js';
import { LFU_INIT_VAL, RedisLfuPolicy, lfuDecayed, lfuLogIncrement, lfuMinutes } from '../src/policies/redis-lfu.js';
import { LRU_CLOCK_MAX, RedisLruPolicy, estimateIdleTime, lruClock } from '../src/policies/redis-lru.js';
import { NO_SLOT } from '../src/policies/slot-list.js';
import { RandomSource } from '../src/random/random-source.js';

const FOREVER = Number.POSITIVE_INFINITY;
const SECOND = 1000;
const MINUTE = 60 * SECOND;

describe('redis eviction pool (evict.c evictionPoolPopulate)', () => {
  it('keeps the 16 best candidates in ascending order and hands out the best first', () => {
    const pool = new RedisEvictionPool();
    for (let key = 0; key < 20; key++) pool.offer(key, (key * 7) % 20); // scores 0..19, shuffled
    pool.checkOrder('pool');
    pool.offer(99, 1); // below every pooled score with the pool full: dropped
    const taken: number[] = [];
    for (let key = pool.takeBest(); key !== NO_SLOT; key = pool.takeBest()) taken.push((key * 7) % 20);
    assert.equal(taken.length, EVICTION_POOL_SIZE);
    assert.deepEqual(taken, [19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4]);
  });

  it('inserts a middle score by shifting right while there is room, left when full', () => {
    const pool = new RedisEvictionPool();
    pool.offer(1, 10);
    pool.offer(2, 30);
    pool.offer(3, 20);
    pool.checkOrder('pool');
    assert.deepEqual([pool.takeBest(), pool.takeBest(), pool.takeBest(), pool.takeBest()], [2, 3, 1, NO_SLOT]);
  });
});

describe('redis-lru', () => {
  it('ticks its 24-bit clock once a second and measures idle time across a wrap', () => {
    assert.equal(lruClock(999), 0);
    assert.equal(lruClock(1000), 1);
    assert.equal(lruClock((LRU_CLOCK_MAX + 1) * SECOND), 0);
    assert.equal(estimateIdleTime(5, 8), 3 * SECOND);
    assert.equal(estimateIdleTime(LRU_CLOCK_MAX - 1, 2), 3 * SECOND);
  });

  it('evicts the idlest key when it samples every key (and may take a stale pool entry, as Redis does)', () => {
    const cache = new RedisLruPolicy({ capacity: 3, unit: 'entries', keySpaceHint: 16, seed: 1, parameters: { 'maxmemory-samples': 3 } });
    cache.set(1, 1, FOREVER, 0);
    cache.set(2, 1, FOREVER, 1 * SECOND);
    cache.set(3, 1, FOREVER, 2 * SECOND);
    assert.equal(cache.get(1, 3 * SECOND), true);
    cache.set(4, 1, FOREVER, 4 * SECOND); // idle: 1 → 1 s, 2 → 3 s, 3 → 2 s: 2 goes
    assert.deepEqual([1, 2, 3, 4].map((key) => cache.has(key, 4 * SECOND)), [true, false, true, true]);
    cache.set(5, 1, FOREVER, 5 * SECOND); // fresh samples rank 3 (3 s) above 1 (2 s) and 4 (1 s)
    assert.deepEqual([1, 3, 4, 5].map((key) => cache.has(key, 5 * SECOND)), [true, false, true, true]);
    cache.checkInvariants();
  });

  it('cannot tell apart keys read within the same second', () => {
    // Two caches that differ only in which of two same-second keys was read last evict alike.
    const outcomes = [1, 2].map((lastRead) => {
      const cache = new RedisLruPolicy({ capacity: 2, unit: 'entries', keySpaceHint: 16, seed: 3, parameters: { 'maxmemory-samples': 2 } });
      cache.set(1, 1, FOREVER, 0);
      cache.set(2, 1, FOREVER, 10);
      cache.get(lastRead === 1 ? 2 : 1, 20);
      cache.get(lastRead, 30);
      cache.set(3, 1, FOREVER, 5 * SECOND);
      return [cache.has(1, 5 * SECOND), cache.has(2, 5 * SECOND)];
    });
    assert.deepEqual(outcomes[0], outcomes[1]);
  });
});

describe('redis-lfu', () => {
  /** redis.conf's table (lfu-log-factor, hits → counter), measured there with redis-benchmark and OBJECT FREQ. */
  const REDIS_CONF_TABLE: Array<[factor: number, hits: number, counter: number]> = [
    [1, 100, 18],
    [1, 1000, 49],
    [10, 100, 10],
    [10, 1000, 18],
    [10, 100_000, 142],
    [100, 100, 8],
    [100, 1000, 11],
    [100, 100_000, 49],
    [100, 1_000_000, 143],
  ];

  for (const [factor, hits, counter] of REDIS_CONF_TABLE) {
    it(`grows like redis.conf says: factor ${factor}, ${hits} hits → about ${counter}`, () => {
      const trials = hits >= 100_000 ? 8 : 40;
      let sum = 0;
      for (let trial = 0; trial < trials; trial++) {
        const random = RandomSource.derive(trial, 'lfu-table');
        let value = LFU_INIT_VAL;
        for (let i = 0; i < hits; i++) value = lfuLogIncrement(value, factor, random.nextFloat());
        sum += value;
      }
      const mean = sum / trials;
      // The table's cells are single measurements: within 15%, or 2 for the small counters (factor 100 after
      // 100 hits averages 6.6 here: from 6 on, each hit increments with probability 1/101).
      assert.ok(Math.abs(mean - counter) <= Math.max(2, 0.15 * counter), `mean ${mean.toFixed(1)} after ${trials} trials`);
    });
  }

  it('saturates at 255: factor 10 after 1M hits, factor 0 after 1000', () => {
    for (const [factor, hits] of [
      [10, 1_000_000],
      [0, 1000],
    ]) {
      const random = RandomSource.derive(1, 'lfu-saturation');
      let value = LFU_INIT_VAL;
      for (let i = 0; i < hits; i++) value = lfuLogIncrement(value, factor, random.nextFloat());
      assert.equal(value, 255, `factor ${factor}`);
    }
  });

  it('decays by one per lfu-decay-time minutes, across the 16-bit minute wrap, never below zero', () => {
    assert.equal(lfuMinutes(59_999), 0);
    assert.equal(lfuMinutes(MINUTE), 1);
    assert.equal(lfuDecayed(10, 5, 8, 1), 7);
    assert.equal(lfuDecayed(10, 5, 8, 2), 9);
    assert.equal(lfuDecayed(10, 5, 8, 0), 10, 'decay time 0 never decays');
    assert.equal(lfuDecayed(2, 5, 8, 1), 0);
    assert.equal(lfuDecayed(10, 65534, 1, 1), 8, 'elapsed 65535 − 65534 + 1');
  });

  it('reports a new key at LFU_INIT_VAL, decayed while it sits idle', () => {
    const cache = new RedisLfuPolicy({ capacity: 4, unit: 'entries', keySpaceHint: 16, seed: 1 });
    cache.set(1, 1, FOREVER, 0);
    assert.equal(cache.frequencyOf(1, 0), LFU_INIT_VAL);
    assert.equal(cache.frequencyOf(1, 3 * MINUTE), LFU_INIT_VAL - 3);
    assert.equal(cache.frequencyOf(1, 30 * MINUTE), 0);
  });

  function twoKeysAfterIdling(decayMinutes: number): boolean[] {
    const cache = new RedisLfuPolicy({
      capacity: 2,
      unit: 'entries',
      keySpaceHint: 16,
      seed: 1,
      parameters: { 'maxmemory-samples': 2, 'lfu-log-factor': 0, 'lfu-decay-time': decayMinutes },
    });
    cache.set(1, 1, FOREVER, 0);
    for (let i = 0; i < 10; i++) cache.get(1, 0); // factor 0: every hit counts, so key 1 reaches 15
    cache.set(2, 1, FOREVER, 12 * MINUTE); // 5, fresh
    cache.set(3, 1, FOREVER, 12 * MINUTE);
    return [1, 2, 3].map((key) => cache.has(key, 12 * MINUTE));
  }

  it('evicts a once-hot key that has been idle long enough, and keeps it without decay', () => {
    // With decay: key 1 counts 15 − 12 = 3 < key 2's 5, so key 1 goes; without, key 2 (5 < 15) goes.
    assert.deepEqual(twoKeysAfterIdling(1), [false, true, true]);
    assert.deepEqual(twoKeysAfterIdling(0), [true, false, true]);
  });
});
