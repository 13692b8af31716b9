import { type CloudPhysicsTrace, readCloudPhysics } from './support/cloudphysics-trace.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CapacityUnit, EvictionPolicy } from '../src/policies/eviction-policy.js';
import { LirsPolicy } from '../src/policies/lirs.js';
import { createPolicy } from '../src/policies/registry.js';

const FOREVER = Number.POSITIVE_INFINITY;

function lirs(capacity: number, unit: CapacityUnit = 'entries'): LirsPolicy {
  return new LirsPolicy({ capacity, unit, keySpaceHint: 16, seed: 1 });
}

/** A read; on a miss, the fill that follows it (the replay every golden count uses). */
function access(cache: EvictionPolicy, key: number, now = 0, size = 1): boolean {
  if (cache.get(key, now)) return true;
  cache.set(key, size, FOREVER, now);
  return false;
}

type State = 'lir' | 'hir' | 'non-resident';

/** Letters for the paper's blocks A–E. */
const [A, B, C, D, E] = [1, 2, 3, 4, 5];

// ---- the paper's example ---------------------------------------------------------------------------------

/**
 * Jiang & Zhang, SIGMETRICS 2002, Table 1 and Fig. 2: Llirs = 2, Lhirs = 1. State (a) is the paper's
 * state at time 10: LIR {A, B}, resident HIR E, D non-resident but still in S, C neither. The paper derives
 * it from IRRs; here the access sequence B A D A E builds the same state from an empty cache.
 */
function paperState(): LirsPolicy {
  const cache = lirs(3); // HIR max(1, 1% of 3) = 1, LIR 2
  for (const key of [B, A, D, A, E]) access(cache, key);
  return cache;
}

describe('lirs: the paper’s example (Fig. 2)', () => {
  it('(a) builds the state at time 10: S = E A D B with D non-resident, Q = E', () => {
    const cache = paperState();
    assert.deepEqual(cache.describe(), {
      stack: [[E, 'hir'], [A, 'lir'], [D, 'non-resident'], [B, 'lir']] as Array<[number, State]>,
      queue: [E],
    });
    cache.checkInvariants();
  });

  it('(b) accessing LIR block B at the bottom moves it to the top and prunes D', () => {
    const cache = paperState();
    assert.equal(access(cache, B), true);
    assert.deepEqual(cache.describe(), { stack: [[B, 'lir'], [E, 'hir'], [A, 'lir']] as Array<[number, State]>, queue: [E] });
  });

  it('(c) accessing resident HIR block E in S makes it LIR and demotes B to Q', () => {
    const cache = paperState();
    assert.equal(access(cache, E), true);
    // B leaves S for Q; D, now at the bottom, is pruned.
    assert.deepEqual(cache.describe(), { stack: [[E, 'lir'], [A, 'lir']] as Array<[number, State]>, queue: [B] });
  });

  it('(d) accessing non-resident block D in S evicts E, makes D LIR and demotes B', () => {
    const cache = paperState();
    const evictions = cache.evictions;
    assert.equal(access(cache, D), false);
    assert.deepEqual(cache.describe(), {
      stack: [[D, 'lir'], [E, 'non-resident'], [A, 'lir']] as Array<[number, State]>,
      queue: [B],
    });
    assert.equal(cache.evictions, evictions + 1);
  });

  it('(e) accessing block C (not in S) evicts E and enters as resident HIR', () => {
    const cache = paperState();
    assert.equal(access(cache, C), false);
    assert.deepEqual(cache.describe(), {
      stack: [[C, 'hir'], [E, 'non-resident'], [A, 'lir'], [D, 'non-resident'], [B, 'lir']] as Array<[number, State]>,
      queue: [C],
    });
    cache.checkInvariants();
  });
});

// ---- bounds and byte charging ----------------------------------------------------------------------------

describe('lirs: bounds and byte charging', () => {
  it('keeps at most 2 × capacity non-resident entries, forgetting the earliest evicted first', () => {
    const cache = lirs(10); // LIR 9, HIR 1, non-resident bound 20
    for (let key = 0; key < 9; key++) access(cache, key); // the LIR set; key 0 stays at S's bottom
    for (let key = 100; key < 200; key++) access(cache, key); // each evicts the previous one, non-resident
    const states = cache.describe().stack.map(([, state]) => state);
    assert.equal(states.filter((state) => state === 'non-resident').length, 20);
    assert.equal(states.length, 9 + 1 + 20);
    cache.checkInvariants();

    assert.equal(access(cache, 179), false); // the earliest still remembered: its recency makes it LIR
    assert.deepEqual(cache.describe().stack[0], [179, 'lir']);
    assert.equal(access(cache, 178), false); // forgotten: back as resident HIR
    assert.deepEqual(cache.describe().stack[0], [178, 'hir']);
    cache.checkInvariants();
  });

  it('charges sizes against the shares in bytes', () => {
    const cache = lirs(1000, 'bytes'); // HIR 10 bytes, LIR 990
    assert.equal(cache.hirCapacity, 10);
    assert.equal(cache.lirCapacity, 990);
    for (const key of [1, 2, 3]) cache.set(key, 300, FOREVER, 0); // 900 bytes of LIR
    cache.set(4, 95, FOREVER, 0); // does not fit the 90 bytes the LIR share has left: resident HIR
    assert.deepEqual(cache.describe().queue, [4]); // Q holds more than its 10 bytes while the cache has room
    cache.set(5, 5, FOREVER, 0); // fits the LIR share: LIR; the cache is now full (1000 bytes)
    cache.set(6, 50, FOREVER, 0); // LIR (955 bytes); making room evicts Q's front, 4, which stays in S
    assert.deepEqual(cache.describe(), {
      stack: [[6, 'lir'], [5, 'lir'], [4, 'non-resident'], [3, 'lir'], [2, 'lir'], [1, 'lir']] as Array<[number, State]>,
      queue: [],
    });
    assert.equal(cache.bytes, 955);
    cache.checkInvariants();
  });

  it('demotes several LIR entries when a large HIR entry is promoted', () => {
    const cache = lirs(1000, 'bytes'); // LIR 990
    for (const key of [1, 2, 3]) cache.set(key, 300, FOREVER, 0);
    cache.set(4, 80, FOREVER, 0); // 980 bytes, all LIR
    cache.set(5, 15, FOREVER, 0); // HIR, in S above all four
    assert.equal(cache.get(5, 0), true); // LIR 995 > 990: the bottom LIR (1) is demoted to Q
    assert.deepEqual(cache.describe(), {
      stack: [[5, 'lir'], [4, 'lir'], [3, 'lir'], [2, 'lir']] as Array<[number, State]>,
      queue: [1],
    });
    cache.checkInvariants();
  });

  it('evicts the LIR entry at S’s bottom when Q is empty and an object still needs room', () => {
    const cache = lirs(100, 'bytes'); // LIR 99, HIR 1
    cache.set(1, 50, FOREVER, 0);
    cache.set(2, 40, FOREVER, 0); // both LIR, Q empty
    assert.equal(cache.set(3, 30, FOREVER, 0), true); // 120 > 100: key 1 (bottom LIR) leaves
    assert.deepEqual([1, 2, 3].map((key) => cache.has(key, 0)), [false, true, true]);
    assert.equal(cache.evictions, 1);
    cache.checkInvariants();
  });
});

// ---- scan resistance -------------------------------------------------------------------------------------

describe('lirs: scan resistance', () => {
  for (const loop of [150, 1000]) {
    it(`holds its LIR set through a loop of ${loop} keys over 100 entries (lru gets no hits)`, () => {
      const capacity = 100;
      const cache = createPolicy('lirs', { capacity, unit: 'entries', keySpaceHint: loop, seed: 1 });
      const lru = createPolicy('lru', { capacity, unit: 'entries', keySpaceHint: loop, seed: 1 });
      const rounds = 20;
      let hits = 0;
      let lruHits = 0;
      let now = 0;
      for (let round = 0; round < rounds; round++) {
        for (let key = 0; key < loop; key++) {
          const hit = access(cache, key, now);
          if (round > 0 && hit) hits++;
          if (access(lru, key, now)) lruHits++;
          now++;
        }
      }
      // After the first pass the 99 LIR keys hit on every pass; the rest cycle through the 1-entry HIR share.
      assert.equal(hits, 99 * (rounds - 1));
      assert.equal(lruHits, 0);
      cache.checkInvariants();
    });
  }
});

// ---- the reference model ---------------------------------------------------------------------------------

/**
 * LIRS written from the paper's section 3.3 as plainly as possible, on arrays (index 0 is S's top and Q's
 * newest entry; Q's front, the next victim, is its last element). Count-based, no expiry; it makes the
 * same choices as `LirsPolicy` where the paper is silent (shares, the non-resident bound, LIR while the
 * LIR set is not full, deletes).
 */
class ReferenceLirs {
  readonly stack: number[] = [];
  readonly queue: number[] = [];
  private readonly lir = new Set<number>();
  private readonly resident = new Set<number>();
  /** Non-resident keys in S, the most recently evicted first. */
  private readonly nonResident: number[] = [];
  private readonly lirCapacity: number;

  constructor(private readonly capacity: number) {
    this.lirCapacity = capacity - Math.max(1, Math.floor(capacity * 0.01));
  }

  get(key: number): boolean {
    if (!this.resident.has(key)) return false;
    if (this.lir.has(key)) {
      this.toTop(key);
    } else if (this.stack.includes(key) && this.lirCapacity >= 1) {
      // HIR in S: becomes LIR, leaves Q; the bottom LIR goes to Q.
      this.toTop(key);
      this.lir.add(key);
      remove(this.queue, key);
      while (this.lir.size > this.lirCapacity) this.demote();
    } else {
      // HIR not in S: stays HIR, to the top of S and the end of Q.
      this.toTop(key);
      remove(this.queue, key);
      this.queue.unshift(key);
    }
    this.prune();
    return true;
  }

  /** A fill after a miss; a write to a resident key changes nothing here. */
  set(key: number): void {
    if (this.resident.has(key)) return;
    if (this.stack.includes(key)) {
      remove(this.nonResident, key);
      this.toTop(key);
    }
    if (this.resident.size + 1 > this.capacity) this.evict();
    this.resident.add(key);
    if (this.stack.includes(key) && this.lirCapacity >= 1) {
      this.lir.add(key);
      while (this.lir.size > this.lirCapacity) this.demote();
    } else if (this.stack.includes(key)) {
      this.queue.unshift(key);
    } else if (this.lir.size + 1 <= this.lirCapacity) {
      this.lir.add(key);
      this.stack.unshift(key);
    } else {
      this.queue.unshift(key);
      this.stack.unshift(key);
    }
    this.prune();
  }

  delete(key: number): boolean {
    if (!this.resident.has(key)) return false;
    this.resident.delete(key);
    this.lir.delete(key);
    remove(this.queue, key);
    remove(this.stack, key);
    this.prune();
    return true;
  }

  describe(): { stack: Array<[number, State]>; queue: number[] } {
    const state = (key: number): State => (!this.resident.has(key) ? 'non-resident' : this.lir.has(key) ? 'lir' : 'hir');
    return { stack: this.stack.map((key) => [key, state(key)]), queue: [...this.queue] };
  }

  private evict(): void {
    const victim = this.queue.pop() as number;
    this.resident.delete(victim);
    if (!this.stack.includes(victim)) return;
    this.nonResident.unshift(victim);
    while (this.nonResident.length > 2 * this.capacity) remove(this.stack, this.nonResident.pop() as number);
  }

  private demote(): void {
    const bottom = this.stack.pop() as number;
    this.lir.delete(bottom);
    this.queue.unshift(bottom);
    this.prune();
  }

  private prune(): void {
    while (this.stack.length > 0 && !this.lir.has(this.stack[this.stack.length - 1])) {
      const key = this.stack.pop() as number;
      remove(this.nonResident, key);
    }
  }

  private toTop(key: number): void {
    remove(this.stack, key);
    this.stack.unshift(key);
  }
}

function remove(array: number[], key: number): void {
  const index = array.indexOf(key);
  if (index >= 0) array.splice(index, 1);
}

type Operation = { op: 'access'; key: number } | { op: 'delete'; key: number } | { op: 'write'; key: number };

/** Mostly reads of a skewed key set (a hot set about the cache's size, a long cold tail), some deletes and writes. */
function operations(capacity: number, maxLength: number): fc.Arbitrary<Operation[]> {
  const hot = fc.integer({ min: 0, max: capacity });
  const cold = fc.integer({ min: 0, max: 6 * capacity + 4 });
  const key = fc.oneof({ arbitrary: hot, weight: 3 }, { arbitrary: cold, weight: 2 });
  const operation = fc.oneof(
    { arbitrary: fc.record({ op: fc.constant('access' as const), key }), weight: 20 },
    { arbitrary: fc.record({ op: fc.constant('delete' as const), key }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant('write' as const), key }), weight: 1 },
  );
  return fc.array(operation, { maxLength, size: 'max' });
}

describe('lirs agrees with the reference model (count-based, with deletes)', () => {
  const cases = [
    // Small caches, compared after every operation: these traces also reach the non-resident bound.
    { capacities: [1, 2, 3, 4, 5, 8, 13], maxLength: 1500, numRuns: 150, compareEvery: 1, reachesBound: true },
    // HIR shares of 1, 2 and 3 entries (Q's order matters only from 2), compared every 50 operations.
    // Shrinking traces this long takes minutes: a failure is reported as found (replay its seed and path
    // without `endOnFailure` to shrink it).
    { capacities: [100, 200, 350], maxLength: 6000, numRuns: 25, compareEvery: 50, reachesBound: false, endOnFailure: true },
  ];
  for (const { capacities, maxLength, numRuns, compareEvery, reachesBound, endOnFailure = false } of cases) {
    it(`at ${capacities.join(', ')} entries, traces up to ${maxLength} operations`, () => {
      let nonResidentBoundReached = 0;
      fc.assert(
        fc.property(
          fc.constantFrom(...capacities).chain((capacity) => fc.tuple(fc.constant(capacity), operations(capacity, maxLength))),
          ([capacity, trace]) => {
            const cache = lirs(capacity);
            const model = new ReferenceLirs(capacity);
            let reachedBound = false;
            trace.forEach((operation, now) => {
              const where = `${operation.op} ${operation.key} at ${now}`;
              if (operation.op === 'access') {
                const expected = model.get(operation.key);
                assert.equal(cache.get(operation.key, now), expected, where);
                if (!expected) {
                  model.set(operation.key);
                  cache.set(operation.key, 1, FOREVER, now);
                }
              } else if (operation.op === 'write') {
                model.set(operation.key);
                cache.set(operation.key, 1, FOREVER, now);
              } else {
                assert.equal(cache.delete(operation.key), model.delete(operation.key), where);
              }
              if (now % compareEvery === 0 || now === trace.length - 1) {
                const expected = model.describe();
                assert.deepEqual(cache.describe(), expected, where);
                if (expected.stack.filter(([, state]) => state === 'non-resident').length === 2 * capacity) reachedBound = true;
              }
            });
            cache.checkInvariants();
            if (reachedBound) nonResidentBoundReached++;
          },
        ),
        { numRuns, endOnFailure },
      );
      if (reachesBound) assert.ok(nonResidentBoundReached > 0, 'no trace reached the non-resident bound');
    });
  }
});

// ---- the reference trace ---------------------------------------------------------------------------------

type Trace = CloudPhysicsTrace;

function replayHits(policy: EvictionPolicy, trace: Trace): number {
  let hits = 0;
  for (let i = 0; i < trace.keys.length; i++) {
    if (policy.get(trace.keys[i], i)) hits++;
    else policy.set(trace.keys[i], trace.sizes[i], FOREVER, i);
  }
  policy.checkInvariants();
  return hits;
}

describe('lirs on the CloudPhysics trace', () => {
  const trace = readCloudPhysics();
  const MB = 1_048_576;

  /**
   * Our own counts (no libCacheSim golden counts exist for count-based LIRS), pinned against regressions.
   * LRU: 13657 / 19049 / 22345 / 34434 / 43040; ARC: 16542 / 19845 / 26102 / 34459 / 49502.
   */
  const COUNT_HITS: Array<[capacity: number, hits: number]> = [
    [100, 16821],
    [1000, 19582],
    [5000, 27031],
    [10000, 40901],
    [25000, 59623],
  ];
  for (const [capacity, expected] of COUNT_HITS) {
    it(`at ${capacity} objects: ${expected} hits`, () => {
      const cache = createPolicy('lirs', { capacity, unit: 'entries', keySpaceHint: trace.distinctKeys, seed: 1 });
      assert.equal(replayHits(cache, trace), expected);
    });
  }

  /**
   * libCacheSim's own test (`test/test_evictionAlgo.c`, byte-based, 128 MB steps on this trace) expects
   * LIRS misses 58640 at 896 MB and 53924 at 1 GB, i.e. 55232 and 59948 hits; at 512–768 MB 43509, 45467,
   * 49378. Its LIRS differs from ours in bytes (Q held strictly to 1%, so a demotion can evict; admission
   * only up to 1% of the cache; S bounded at 2 × capacity bytes including residents; a hit on a resident HIR
   * not in S also demotes an LIR), and below 512 MB the counts part (128 MB: 24053 there, 27045 here;
   * 256 MB: 34635 there, 30351 here). From 512 MB up they agree within 1%.
   */
  const LIBCACHESIM_BYTE_HITS: Array<[megabytes: number, hits: number]> = [
    [512, 43509],
    [640, 45467],
    [768, 49378],
    [896, 55232],
    [1024, 59948],
  ];
  for (const [megabytes, libCacheSimHits] of LIBCACHESIM_BYTE_HITS) {
    it(`at ${megabytes}mb: within 1% of libCacheSim's ${libCacheSimHits} hits`, () => {
      const cache = createPolicy('lirs', { capacity: megabytes * MB, unit: 'bytes', keySpaceHint: trace.distinctKeys, seed: 1 });
      const hits = replayHits(cache, trace);
      assert.ok(Math.abs(hits - libCacheSimHits) / libCacheSimHits < 0.01, `lirs ${hits}, libCacheSim ${libCacheSimHits}`);
    });
  }
});
