import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InputError } from '../src/errors.js';
import { RandomSource } from '../src/random/random-source.js';
import type { SyntheticWorkloadSpec } from '../src/scenario/scenario.js';
import { AccessBatch, OP_DELETE, OP_GET, OP_SET } from '../src/workload/access-event.js';
import { createWorkload } from '../src/workload/create-workload.js';
import { HotspotKeys } from '../src/workload/distributions/hotspot.js';
import { LatestKeys } from '../src/workload/distributions/latest.js';
import { SequentialKeys } from '../src/workload/distributions/sequential.js';
import { UniformKeys } from '../src/workload/distributions/uniform.js';
import { zipfProbabilities } from '../src/workload/distributions/zipf.js';

function spec(overrides: Partial<SyntheticWorkloadSpec> = {}): SyntheticWorkloadSpec {
  return {
    kind: 'synthetic',
    keys: 1000,
    distribution: { type: 'uniform' },
    requests: 10_000,
    duration: null,
    arrival: { type: 'none' },
    mix: { get: 1, set: 0, delete: 0 },
    value_size: { type: 'fixed', size: 100 },
    ...overrides,
  };
}

interface Drained {
  time: number[];
  key: number[];
  op: number[];
  size: number[];
  keySpace: number;
  timed: boolean;
}

function drain(workload: SyntheticWorkloadSpec, seed = 1, batchSize = 1024): Drained {
  const stream = createWorkload(workload, seed);
  const batch = new AccessBatch(batchSize);
  const out: Drained = { time: [], key: [], op: [], size: [], keySpace: 0, timed: stream.timed };
  while (stream.next(batch) > 0) {
    for (let i = 0; i < batch.length; i++) {
      out.time.push(batch.time[i]);
      out.key.push(batch.key[i]);
      out.op.push(batch.op[i]);
      out.size.push(batch.size[i]);
    }
  }
  assert.equal(stream.next(batch), 0, 'an ended stream stays ended');
  out.keySpace = stream.keySpace;
  stream.close();
  return out;
}

/** |observed fraction − p| within 5 binomial standard deviations. */
function assertFraction(hits: number, total: number, p: number, what: string): void {
  const sd = Math.sqrt((p * (1 - p)) / total);
  assert.ok(Math.abs(hits / total - p) <= 5 * sd + 1e-12, `${what}: ${hits / total} vs ${p}`);
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

describe('determinism', () => {
  const full = spec({
    distribution: { type: 'hotspot', hot_fraction: 0.2, hot_probability: 0.8 },
    arrival: { type: 'poisson', rate: 500 },
    mix: { get: 0.7, set: 0.2, delete: 0.1 },
    value_size: { type: 'uniform', min: 10, max: 5000 },
  });

  it('same spec and seed give the same stream, whatever the batch size', () => {
    assert.deepEqual(drain(full, 9, 1024), drain(full, 9, 1024));
    assert.deepEqual(drain(full, 9, 7), drain(full, 9, 1024));
  });

  it('another seed gives another stream', () => {
    const a = drain(full, 9);
    const b = drain(full, 10);
    assert.notDeepEqual(a.key, b.key);
    assert.notDeepEqual(a.time, b.time);
  });

  it('changing the mix does not shift the arrival times (components draw from separate sources)', () => {
    const a = drain(full, 3);
    const b = drain({ ...full, mix: { get: 0.5, set: 0.5, delete: 0 } }, 3);
    assert.deepEqual(a.time, b.time);
  });
});

describe('key distributions', () => {
  it('uniform covers the keyspace evenly', () => {
    const keys = new UniformKeys(10, new RandomSource(1));
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[keys.nextKey()]++;
    for (const c of counts) assertFraction(c, 100_000, 0.1, 'uniform bucket');
  });

  it('hotspot sends hot_probability of requests to the first hot_fraction of keys, uniformly', () => {
    const keys = new HotspotKeys(1000, 0.1, 0.9, new RandomSource(2));
    const total = 200_000;
    let hot = 0;
    let firstHalfOfHot = 0;
    for (let i = 0; i < total; i++) {
      const key = keys.nextKey();
      assert.ok(key >= 0 && key < 1000);
      if (key < 100) {
        hot++;
        if (key < 50) firstHalfOfHot++;
      }
    }
    assertFraction(hot, total, 0.9, 'hot share');
    assertFraction(firstHalfOfHot, hot, 0.5, 'uniform within the hot set');
  });

  it('hotspot with an empty hot or cold set uses the other', () => {
    const allCold = new HotspotKeys(10, 0, 0.9, new RandomSource(1));
    const allHot = new HotspotKeys(10, 1, 0.1, new RandomSource(1));
    for (let i = 0; i < 1000; i++) {
      const a = allCold.nextKey();
      const b = allHot.nextKey();
      assert.ok(a >= 0 && a < 10 && b >= 0 && b < 10);
    }
  });

  it('sequential scans 0..N−1 and wraps', () => {
    const keys = new SequentialKeys(3);
    assert.deepEqual(
      Array.from({ length: 7 }, () => keys.nextKey()),
      [0, 1, 2, 0, 1, 2, 0],
    );
  });

  it('latest reads the newest keys most, Zipf over recency, and a set inserts a new key', () => {
    const keys = new LatestKeys(100, 1.0, new RandomSource(4));
    const total = 200_000;
    const counts = new Array(100).fill(0);
    for (let i = 0; i < total; i++) counts[keys.nextKey()]++;
    const pmf = zipfProbabilities(100, 1.0);
    // Key 99 is rank 1, key 98 rank 2, …
    for (let rank = 1; rank <= 5; rank++) assertFraction(counts[100 - rank], total, pmf[rank - 1], `rank ${rank}`);
    assert.equal(keys.keySpace, 100);
    assert.equal(keys.nextWriteKey(), 100);
    assert.equal(keys.keySpace, 101);
    let newest = 0;
    for (let i = 0; i < 10_000; i++) if (keys.nextKey() === 100) newest++;
    assertFraction(newest, 10_000, zipfProbabilities(101, 1.0)[0], 'the new key is now the hottest');
  });

  it('latest workload: keySpace grows by one per set and every key is inside it', () => {
    const out = drain(spec({ distribution: { type: 'latest', alpha: 0.99 }, mix: { get: 0.8, set: 0.2, delete: 0 } }));
    const sets = out.op.filter((op) => op === OP_SET).length;
    assert.equal(out.keySpace, 1000 + sets);
    let space = 1000;
    for (let i = 0; i < out.key.length; i++) {
      if (out.op[i] === OP_SET) assert.equal(out.key[i], space++);
      else assert.ok(out.key[i] >= 0 && out.key[i] < space);
    }
  });

  it('property: every distribution stays inside its keyspace', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom('uniform', 'zipf', 'scrambled-zipf', 'hotspot', 'latest', 'sequential'),
        (keys, seed, type) => {
          const distribution =
            type === 'hotspot'
              ? { type, hot_fraction: 0.3, hot_probability: 0.7 }
              : type === 'zipf' || type === 'scrambled-zipf' || type === 'latest'
                ? { type, alpha: 0.5 + (seed % 100) / 50 }
                : { type };
          const out = drain(spec({ keys, distribution, requests: 300, mix: { get: 0.6, set: 0.3, delete: 0.1 } }), seed, 64);
          return out.key.every((key) => key >= 0 && key < out.keySpace) && out.key.length === 300;
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('operation mix', () => {
  it('draws get, set and delete with the configured fractions', () => {
    const out = drain(spec({ requests: 100_000, mix: { get: 0.6, set: 0.3, delete: 0.1 } }));
    const count = (op: number) => out.op.filter((o) => o === op).length;
    assertFraction(count(OP_GET), 100_000, 0.6, 'get');
    assertFraction(count(OP_SET), 100_000, 0.3, 'set');
    assertFraction(count(OP_DELETE), 100_000, 0.1, 'delete');
  });

  it('rejects fractions that do not sum to 1', () => {
    assert.throws(
      () => drain(spec({ mix: { get: 0.9, set: 0.2, delete: 0 } })),
      (error: unknown) => {
        assert.ok(error instanceof InputError);
        assert.match(error.message, /sum to 1.*get 0\.9 \+ set 0\.2 \+ delete 0 = 1\.1/);
        return true;
      },
    );
  });
});

describe('arrivals and stopping', () => {
  it('poisson: mean gap 1000/rate ms and coefficient of variation ≈ 1', () => {
    const out = drain(spec({ requests: 100_000, arrival: { type: 'poisson', rate: 2000 } }));
    assert.equal(out.timed, true);
    const gaps = out.time.map((t, i) => t - (i === 0 ? 0 : out.time[i - 1]));
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    // The sample mean of 10^5 exponentials has relative sd 1/√n ≈ 0.3%.
    assert.ok(Math.abs(mean - 0.5) < 0.5 * 0.02, `mean gap ${mean}`);
    assert.ok(Math.abs(sd / mean - 1) < 0.03, `cv ${sd / mean}`);
  });

  it('constant: exactly evenly spaced from 0', () => {
    const out = drain(spec({ requests: 1000, arrival: { type: 'constant', rate: 250 } }));
    assert.deepEqual(
      out.time,
      out.time.map((_, i) => i * 4),
    );
  });

  it('none: untimed, every time 0', () => {
    const out = drain(spec({ requests: 50 }));
    assert.equal(out.timed, false);
    assert.ok(out.time.every((t) => t === 0));
  });

  it('duration stops at the first arrival at or after it', () => {
    const out = drain(spec({ requests: null, duration: 1000, arrival: { type: 'constant', rate: 100 } }));
    assert.equal(out.key.length, 100);
    assert.equal(out.time.at(-1), 990);
    const poisson = drain(spec({ requests: null, duration: 5000, arrival: { type: 'poisson', rate: 1000 } }));
    assert.ok(poisson.time.every((t) => t < 5000));
    assertFraction(poisson.key.length, 10_000, 0.5, 'events in 5 s at 1000/s (as a share of 10,000)');
  });

  it('requests and duration together stop at whichever comes first', () => {
    assert.equal(drain(spec({ requests: 10, duration: 1000, arrival: { type: 'constant', rate: 100 } })).key.length, 10);
    assert.equal(drain(spec({ requests: 500, duration: 1000, arrival: { type: 'constant', rate: 100 } })).key.length, 100);
  });

  it('refuses a duration without a timed arrival, or no bound at all', () => {
    assert.throws(() => createWorkload(spec({ requests: null, duration: 1000 }), 1), /duration needs a timed arrival/);
    assert.throws(() => createWorkload(spec({ requests: null, duration: null }), 1), /needs requests or duration/);
    assert.throws(
      () => createWorkload(spec({ arrival: { type: 'trace', speed: 1 } }), 1),
      /synthetic workload needs poisson, constant or none/,
    );
  });
});

describe('value sizes', () => {
  it('fixed', () => {
    assert.ok(drain(spec({ requests: 100, value_size: { type: 'fixed', size: 321 } })).size.every((s) => s === 321));
  });

  it('uniform stays within min..max and covers it', () => {
    const out = drain(spec({ keys: 100_000, requests: 50_000, value_size: { type: 'uniform', min: 10, max: 20 } }));
    assert.ok(out.size.every((s) => s >= 10 && s <= 20 && Number.isInteger(s)));
    assert.equal(new Set(out.size).size, 11);
  });

  it('lognormal has the configured median and p99', () => {
    const out = drain(spec({ keys: 1_000_000, requests: 200_000, value_size: { type: 'lognormal', p50: 1000, p99: 50_000 } }));
    const p50 = quantile(out.size, 0.5);
    const p99 = quantile(out.size, 0.99);
    assert.ok(Math.abs(p50 / 1000 - 1) < 0.03, `p50 ${p50}`);
    assert.ok(Math.abs(p99 / 50_000 - 1) < 0.08, `p99 ${p99}`);
    assert.ok(out.size.every((s) => s >= 1 && Number.isInteger(s)));
  });

  it('a key keeps one size across gets and sets', () => {
    const out = drain(
      spec({
        keys: 50,
        requests: 5000,
        mix: { get: 0.5, set: 0.4, delete: 0.1 },
        value_size: { type: 'lognormal', p50: 100, p99: 10_000 },
      }),
    );
    const sizeOf = new Map<number, number>();
    out.key.forEach((key, i) => {
      if (!sizeOf.has(key)) sizeOf.set(key, out.size[i]);
      assert.equal(out.size[i], sizeOf.get(key));
    });
    assert.ok(new Set(sizeOf.values()).size > 10, 'different keys get different sizes');
  });
});
