import { type CloudPhysicsTrace, readCloudPhysics } from './support/cloudphysics-trace.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InputError } from '../src/errors.js';
import type { CapacityUnit, EvictionPolicy } from '../src/policies/eviction-policy.js';
import { POLICY_NAMES, createPolicy } from '../src/policies/registry.js';

const MB = 1_048_576;

function makePolicy(name: string, capacity: number, unit: CapacityUnit = 'entries', keySpaceHint = 16): EvictionPolicy {
  return createPolicy(name, { capacity, unit, keySpaceHint, seed: 42 });
}

// ---- golden counts: shared/traces/README.md (libCacheSim aa0fc40 on the CloudPhysics trace) ------------

type Trace = CloudPhysicsTrace;

const cloudPhysics = readCloudPhysics();

/**
 * The README's replay: every request is a read; a miss admits the object. Request i happens at
 * i × msPerRequest (clock-driven policies such as Redis's need requests in distinct seconds).
 */
function replay(policy: EvictionPolicy, trace: Trace, msPerRequest = 1): { hits: number; byteMissRatio: number } {
  let hits = 0;
  let missedBytes = 0;
  for (let i = 0; i < trace.keys.length; i++) {
    const now = i * msPerRequest;
    if (policy.get(trace.keys[i], now)) {
      hits++;
    } else {
      missedBytes += trace.sizes[i];
      policy.set(trace.keys[i], trace.sizes[i], Number.POSITIVE_INFINITY, now);
    }
  }
  policy.checkInvariants();
  return { hits, byteMissRatio: missedBytes / trace.totalBytes };
}

const COUNT_CAPACITIES = [100, 1000, 5000, 10000, 25000];
const BYTE_CAPACITIES_MB = [1, 16, 64, 256, 1024];

const GOLDEN_COUNT_HITS: Record<string, number[]> = {
  lru: [13657, 19049, 22345, 34434, 43040],
  fifo: [12377, 18352, 22291, 34662, 41735],
  lfu: [12899, 18310, 24074, 32813, 49497],
  sieve: [15742, 19897, 24074, 32813, 49497],
  clock: [13825, 19145, 22414, 29122, 49429],
  s3fifo: [16979, 19855, 28490, 37660, 43535],
  arc: [16542, 19845, 26102, 34459, 49502],
  twoq: [16414, 19755, 25993, 35041, 41864],
};

const GOLDEN_BYTE_HITS: Record<string, Array<[hits: number, byteMissRatio: number]>> = {
  lru: [[14814, 0.9869], [18777, 0.9803], [19669, 0.9747], [24089, 0.9298], [42168, 0.7009]],
  fifo: [[13423, 0.9882], [18399, 0.9807], [19530, 0.9747], [24486, 0.9278], [41732, 0.7046]],
  lfu: [[15846, 0.986], [20084, 0.9778], [20907, 0.9696], [27152, 0.8968], [49496, 0.6173]],
  sieve: [[16332, 0.9854], [20084, 0.9778], [20907, 0.9696], [27152, 0.8968], [49496, 0.6173]],
  clock: [[14998, 0.9868], [18905, 0.9802], [19745, 0.9746], [24097, 0.9305], [49416, 0.6175]],
  s3fifo: [[17967, 0.9838], [20088, 0.9774], [21341, 0.9614], [31485, 0.8479], [43517, 0.6821]],
  arc: [[17672, 0.9842], [20121, 0.9773], [21300, 0.9638], [28011, 0.8748], [49100, 0.6211]],
  twoq: [[17939, 0.9838], [19515, 0.9793], [20416, 0.9672], [30305, 0.8602], [41798, 0.7045]],
};

/**
 * libCacheSim's Random draws its victim by picking a random non-empty hash bucket, then an object in it
 * (not uniform over objects), seeded from the wall clock, so its table row is one unrepeatable sample.
 * Ours is uniform and seeded; across seeds it varies by under 1%, but sits up to 4.2% from that row
 * (at 100 entries), hence 5%.
 */
const GOLDEN_RANDOM_HITS = [13145, 18629, 23036, 31119, 48556];
const RANDOM_TOLERANCE = 0.05;

describe('golden hit counts on the CloudPhysics trace (libCacheSim)', () => {
  for (const [policy, expected] of Object.entries(GOLDEN_COUNT_HITS)) {
    for (const [i, capacity] of COUNT_CAPACITIES.entries()) {
      it(`${policy} at ${capacity} objects: ${expected[i]} hits`, () => {
        const cache = makePolicy(policy, capacity, 'entries', cloudPhysics.distinctKeys);
        assert.equal(replay(cache, cloudPhysics).hits, expected[i]);
      });
    }
  }

  for (const [policy, expected] of Object.entries(GOLDEN_BYTE_HITS)) {
    for (const [i, megabytes] of BYTE_CAPACITIES_MB.entries()) {
      const [hits, byteMissRatio] = expected[i];
      it(`${policy} at ${megabytes}mb: ${hits} hits, byte miss ratio ${byteMissRatio}`, () => {
        const cache = makePolicy(policy, megabytes * MB, 'bytes', cloudPhysics.distinctKeys);
        const result = replay(cache, cloudPhysics);
        assert.equal(result.hits, hits);
        assert.equal(result.byteMissRatio.toFixed(4), byteMissRatio.toFixed(4));
      });
    }
  }

  for (const [i, capacity] of COUNT_CAPACITIES.entries()) {
    it(`random at ${capacity} objects: within ${RANDOM_TOLERANCE * 100}% of ${GOLDEN_RANDOM_HITS[i]} hits`, () => {
      const cache = makePolicy('random', capacity, 'entries', cloudPhysics.distinctKeys);
      const { hits } = replay(cache, cloudPhysics);
      const relative = Math.abs(hits - GOLDEN_RANDOM_HITS[i]) / GOLDEN_RANDOM_HITS[i];
      assert.ok(relative <= RANDOM_TOLERANCE, `random: ${hits} hits, ${(relative * 100).toFixed(1)}% from the table`);
    });
  }

  it('random is reproducible from its seed', () => {
    const first = replay(makePolicy('random', 1000, 'entries', cloudPhysics.distinctKeys), cloudPhysics).hits;
    const second = replay(makePolicy('random', 1000, 'entries', cloudPhysics.distinctKeys), cloudPhysics).hits;
    assert.equal(first, second);
  });
});

// ---- policies without golden counts, measured against LRU on the same trace -------------------------------

describe('policies without golden counts, on the CloudPhysics trace', () => {
  const lruHits = COUNT_CAPACITIES.map((capacity) => GOLDEN_COUNT_HITS.lru[COUNT_CAPACITIES.indexOf(capacity)]);

  /**
   * W-TinyLFU hits: 15349 / 20231 / 24469 / 31274 / 59550 (LRU 13657 / 19049 / 22345 / 34434 / 43040).
   * At 10000 entries this trace replays a loop that exact LRU just holds and frequency-based admission
   * does not (LFU, 32813, also misses it; Caffeine's adaptive window exists for such traces).
   */
  const WTINYLFU_HITS = [15349, 20231, 24469, 31274, 59550];
  for (const [i, capacity] of COUNT_CAPACITIES.entries()) {
    it(`wtinylfu at ${capacity} objects: ${WTINYLFU_HITS[i]} hits (lru ${lruHits[i]})`, () => {
      const { hits } = replay(makePolicy('wtinylfu', capacity, 'entries', cloudPhysics.distinctKeys), cloudPhysics);
      assert.equal(hits, WTINYLFU_HITS[i]);
      if (capacity !== 10000) assert.ok(hits > lruHits[i], `wtinylfu ${hits} <= lru ${lruHits[i]}`);
    });
  }

  it('wtinylfu with a doorkeeper is within 2% of it without', () => {
    const plain = replay(makePolicy('wtinylfu', 1000, 'entries', cloudPhysics.distinctKeys), cloudPhysics).hits;
    const cache = createPolicy('wtinylfu', { capacity: 1000, unit: 'entries', keySpaceHint: cloudPhysics.distinctKeys, seed: 1, parameters: { doorkeeper: 1 } });
    const gated = replay(cache, cloudPhysics).hits;
    assert.ok(Math.abs(gated - plain) / plain < 0.02, `doorkeeper ${gated}, plain ${plain}`);
  });

  it('wtinylfu in bytes beats lru at every size (16255 / 19653 / 22402 / 29417 / 59737 hits)', () => {
    for (const [i, megabytes] of BYTE_CAPACITIES_MB.entries()) {
      const { hits } = replay(makePolicy('wtinylfu', megabytes * MB, 'bytes', cloudPhysics.distinctKeys), cloudPhysics);
      assert.ok(hits > GOLDEN_BYTE_HITS.lru[i][0], `${megabytes}mb: wtinylfu ${hits}, lru ${GOLDEN_BYTE_HITS.lru[i][0]}`);
    }
  });

  // One request per second, so the 1 s LRU clock tells every request apart (as an exact LRU would).
  const REDIS_MS_PER_REQUEST = 1000;

  for (const capacity of [100, 1000]) {
    it(`redis-lru sampling every key at ${capacity} objects is within 0.2% of exact lru`, () => {
      const cache = createPolicy('redis-lru', {
        capacity,
        unit: 'entries',
        keySpaceHint: cloudPhysics.distinctKeys,
        seed: 42,
        parameters: { 'maxmemory-samples': capacity },
      });
      const { hits } = replay(cache, cloudPhysics, REDIS_MS_PER_REQUEST);
      const lru = lruHits[COUNT_CAPACITIES.indexOf(capacity)];
      // Not exact: the pool keeps scores from earlier samples (as Redis's does), so a key read since can go.
      assert.ok(Math.abs(hits - lru) / lru <= 0.002, `redis-lru ${hits}, lru ${lru}`);
    });
  }

  /**
   * With Redis's default 5 samples: 13641 / 19038 / 22365 / 31422 / 43748 hits, i.e. −0.1%, −0.1%, +0.1%,
   * −8.7%, +1.6% from exact LRU. The outlier is the loop that exact LRU holds at 10000 entries; there
   * 64 samples come within 0.5% (34275).
   */
  const REDIS_LRU_DEFAULT_HITS = [13641, 19038, 22365, 31422, 43748];
  for (const [i, capacity] of COUNT_CAPACITIES.entries()) {
    it(`redis-lru with 5 samples at ${capacity} objects: ${REDIS_LRU_DEFAULT_HITS[i]} hits (lru ${lruHits[i]})`, () => {
      const { hits } = replay(makePolicy('redis-lru', capacity, 'entries', cloudPhysics.distinctKeys), cloudPhysics, REDIS_MS_PER_REQUEST);
      assert.equal(hits, REDIS_LRU_DEFAULT_HITS[i]);
      const tolerance = capacity === 10000 ? 0.09 : 0.02;
      assert.ok(Math.abs(hits - lruHits[i]) / lruHits[i] <= tolerance);
    });
  }

  it('redis-lru with 64 samples holds the 10000-entry loop within 1% of exact lru', () => {
    const cache = createPolicy('redis-lru', {
      capacity: 10000,
      unit: 'entries',
      keySpaceHint: cloudPhysics.distinctKeys,
      seed: 42,
      parameters: { 'maxmemory-samples': 64 },
    });
    const { hits } = replay(cache, cloudPhysics, REDIS_MS_PER_REQUEST);
    assert.ok(Math.abs(hits - 34434) / 34434 <= 0.01, `redis-lru ${hits}`);
  });
});

// ---- registry ------------------------------------------------------------------------------------------

describe('registry', () => {
  it('lists every built-in policy and builds each under its own name', () => {
    const expected = ['lru', 'fifo', 'lfu', 'clock', 'sieve', 'random', 'ttl', 's3fifo', 'arc', 'twoq', 'wtinylfu', 'redis-lru', 'redis-lfu'];
    for (const name of expected) assert.ok(POLICY_NAMES.includes(name), name);
    for (const name of POLICY_NAMES) assert.equal(makePolicy(name, 10).name, name);
  });

  it('rejects an unknown name with the valid names and the nearest one', () => {
    assert.throws(
      () => makePolicy('lruu', 10),
      (error: unknown) =>
        error instanceof InputError &&
        error.message.includes('"lruu"') &&
        error.message.includes('did you mean "lru"') &&
        POLICY_NAMES.every((name) => error.message.includes(name)),
    );
  });

  it('passes parameters to the policies that take them and rejects unknown names and out-of-range values', () => {
    const withParameters = (name: string, parameters: Record<string, number>) =>
      createPolicy(name, { capacity: 10, unit: 'entries', keySpaceHint: 16, seed: 1, parameters });
    assert.equal(withParameters('redis-lfu', { 'maxmemory-samples': 10, 'lfu-log-factor': 100, 'lfu-decay-time': 0 }).name, 'redis-lfu');
    assert.equal(withParameters('wtinylfu', { doorkeeper: 1 }).name, 'wtinylfu');
    assert.equal(withParameters('lru', {}).name, 'lru');
    assert.throws(
      () => withParameters('redis-lru', { 'maxmemory-sample': 5 }),
      (error: unknown) => error instanceof InputError && error.message.includes('"maxmemory-sample"') && error.message.includes('maxmemory-samples'),
    );
    assert.throws(
      () => withParameters('lru', { samples: 5 }),
      (error: unknown) => error instanceof InputError && error.message.includes('takes no parameters'),
    );
    for (const value of [0, 2.5, Number.NaN]) {
      assert.throws(
        () => withParameters('redis-lru', { 'maxmemory-samples': value }),
        (error: unknown) => error instanceof InputError && error.message.includes('from 1 to'),
      );
    }
  });

  it('rejects a capacity that is not a positive number', () => {
    for (const capacity of [0, -5, Number.NaN]) assert.throws(() => makePolicy('lru', capacity), InputError);
  });
});

// ---- behaviour the golden traces do not exercise ---------------------------------------------------------

const BOUNDED_POLICIES = POLICY_NAMES.filter((name) => name !== 'ttl');
/**
 * S3-FIFO admits only objects smaller than its small queue (10% of capacity), 2Q only objects that fit A1in
 * (25%); each is tested on its own.
 */
const WHOLE_CAPACITY_ADMITTERS = BOUNDED_POLICIES.filter((name) => name !== 's3fifo' && name !== 'twoq');

describe('shared semantics', () => {
  it('grows past its key-space hint and slot estimate', () => {
    for (const name of POLICY_NAMES) {
      const cache = createPolicy(name, { capacity: Number.POSITIVE_INFINITY, unit: 'bytes', keySpaceHint: 1, seed: 1 });
      for (let key = 0; key < 5000; key += 3) cache.set(key, 10, Number.POSITIVE_INFINITY, 0);
      for (let key = 0; key < 5000; key++) assert.equal(cache.get(key, 1), key % 3 === 0, `${name} key ${key}`);
      assert.equal(cache.entries, 1667);
      cache.checkInvariants();
    }
  });

  it('does not admit an object larger than the whole cache', () => {
    for (const name of WHOLE_CAPACITY_ADMITTERS) {
      const cache = makePolicy(name, 100, 'bytes');
      assert.equal(cache.set(1, 60, Number.POSITIVE_INFINITY, 0), true);
      assert.equal(cache.set(2, 101, Number.POSITIVE_INFINITY, 0), false);
      assert.equal(cache.has(1, 0), true, `${name} kept the resident object`);
      assert.equal(cache.entries, 1);
      assert.equal(cache.evictions, 0);
    }
  });

  it('counts an already-expired victim as an expiration, not an eviction', () => {
    // Each of these picks key 1 first (ARC: T1's LRU end with B1 empty; 2Q: A1in's oldest).
    for (const name of ['lru', 'fifo', 'lfu', 'clock', 'sieve', 'arc', 'twoq']) {
      const cache = makePolicy(name, 2);
      cache.set(1, 1, 10, 0); // the victim each of these policies picks first
      cache.set(2, 1, Number.POSITIVE_INFINITY, 1);
      cache.set(3, 1, Number.POSITIVE_INFINITY, 20);
      assert.equal(cache.expirations, 1, name);
      assert.equal(cache.evictions, 0, name);
      assert.equal(cache.has(2, 20) && cache.has(3, 20), true, name);
    }
  });

  it('updates size and expiry in place; a grown entry evicts others or, when too big, leaves', () => {
    for (const name of WHOLE_CAPACITY_ADMITTERS) {
      const cache = makePolicy(name, 100, 'bytes');
      cache.set(1, 40, Number.POSITIVE_INFINITY, 0);
      cache.set(2, 40, Number.POSITIVE_INFINITY, 0);
      assert.equal(cache.set(1, 10, 50, 1), true);
      assert.equal(cache.bytes, 50);
      assert.equal(cache.has(1, 49), true);
      assert.equal(cache.has(1, 50), false, `${name}: the update's expiry applies`);
      cache.set(1, 70, Number.POSITIVE_INFINITY, 2);
      assert.ok(cache.bytes <= 100, `${name}: ${cache.bytes} bytes after growing`);
      assert.equal(cache.set(1, 200, Number.POSITIVE_INFINITY, 3), false);
      assert.equal(cache.has(1, 3), false);
      cache.checkInvariants();
    }
  });

  it('twoq admits only objects no larger than A1in (25% of capacity)', () => {
    const cache = makePolicy('twoq', 1000, 'bytes');
    assert.equal(cache.set(1, 250, Number.POSITIVE_INFINITY, 0), true);
    assert.equal(cache.set(2, 251, Number.POSITIVE_INFINITY, 0), false);
    assert.equal(cache.entries, 1);
    cache.checkInvariants();
  });

  it('s3fifo admits only objects smaller than its small queue', () => {
    const cache = makePolicy('s3fifo', 1000, 'bytes');
    assert.equal(cache.set(1, 99, Number.POSITIVE_INFINITY, 0), true);
    assert.equal(cache.set(2, 100, Number.POSITIVE_INFINITY, 0), false);
    assert.equal(cache.set(3, 101, Number.POSITIVE_INFINITY, 0), false);
    assert.equal(cache.entries, 1);
  });

  it('s3fifo sends a key evicted from the small queue, once it returns, to the main queue', () => {
    const cache = makePolicy('s3fifo', 20); // small queue 2, main 18, ghost 18
    for (let key = 0; key < 20; key++) cache.set(key, 1, Number.POSITIVE_INFINITY, key);
    cache.set(20, 1, Number.POSITIVE_INFINITY, 20); // evicts key 0 (never hit) into the ghost
    assert.equal(cache.has(0, 20), false);
    cache.set(0, 1, Number.POSITIVE_INFINITY, 21); // ghost hit: admitted to main
    // A run of one-hit wonders now only churns the small queue; key 0 survives it.
    for (let key = 100; key < 140; key++) cache.set(key, 1, Number.POSITIVE_INFINITY, key);
    assert.equal(cache.has(0, 200), true);
    cache.checkInvariants();
  });

  it('delete removes only what is present', () => {
    for (const name of POLICY_NAMES) {
      const cache = makePolicy(name, name === 'ttl' ? Number.POSITIVE_INFINITY : 10);
      cache.set(7, 1, Number.POSITIVE_INFINITY, 0);
      assert.equal(cache.delete(7), true);
      assert.equal(cache.delete(7), false);
      assert.equal(cache.delete(123456), false);
      assert.equal(cache.get(7, 1), false);
      assert.equal(cache.entries, 0);
      cache.checkInvariants();
    }
  });

  it('ttl is unbounded whatever capacity it is given', () => {
    const cache = makePolicy('ttl', 2);
    for (let key = 0; key < 100; key++) cache.set(key, 1000, key + 10, 0);
    assert.equal(cache.entries, 100);
    assert.equal(cache.evictions, 0);
    assert.equal(cache.get(5, 14), true);
    assert.equal(cache.get(5, 15), false);
    assert.equal(cache.expirations, 1);
  });

  it('lfu evicts the least frequent, and the least recently used among equals', () => {
    const cache = makePolicy('lfu', 3);
    cache.set(1, 1, Number.POSITIVE_INFINITY, 0);
    cache.set(2, 1, Number.POSITIVE_INFINITY, 0);
    cache.set(3, 1, Number.POSITIVE_INFINITY, 0);
    cache.get(1, 1);
    cache.get(2, 2); // 1 and 2 count 2; 1 was used longer ago
    cache.set(4, 1, Number.POSITIVE_INFINITY, 3); // evicts 3 (count 1)
    assert.deepEqual([1, 2, 3, 4].map((key) => cache.has(key, 3)), [true, true, false, true]);
    cache.get(4, 4); // all count 2
    cache.set(5, 1, Number.POSITIVE_INFINITY, 5); // evicts 1
    assert.deepEqual([1, 2, 4, 5].map((key) => cache.has(key, 5)), [false, true, true, true]);
    cache.set(1, 1, Number.POSITIVE_INFINITY, 6); // 1 comes back counting 1; evicts 5 (count 1)
    assert.deepEqual([1, 2, 4, 5].map((key) => cache.has(key, 6)), [true, true, true, false]);
  });

  it('sieve keeps its hand between evictions and moves it past deleted entries', () => {
    const cache = makePolicy('sieve', 3);
    for (const key of [1, 2, 3]) cache.set(key, 1, Number.POSITIVE_INFINITY, 0);
    cache.get(1, 1);
    cache.set(4, 1, Number.POSITIVE_INFINITY, 2); // hand: 1 visited (cleared) → evicts 2; hand now at 3
    assert.deepEqual([1, 2, 3, 4].map((key) => cache.has(key, 2)), [true, false, true, true]);
    cache.get(1, 3);
    cache.set(5, 1, Number.POSITIVE_INFINITY, 4); // resumes at 3 (unvisited) → evicts 3, not 1
    assert.deepEqual([1, 3, 4, 5].map((key) => cache.has(key, 4)), [true, false, true, true]);
    cache.delete(4); // the hand pointed at 4
    cache.set(6, 1, Number.POSITIVE_INFINITY, 5);
    cache.set(7, 1, Number.POSITIVE_INFINITY, 6);
    cache.checkInvariants();
    assert.equal(cache.entries, 3);
  });
});

// ---- properties on random small traces -------------------------------------------------------------------

type Operation =
  | { op: 'get'; key: number }
  | { op: 'set'; key: number; size: number; ttl: number }
  | { op: 'delete'; key: number };

const NO_TTL = 0;

function operations(options: { keys: number; maxSize: number; withTtl: boolean; withDeletes: boolean }) {
  const key = fc.integer({ min: 0, max: options.keys - 1 });
  const ttl = options.withTtl ? fc.oneof(fc.constant(NO_TTL), fc.integer({ min: 1, max: 30 })) : fc.constant(NO_TTL);
  const choices: Array<fc.Arbitrary<Operation>> = [
    fc.record({ op: fc.constant('get' as const), key }),
    fc.record({ op: fc.constant('set' as const), key, size: fc.integer({ min: 1, max: options.maxSize }), ttl }),
  ];
  if (options.withDeletes) choices.push(fc.record({ op: fc.constant('delete' as const), key }));
  // size 'max': lengths spread up to maxLength, so caches fill and evict (fast-check's default keeps arrays short).
  return fc.array(fc.oneof(...choices), { maxLength: 150, size: 'max' });
}

/** Applies one operation at time `now`; returns the get/delete outcome (sets report admission). */
function apply(cache: EvictionPolicy, operation: Operation, now: number): boolean {
  switch (operation.op) {
    case 'get':
      return cache.get(operation.key, now);
    case 'set':
      return cache.set(operation.key, operation.size, operation.ttl === NO_TTL ? Number.POSITIVE_INFINITY : now + operation.ttl, now);
    case 'delete':
      return cache.delete(operation.key);
  }
}

describe('properties (fast-check)', () => {
  for (const name of POLICY_NAMES) {
    for (const unit of ['entries', 'bytes'] as const) {
      for (const withTtl of [false, true]) {
        it(`${name}/${unit}${withTtl ? '/ttl' : ''}: occupancy stays within capacity and invariants hold after every operation`, () => {
          fc.assert(
            fc.property(
              fc.integer({ min: 1, max: unit === 'entries' ? 8 : 60 }),
              operations({ keys: 12, maxSize: 20, withTtl, withDeletes: true }),
              fc.nat({ max: 3 }),
              fc.integer({ min: 1, max: 1000 }),
              (capacity, trace, clockStep, seed) => {
                const cache = createPolicy(name, { capacity, unit, keySpaceHint: 4, seed });
                const bound = name === 'ttl' ? Number.POSITIVE_INFINITY : capacity;
                trace.forEach((operation, i) => {
                  apply(cache, operation, i * clockStep);
                  assert.ok((unit === 'entries' ? cache.entries : cache.bytes) <= bound);
                  cache.checkInvariants();
                });
              },
            ),
            { numRuns: 60 },
          );
        });
      }
    }

    it(`${name}: an unbounded cache misses exactly once per distinct key`, () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 300, size: 'max' }), (keys) => {
          const cache = createPolicy(name, { capacity: Number.POSITIVE_INFINITY, unit: 'entries', keySpaceHint: 8, seed: 1 });
          let misses = 0;
          keys.forEach((key, now) => {
            if (!cache.get(key, now)) {
              misses++;
              cache.set(key, 1, Number.POSITIVE_INFINITY, now);
            }
          });
          assert.equal(misses, new Set(keys).size);
          assert.equal(cache.evictions, 0);
        }),
        { numRuns: 50 },
      );
    });

    it(`${name}: a key set with an expiry is a miss from that moment on, counted as an expiration`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 2000 }), (setAt, ttl, probeDelay) => {
          const cache = createPolicy(name, { capacity: 10, unit: 'entries', keySpaceHint: 4, seed: 1 });
          const expiresAt = setAt + ttl;
          cache.set(3, 1, expiresAt, setAt);
          const probeAt = setAt + probeDelay;
          const live = probeAt < expiresAt;
          assert.equal(cache.has(3, probeAt), live);
          assert.equal(cache.get(3, probeAt), live);
          assert.equal(cache.expirations, live ? 0 : 1);
          assert.equal(cache.entries, live ? 1 : 0);
          assert.equal(cache.get(3, probeAt), live, 'a second lookup agrees');
          assert.equal(cache.expirations, live ? 0 : 1, 'and counts nothing more');
        }),
        { numRuns: 100 },
      );
    });
  }

  for (const name of BOUNDED_POLICIES) {
    it(`${name}: with capacity one, a read hits iff its key is the last one admitted`, () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 200, size: 'max' }), (keys) => {
          const cache = createPolicy(name, { capacity: 1, unit: 'entries', keySpaceHint: 8, seed: 1 });
          let lastAdmitted = -1;
          keys.forEach((key, now) => {
            const hit = cache.get(key, now);
            assert.equal(hit, key === lastAdmitted);
            if (!hit && cache.set(key, 1, Number.POSITIVE_INFINITY, now)) lastAdmitted = key;
          });
        }),
        { numRuns: 50 },
      );
    });
  }

  for (const unit of ['entries', 'bytes'] as const) {
    it(`every policy gives the same answers when nothing needs evicting (${unit})`, () => {
      const keys = 10;
      const maxSize = 20;
      fc.assert(
        fc.property(operations({ keys, maxSize, withTtl: true, withDeletes: true }), fc.nat({ max: 3 }), (trace, clockStep) => {
          // Bytes: ten times the working set, so even S3-FIFO's small queue (10%) admits every object.
          const capacity = unit === 'entries' ? keys : keys * maxSize * 10;
          const caches = POLICY_NAMES.map((name) => createPolicy(name, { capacity, unit, keySpaceHint: 4, seed: 1 }));
          trace.forEach((operation, i) => {
            const now = i * clockStep;
            const outcomes = caches.map((cache) => apply(cache, operation, now));
            assert.ok(outcomes.every((outcome) => outcome === outcomes[0]), `operation ${i}: ${JSON.stringify(outcome(caches, outcomes))}`);
          });
          const summary = caches.map((cache) => [cache.entries, cache.bytes, cache.expirations, cache.evictions].join('/'));
          assert.ok(summary.every((line) => line === summary[0]), summary.join(' '));
        }),
        { numRuns: 100 },
      );
    });
  }
});

/**
 * Reference models: the same policies written as plainly as possible over an array of keys (index 0 is
 * the head, where entries arrive; the last index is the tail). Count-based, no expiry.
 */
interface ReferenceModel {
  get(key: number): boolean;
  set(key: number): void;
  delete(key: number): boolean;
}

function referenceModel(name: string, capacity: number): ReferenceModel {
  const queue: number[] = [];
  const mark = new Map<number, number>(); // reference bit, visited bit, or LFU count
  const touched = new Map<number, number>(); // LFU: when the count last changed
  let clock = 0;
  let hand: number | undefined; // SIEVE: key the next eviction starts from
  const remove = (key: number) => {
    const index = queue.indexOf(key);
    if (name === 'sieve' && hand === key) hand = index > 0 ? queue[index - 1] : undefined;
    queue.splice(index, 1);
    mark.delete(key);
  };
  const victim = (): number => {
    if (name === 'lru' || name === 'fifo') return queue[queue.length - 1];
    if (name === 'clock') {
      while (mark.get(queue[queue.length - 1]) === 1) {
        const key = queue.pop() as number;
        mark.set(key, 0);
        queue.unshift(key);
      }
      return queue[queue.length - 1];
    }
    if (name === 'sieve') {
      let index = hand === undefined ? queue.length - 1 : queue.indexOf(hand);
      while (mark.get(queue[index]) === 1) {
        mark.set(queue[index], 0);
        index = index > 0 ? index - 1 : queue.length - 1;
      }
      hand = index > 0 ? queue[index - 1] : undefined;
      return queue[index];
    }
    // lfu: lowest count, then the earliest count change
    return queue.reduce((best, key) => {
      const order = (mark.get(key) as number) - (mark.get(best) as number) || (touched.get(key) as number) - (touched.get(best) as number);
      return order < 0 ? key : best;
    });
  };
  return {
    get(key) {
      if (!mark.has(key)) return false;
      if (name === 'lru') {
        queue.splice(queue.indexOf(key), 1);
        queue.unshift(key);
      }
      if (name === 'clock' || name === 'sieve') mark.set(key, 1);
      if (name === 'lfu') {
        mark.set(key, (mark.get(key) as number) + 1);
        touched.set(key, clock++);
      }
      return true;
    },
    set(key) {
      if (mark.has(key)) return; // an update: no change of order
      while (queue.length + 1 > capacity) remove(victim());
      queue.unshift(key);
      mark.set(key, name === 'lfu' ? 1 : 0);
      touched.set(key, clock++);
    },
    delete(key) {
      if (!mark.has(key)) return false;
      remove(key);
      return true;
    },
  };
}

describe('policies agree with plain reference models (count-based, with deletes)', () => {
  for (const name of ['lru', 'fifo', 'clock', 'sieve', 'lfu']) {
    it(name, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 6 }), operations({ keys: 10, maxSize: 1, withTtl: false, withDeletes: true }), (capacity, trace) => {
          const cache = createPolicy(name, { capacity, unit: 'entries', keySpaceHint: 4, seed: 1 });
          const model = referenceModel(name, capacity);
          trace.forEach((operation, now) => {
            if (operation.op === 'set') {
              cache.set(operation.key, 1, Number.POSITIVE_INFINITY, now);
              model.set(operation.key);
            } else {
              const expected = operation.op === 'get' ? model.get(operation.key) : model.delete(operation.key);
              assert.equal(apply(cache, operation, now), expected, `${operation.op} ${operation.key} at ${now}`);
            }
          });
        }),
        { numRuns: 300 },
      );
    });
  }
});

function outcome(caches: EvictionPolicy[], outcomes: boolean[]): Record<string, boolean> {
  return Object.fromEntries(caches.map((cache, i) => [cache.name, outcomes[i]]));
}
