import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runScenario } from '../src/run/run-scenario.js';
import { ONE_NODE } from './support/scenario-defaults.js';
import type { Scenario } from '../src/scenario/scenario.js';

/** Erlang's C formula: the probability that an arrival waits in an M/M/c queue with offered load a = λ/μ. */
function erlangC(servers: number, offeredLoad: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 1; k < servers; k++) {
    term *= offeredLoad / k;
    sum += term;
  }
  const last = (term * offeredLoad) / servers;
  const rho = offeredLoad / servers;
  const waiting = last / (1 - rho);
  return waiting / (sum + waiting);
}

function baselineScenario(rate: number, meanServiceMs: number, servers: number, requests: number, seed: number): Scenario {
  return {
    name: 'mmc',
    file: '<inline>',
    mode: 'simulate',
    seed,
    workload: {
      kind: 'synthetic',
      keys: 1000,
      distribution: { type: 'uniform' },
      requests,
      duration: null,
      arrival: { type: 'poisson', rate },
      mix: { get: 1, set: 0, delete: 0 },
      value_size: { type: 'fixed', size: 100 },
    },
    database: {
      latency: { type: 'exponential', mean: meanServiceMs },
      write_latency: { type: 'exponential', mean: meanServiceMs },
      max_concurrency: servers,
      timeout: null,
    },
    cache: null,
    max_staleness: null,
    ...ONE_NODE,
    timeseries_window: 1000,
    thresholds: [],
    matrix: null,
  };
}

describe('the no-cache baseline as a queue', () => {
  // Near saturation a queue forgets its past slowly, so the sample mean needs many more requests.
  for (const { rate, service, servers, requests } of [
    { rate: 800, service: 10, servers: 10, requests: 400_000 }, // ρ = 0.8
    { rate: 450, service: 4, servers: 2, requests: 2_000_000 }, // ρ = 0.9
  ]) {
    it(`agrees with M/M/${servers} (Erlang C) mean response time within 5% at ρ = ${(rate * service) / 1000 / servers}`, async () => {
      const result = await runScenario(baselineScenario(rate, service, servers, requests, 7), { name: 'mmc', params: {} }, []);
      const mu = 1000 / service; // per second
      const a = rate / mu;
      const expectedWaitS = erlangC(servers, a) / (servers * mu - rate);
      const expectedMs = (expectedWaitS + 1 / mu) * 1000;
      const measured = result.baseline.latency_ms?.mean ?? Number.NaN;
      assert.ok(Math.abs(measured - expectedMs) / expectedMs < 0.05, `mean ${measured} ms vs Erlang C ${expectedMs} ms`);
      // Little's law on the pool: mean busy connections = λ · mean service.
      assert.ok(result.baseline.db.max_inflight <= servers);
    });
  }

  it('gives the same numbers for the same seed, and different ones for another', async () => {
    const a = await runScenario(baselineScenario(500, 5, 4, 20_000, 1), { name: 'a', params: {} }, []);
    const b = await runScenario(baselineScenario(500, 5, 4, 20_000, 1), { name: 'a', params: {} }, []);
    const c = await runScenario(baselineScenario(500, 5, 4, 20_000, 2), { name: 'a', params: {} }, []);
    assert.deepEqual(a, b);
    assert.notEqual(a.baseline.latency_ms?.mean, c.baseline.latency_ms?.mean);
  });
});
