import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RandomSource } from '../src/random/random-source.js';
import type { SyntheticWorkloadSpec } from '../src/scenario/scenario.js';
import { AccessBatch } from '../src/workload/access-event.js';
import { createWorkload } from '../src/workload/create-workload.js';
import { AliasTable } from '../src/workload/distributions/alias-table.js';
import { ScrambledZipfKeys, scrambleRank } from '../src/workload/distributions/scrambled-zipf.js';
import { ZipfKeys, zipfProbabilities } from '../src/workload/distributions/zipf.js';
import { ZipfRejectionInversion } from '../src/workload/distributions/zipf-rejection-inversion.js';

/**
 * Pearson's χ² of observed rank counts against the exact pmf, over the first `head` ranks and one bucket
 * for the rest. Returns the statistic and its degrees of freedom.
 */
function chiSquare(counts: Float64Array, pmf: Float64Array, samples: number, head: number): { stat: number; dof: number } {
  let stat = 0;
  let tailObserved = 0;
  let tailExpected = 0;
  for (let i = 0; i < pmf.length; i++) {
    if (i < head) {
      const expected = pmf[i] * samples;
      stat += (counts[i] - expected) ** 2 / expected;
    } else {
      tailObserved += counts[i];
      tailExpected += pmf[i] * samples;
    }
  }
  stat += (tailObserved - tailExpected) ** 2 / tailExpected;
  return { stat, dof: head };
}

/** χ² critical value far in the tail (mean + 6 sd of a χ²(dof)): a sampler this far off is wrong, not unlucky. */
const critical = (dof: number) => dof + 6 * Math.sqrt(2 * dof);

function rankCounts(sample: () => number, n: number, samples: number): Float64Array {
  const counts = new Float64Array(n);
  for (let i = 0; i < samples; i++) counts[sample() - 1]++;
  return counts;
}

describe('exact Zipf', () => {
  const N = 1000;
  const SAMPLES = 1_000_000;
  for (const alpha of [0.5, 1.0, 1.5]) {
    const pmf = zipfProbabilities(N, alpha);

    it(`alias table matches the pmf for α = ${alpha}`, () => {
      const keys = new ZipfKeys(N, alpha, new RandomSource(7));
      const counts = rankCounts(() => keys.nextKey() + 1, N, SAMPLES);
      const { stat, dof } = chiSquare(counts, pmf, SAMPLES, 100);
      assert.ok(stat < critical(dof), `χ² = ${stat.toFixed(1)} with ${dof} dof`);
      // Rank 1 within 5 standard deviations of its exact expectation.
      const sd = Math.sqrt(SAMPLES * pmf[0] * (1 - pmf[0]));
      assert.ok(Math.abs(counts[0] - SAMPLES * pmf[0]) < 5 * sd);
    });

    it(`rejection-inversion matches the pmf for α = ${alpha}`, () => {
      const sampler = new ZipfRejectionInversion(N, alpha);
      const rng = new RandomSource(8);
      const counts = rankCounts(() => sampler.sample(rng), N, SAMPLES);
      const { stat, dof } = chiSquare(counts, pmf, SAMPLES, 100);
      assert.ok(stat < critical(dof), `χ² = ${stat.toFixed(1)} with ${dof} dof`);
    });
  }

  it('rejection-inversion stays in range and exact when the count changes', () => {
    const sampler = new ZipfRejectionInversion(10, 0.99);
    const rng = new RandomSource(3);
    sampler.setCount(50);
    const counts = rankCounts(() => sampler.sample(rng), 50, 500_000);
    const { stat, dof } = chiSquare(counts, zipfProbabilities(50, 0.99), 500_000, 49);
    assert.ok(stat < critical(dof), `χ² = ${stat.toFixed(1)}`);
  });

  it('handles a keyspace of one', () => {
    const keys = new ZipfKeys(1, 1.2, new RandomSource(1));
    for (let i = 0; i < 100; i++) assert.equal(keys.nextKey(), 0);
    const sampler = new ZipfRejectionInversion(1, 0.7);
    for (let i = 0; i < 100; i++) assert.equal(sampler.sample(new RandomSource(i)), 1);
  });

  it('rejects α ≤ 0', () => {
    assert.throws(() => new ZipfKeys(10, 0, new RandomSource(1)), /alpha must be a number > 0/);
  });
});

describe('alias table', () => {
  it('samples arbitrary weights, zeros never', () => {
    const weights = new Float64Array([0, 1, 2, 0, 5]);
    const table = new AliasTable(weights);
    const rng = new RandomSource(11);
    const counts = new Float64Array(5);
    const samples = 400_000;
    for (let i = 0; i < samples; i++) counts[table.sample(rng)]++;
    assert.equal(counts[0], 0);
    assert.equal(counts[3], 0);
    const observed = new Float64Array([counts[1], counts[2], counts[4]]);
    const { stat } = chiSquare(observed, new Float64Array([1 / 8, 2 / 8, 5 / 8]), samples, 2);
    assert.ok(stat < critical(2), `χ² = ${stat.toFixed(1)}`);
  });
});

describe('scrambled Zipf', () => {
  it('hashes like YCSB fnvhash64 (FNV-1a 64 over 8 little-endian bytes, abs, mod n)', () => {
    const reference = (value: bigint, n: bigint): bigint => {
      let h = 0xcbf29ce484222325n;
      let v = value;
      for (let i = 0; i < 8; i++) {
        h ^= v & 0xffn;
        v >>= 8n;
        h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
      }
      if (h >= 1n << 63n) h = (1n << 64n) - h; // Java Math.abs of the signed long
      return h % n;
    };
    for (const n of [1, 7, 1000, 1_000_003, 2_147_483_647]) {
      for (const value of [0, 1, 2, 255, 256, 65_537, 4_294_967_295, 4_294_967_296, 123_456_789_012]) {
        assert.equal(scrambleRank(value, n), Number(reference(BigInt(value), BigInt(n))), `value ${value} mod ${n}`);
      }
    }
  });

  it('keeps the head of the rank-frequency profile but spreads the hot keys', () => {
    const N = 100_000;
    const SAMPLES = 1_000_000;
    const alpha = 0.99;
    const keys = new ScrambledZipfKeys(N, alpha, new RandomSource(5));
    const counts = new Float64Array(N);
    for (let i = 0; i < SAMPLES; i++) counts[keys.nextKey()]++;
    const pmf = zipfProbabilities(N, alpha);
    const byFrequency = Array.from(counts.entries()).sort((a, b) => b[1] - a[1]);
    for (let r = 0; r < 10; r++) {
      const expected = SAMPLES * pmf[r];
      const sd = Math.sqrt(expected * (1 - pmf[r]));
      assert.ok(Math.abs(byFrequency[r][1] - expected) < 6 * sd, `rank ${r + 1}: ${byFrequency[r][1]} vs ${expected.toFixed(0)}`);
    }
    // The ten hottest keys are not the ten lowest ids, and are spread over the keyspace.
    const hottest = byFrequency.slice(0, 10).map(([key]) => key);
    assert.ok(hottest.filter((key) => key < 10).length <= 1);
    assert.ok(Math.max(...hottest) - Math.min(...hottest) > N / 4);
    // The hottest key is rank 1 (0-based rank 0) hashed.
    assert.equal(hottest[0], scrambleRank(0, N));
  });
});

describe('zipf workload determinism', () => {
  const spec = (distribution: SyntheticWorkloadSpec['distribution']): SyntheticWorkloadSpec => ({
    kind: 'synthetic',
    keys: 5000,
    distribution,
    requests: 20_000,
    duration: null,
    arrival: { type: 'poisson', rate: 1000 },
    mix: { get: 0.9, set: 0.1, delete: 0 },
    value_size: { type: 'lognormal', p50: 100, p99: 1000 },
  });
  const drain = (seed: number, distribution: SyntheticWorkloadSpec['distribution']) => {
    const stream = createWorkload(spec(distribution), seed);
    const batch = new AccessBatch(1000);
    const keys: number[] = [];
    while (stream.next(batch) > 0) for (let i = 0; i < batch.length; i++) keys.push(batch.key[i]);
    return keys;
  };
  for (const distribution of [
    { type: 'zipf', alpha: 1 },
    { type: 'scrambled-zipf', alpha: 0.8 },
  ] as const) {
    it(`${distribution.type}: same seed, same keys; another seed, other keys`, () => {
      assert.deepEqual(drain(1, distribution), drain(1, distribution));
      assert.notDeepEqual(drain(1, distribution), drain(2, distribution));
    });
  }
});
