/**
 * LRU and FIFO against their analytical hit rates under the independent reference model (IRM) with Zipf
 * popularity: Che's approximation for LRU (Che, Tung & Wang 2002; Fricker, Robert & Roberts 2012) and its
 * FIFO analogue h_i = p_i·T / (1 + p_i·T) (Dan & Towsley 1990; Martina et al. 2014). Both are known to be
 * accurate to well under a percentage point at these sizes, so a policy off by more than 0.01 is wrong.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPolicy } from '../src/policies/registry.js';
import { RandomSource } from '../src/random/random-source.js';

const WARM_UP_REQUESTS = 300_000;
const MEASURED_REQUESTS = 1_000_000;
const TOLERANCE = 0.01;

function zipfProbabilities(keys: number, alpha: number): Float64Array {
  const p = new Float64Array(keys);
  let total = 0;
  for (let i = 0; i < keys; i++) total += p[i] = 1 / (i + 1) ** alpha;
  for (let i = 0; i < keys; i++) p[i] /= total;
  return p;
}

/** Draws key ids with the given probabilities: inverse CDF by binary search over the cumulative table. */
function zipfStream(p: Float64Array, seed: number): () => number {
  const cumulative = new Float64Array(p.length);
  let sum = 0;
  for (let i = 0; i < p.length; i++) cumulative[i] = sum += p[i];
  const random = RandomSource.derive(seed, 'che-approximation');
  return () => {
    const u = random.nextFloat() * sum;
    let low = 0;
    let high = p.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle] <= u) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

/** Solves occupancy(T) = capacity for the characteristic time T by bisection (occupancy rises with T). */
function characteristicTime(occupancy: (t: number) => number, capacity: number): number {
  let low = 0;
  let high = 1;
  while (occupancy(high) < capacity) high *= 2;
  for (let i = 0; i < 200; i++) {
    const middle = (low + high) / 2;
    if (occupancy(middle) < capacity) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/** Expected hit rate when key i stays cached with probability inCache(p_i, T). */
function predictedHitRate(p: Float64Array, capacity: number, inCache: (pi: number, t: number) => number): number {
  const occupancy = (t: number) => p.reduce((sum, pi) => sum + inCache(pi, t), 0);
  const t = characteristicTime(occupancy, capacity);
  return p.reduce((sum, pi) => sum + pi * inCache(pi, t), 0);
}

const lruInCache = (pi: number, t: number) => 1 - Math.exp(-pi * t);
const fifoInCache = (pi: number, t: number) => (pi * t) / (1 + pi * t);

function simulatedHitRate(policy: string, p: Float64Array, capacity: number, seed: number): number {
  const cache = createPolicy(policy, { capacity, unit: 'entries', keySpaceHint: p.length, seed });
  const next = zipfStream(p, seed);
  let hits = 0;
  for (let request = 0; request < WARM_UP_REQUESTS + MEASURED_REQUESTS; request++) {
    const key = next();
    if (cache.get(key, request)) {
      if (request >= WARM_UP_REQUESTS) hits++;
    } else {
      cache.set(key, 1, Number.POSITIVE_INFINITY, request);
    }
  }
  cache.checkInvariants();
  return hits / MEASURED_REQUESTS;
}

const CASES = [
  { keys: 10_000, alpha: 0.8, capacity: 100 },
  { keys: 10_000, alpha: 1.0, capacity: 1_000 },
  { keys: 100_000, alpha: 1.0, capacity: 1_000 },
  { keys: 100_000, alpha: 0.8, capacity: 10_000 },
];

describe('IRM Zipf hit rates match the characteristic-time approximations', () => {
  for (const [policy, inCache] of [
    ['lru', lruInCache],
    ['fifo', fifoInCache],
  ] as const) {
    for (const { keys, alpha, capacity } of CASES) {
      it(`${policy}: N=${keys}, alpha=${alpha}, C=${capacity}`, () => {
        const p = zipfProbabilities(keys, alpha);
        const predicted = predictedHitRate(p, capacity, inCache);
        const simulated = simulatedHitRate(policy, p, capacity, keys + capacity);
        assert.ok(
          Math.abs(simulated - predicted) <= TOLERANCE,
          `${policy} hit rate ${simulated.toFixed(4)}, approximation ${predicted.toFixed(4)}`,
        );
      });
    }
  }
});
