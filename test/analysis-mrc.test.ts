import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type AnalyzeOptions, analyzeTrace, type CurveMethod } from '../src/analysis/analyze-trace.js';
import { beladyHits, nextUses, RequestSequence } from '../src/analysis/belady.js';
import { ExactMissRatioCurveBuilder, type MissRatioCurve } from '../src/analysis/miss-ratio-curve.js';
import { ShardsMissRatioCurveBuilder } from '../src/analysis/shards.js';
import { createPolicy } from '../src/policies/registry.js';
import { AccessBatch, OP_GET } from '../src/workload/access-event.js';
import { createWorkload } from '../src/workload/create-workload.js';
import { type ArrayTrace, arraySource, readCloudPhysics } from './support/analysis-source.js';

const MB = 1_048_576;

function curveOf(trace: ArrayTrace, builder = new ExactMissRatioCurveBuilder()): MissRatioCurve {
  const source = arraySource(trace)();
  const batch = new AccessBatch(4096);
  for (let n = source.next(batch); n > 0; n = source.next(batch)) builder.observe(batch, n);
  return builder.finish();
}

/** Hits of a real policy replayed over the trace, with the analysis's model (writes delete). */
function replayHits(trace: ArrayTrace, policy: string, capacity: number, unit: 'entries' | 'bytes' = 'entries'): number {
  const cache = createPolicy(policy, { capacity, unit, keySpaceHint: 16, seed: 1 });
  let hits = 0;
  for (let i = 0; i < trace.keys.length; i++) {
    const key = trace.keys[i];
    const op = trace.ops?.[i] ?? 'get';
    if (op !== 'get') {
      cache.delete(key);
    } else if (cache.get(key, 0)) {
      hits++;
    } else {
      cache.set(key, trace.sizes?.[i] ?? 1, Number.POSITIVE_INFINITY, 0);
    }
  }
  return hits;
}

function readsOf(trace: ArrayTrace): number {
  let reads = 0;
  for (let i = 0; i < trace.keys.length; i++) if ((trace.ops?.[i] ?? 'get') === 'get') reads++;
  return reads;
}

// shared/traces/README.md: libCacheSim's counts on the CloudPhysics fixture.
const GOLDEN_LRU = new Map([
  [100, 13657],
  [1000, 19049],
  [5000, 22345],
  [10000, 34434],
  [25000, 43040],
]);
const GOLDEN_LRU_BYTES = new Map([
  [1 * MB, { hits: 14814, byteMissRatio: 0.9869 }],
  [16 * MB, { hits: 18777, byteMissRatio: 0.9803 }],
  [64 * MB, { hits: 19669, byteMissRatio: 0.9747 }],
  [256 * MB, { hits: 24089, byteMissRatio: 0.9298 }],
  [1024 * MB, { hits: 42168, byteMissRatio: 0.7009 }],
]);
const GOLDEN_BELADY = new Map([
  [100, 19862],
  [1000, 26847],
  [5000, 42561],
  [10000, 52029],
  [25000, 64898],
]);

describe('exact miss-ratio curve', () => {
  const trace = readCloudPhysics();
  const reads = trace.keys.length;
  const curve = curveOf(trace, new ExactMissRatioCurveBuilder([...GOLDEN_LRU_BYTES.keys()]));

  it("equals libCacheSim's LRU counts on the CloudPhysics fixture", () => {
    for (const [size, hits] of GOLDEN_LRU) assert.equal(Math.round(curve.hitRateAt(size) * reads), hits, `size ${size}`);
  });

  it('equals separate LRU replays (createPolicy) at every size tested', () => {
    for (const size of [1, 2, 3, 10, 50, 100, 777, 1000, 4096, 5000, 10000, 25000, 40000, 48974, 60000]) {
      assert.equal(Math.round(curve.hitRateAt(size) * reads), replayHits(trace, 'lru', size), `size ${size}`);
    }
  });

  it("gives libCacheSim's byte-based LRU counts and byte miss ratios at the named capacities", () => {
    assert.ok(curve.bytes !== null);
    for (const [capacity, golden] of GOLDEN_LRU_BYTES) {
      assert.equal(Math.round(curve.bytes.hitRateAt(capacity) * reads), golden.hits, `capacity ${capacity}`);
      assert.equal((1 - curve.bytes.byteHitRateAt(capacity)).toFixed(4), golden.byteMissRatio.toFixed(4));
    }
  });

  it('reads off the bins within 0.1% between named capacities', () => {
    assert.ok(curve.bytes !== null);
    const unnamed = curveOf(trace).bytes;
    assert.ok(unnamed !== null);
    for (const capacity of [3 * MB, 100 * MB, 500 * MB]) {
      const hits = replayHits(trace, 'lru', capacity, 'bytes');
      assert.ok(Math.abs(unnamed.hitRateAt(capacity) * reads - hits) <= reads * 0.001, `capacity ${capacity}`);
    }
  });

  it('the unbounded hit rate is every read but the first of each key', () => {
    assert.equal(Math.round(curve.maxHitRate * reads), reads - 48974);
  });

  it('equals LRU replays at every size on random read-only traces (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 400 }), (keys) => {
        const t = { keys };
        const c = curveOf(t);
        for (let size = 1; size <= 32; size++) {
          assert.equal(Math.round(c.hitRateAt(size) * keys.length), replayHits(t, 'lru', size), `size ${size}`);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('with writes (delete-on-write) is an upper bound on LRU hits, exact when no read follows a gap (property)', () => {
    const request = fc.record({
      key: fc.integer({ min: 0, max: 20 }),
      op: fc.constantFrom('get', 'get', 'get', 'set', 'delete'),
    });
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 300 }), (requests) => {
        const t = { keys: requests.map((r) => r.key), ops: requests.map((r) => r.op) };
        const reads = readsOf(t);
        const c = curveOf(t);
        for (let size = 1; size <= 22; size++) {
          const curveHits = Math.round(c.hitRateAt(size) * reads);
          assert.ok(curveHits >= replayHits(t, 'lru', size), `size ${size}`);
        }
        // Unbounded, nothing is ever evicted: the curve and LRU agree exactly.
        assert.equal(Math.round(c.hitRateAt(1000) * reads), replayHits(t, 'lru', 1000));
      }),
      { numRuns: 200 },
    );
  });
});

describe("Belady's optimum", () => {
  const trace = readCloudPhysics();
  const sequence = new RequestSequence();
  const batch = new AccessBatch(8192);
  const source = arraySource(trace)();
  for (let n = source.next(batch); n > 0; n = source.next(batch)) sequence.append(batch, n);
  const next = nextUses(sequence);

  it("reproduces libCacheSim's Belady counts on the CloudPhysics fixture", () => {
    for (const [size, hits] of GOLDEN_BELADY) assert.equal(beladyHits(sequence, next, size).hits, hits, `size ${size}`);
  });

  it('never does worse than any registered policy (property on random traces with writes)', () => {
    const request = fc.record({ key: fc.integer({ min: 0, max: 15 }), op: fc.constantFrom('get', 'get', 'get', 'set') });
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 10 }), (requests, size) => {
        const t = { keys: requests.map((r) => r.key), ops: requests.map((r) => r.op) };
        const s = new RequestSequence();
        const b = new AccessBatch(256);
        const src = arraySource(t)();
        for (let n = src.next(b); n > 0; n = src.next(b)) s.append(b, n);
        const optimum = beladyHits(s, nextUses(s), size).hits;
        for (const policy of ['lru', 'fifo', 'lfu', 'clock', 'sieve', 's3fifo']) {
          assert.ok(optimum >= replayHits(t, policy, size), `${policy} at ${size}`);
        }
      }),
      { numRuns: 150 },
    );
  });
});

/** A Zipf trace from the synthetic workload generator, as arrays (reads only, no sizes). */
function zipfTrace(alpha: number, keys: number, requests: number, seed = 7): { keys: Int32Array } {
  const stream = createWorkload(
    {
      kind: 'synthetic',
      keys,
      distribution: { type: 'zipf', alpha },
      requests,
      duration: null,
      arrival: { type: 'none' },
      mix: { get: 1, set: 0, delete: 0 },
      value_size: { type: 'fixed', size: 1 },
    },
    seed,
  );
  const out = new Int32Array(requests);
  const batch = new AccessBatch(8192);
  let at = 0;
  for (let n = stream.next(batch); n > 0; n = stream.next(batch)) {
    out.set(batch.key.subarray(0, n), at);
    at += n;
  }
  assert.equal(batch.op.subarray(0, 1)[0], OP_GET);
  return { keys: out };
}

/**
 * Mean absolute error of hit rate as the SHARDS paper measures it: at evenly spaced cache sizes, here 100
 * of them up to the distinct keys.
 */
function meanAbsoluteError(exact: MissRatioCurve, estimate: MissRatioCurve, distinctKeys: number): number {
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const size = (k * distinctKeys) / 100;
    sum += Math.abs(exact.hitRateAt(size) - estimate.hitRateAt(size));
  }
  return sum / 100;
}

/** The same at 24 log-spaced sizes per decade from 1/R: small caches weigh as much as large ones. */
function logSpacedError(exact: MissRatioCurve, estimate: MissRatioCurve, from: number, distinctKeys: number): number {
  let sum = 0;
  let points = 0;
  for (let i = Math.ceil(Math.log10(from) * 24); 10 ** (i / 24) <= distinctKeys; i++) {
    const size = 10 ** (i / 24);
    sum += Math.abs(exact.hitRateAt(size) - estimate.hitRateAt(size));
    points++;
  }
  return sum / points;
}

describe('SHARDS (Waldspurger et al., FAST 2015)', () => {
  // 2M requests over 1M keys keep `npm test` fast; `npm run bench` (bench/analyze.js) checks 10M. Measured
  // here: fixed-rate 1% MAE 0.0077 (log-spaced from 100 entries: 0.013); fixed-size 8k 0.0009 (0.020).
  // The error is sampling luck (whether a few of the hottest keys fall in the sample), so fewer keys
  // sample worse: at 200k keys fixed-rate 1% comes to 0.013.
  const keys = 1_000_000;
  const trace = zipfTrace(1.0, keys, 2_000_000);
  const exact = curveOf(trace);
  const distinct = new Set(trace.keys).size;

  it('fixed-rate at 1% is within 0.01 mean absolute error of the exact curve on a Zipf(1.0) trace', () => {
    const sampled = curveOf(trace, new ShardsMissRatioCurveBuilder({ mode: 'fixed-rate', rate: 0.01 }));
    const mae = meanAbsoluteError(exact, sampled, distinct);
    assert.ok(mae < 0.01, `MAE ${mae}`);
    assert.ok(logSpacedError(exact, sampled, 100, distinct) < 0.02);
    assert.equal(sampled.sampleRate, 0.01);
  });

  it('fixed-size at 8k keys is within 0.01 mean absolute error, sampling about 8k / distinct keys', () => {
    const sampled = curveOf(trace, new ShardsMissRatioCurveBuilder({ mode: 'fixed-size', maxKeys: 8192 }));
    const mae = meanAbsoluteError(exact, sampled, distinct);
    assert.ok(mae < 0.01, `MAE ${mae}`);
    assert.ok(logSpacedError(exact, sampled, 1 / sampled.sampleRate, distinct) < 0.03);
    assert.ok(sampled.trackedKeys <= 8192);
    assert.ok(Math.abs(sampled.sampleRate - 8192 / distinct) < 0.2 * (8192 / distinct), `rate ${sampled.sampleRate}`);
  });

  it('takes over from an exact curve mid-trace (the automatic mode past its limit) with the same accuracy', () => {
    const exactBuilder = new ExactMissRatioCurveBuilder();
    const source = arraySource(trace)();
    const batch = new AccessBatch(8192);
    let n = source.next(batch);
    for (let seen = 0; n > 0 && seen < 1_000_000; n = source.next(batch)) {
      exactBuilder.observe(batch, n);
      seen += n;
    }
    const sampledBuilder = ShardsMissRatioCurveBuilder.continuing(exactBuilder.handOver(), 0.01);
    for (; n > 0; n = source.next(batch)) sampledBuilder.observe(batch, n);
    const mae = meanAbsoluteError(exact, sampledBuilder.finish(), distinct);
    assert.ok(mae < 0.01, `MAE ${mae}`);
  });

  it('is exact at rate 1', () => {
    const all = curveOf(trace, new ShardsMissRatioCurveBuilder({ mode: 'fixed-rate', rate: 1 }));
    for (const size of [1, 10, 100, 1000, 10000, 100000]) {
      assert.ok(Math.abs(all.hitRateAt(size) - exact.hitRateAt(size)) < 0.005, `size ${size}`);
    }
  });
});

describe('analyzeTrace: replays and Belady at chosen sizes', () => {
  const trace = readCloudPhysics();
  const options = (method: CurveMethod = { kind: 'exact' }): AnalyzeOptions => ({
    trace: { path: 'cloudphysics.csv', format: 'csv' },
    method,
    sizes: [...GOLDEN_LRU.keys()].map((value) => ({ value, unit: 'entries' as const })),
    policies: ['lru', 'fifo'],
    belady: true,
    verdict: { targetHitRate: 0.8, dbLatencyMs: 5, cacheLatencyMs: 0.2 },
  });

  it('replays policies and Belady with the golden counts, and the curve agrees with the LRU replay', () => {
    const analysis = analyzeTrace(arraySource(trace), options());
    for (const [size, hits] of GOLDEN_LRU) {
      assert.equal(analysis.simulated.find((p) => p.policy === 'lru' && p.size === size)?.hits, hits);
      const atSize = analysis.mrc.at_sizes.find((s) => s.size === size);
      assert.equal(Math.round((atSize?.hit_rate ?? 0) * trace.keys.length), hits);
    }
    for (const [size, hits] of GOLDEN_BELADY) {
      assert.equal(analysis.simulated.find((p) => p.policy === 'belady' && p.size === size)?.hits, hits);
    }
    assert.equal(analysis.simulated.find((p) => p.policy === 'fifo' && p.size === 10000)?.hits, 34662);
  });

  it('SHARDS is chosen by the method, and the curve points rise with size', () => {
    const analysis = analyzeTrace(arraySource(trace), { ...options({ kind: 'shards-fixed-rate', rate: 0.1 }), policies: [] });
    assert.equal(analysis.mrc.method, 'shards-fixed-rate');
    assert.equal(analysis.stats.reuse_distance.sampled, true);
    const rates = analysis.mrc.points.map((p) => p.hit_rate);
    for (let i = 1; i < rates.length; i++) assert.ok(rates[i] >= rates[i - 1] - 1e-9);
  });
});
