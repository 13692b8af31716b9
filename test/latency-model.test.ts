import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLatencySampler } from '../src/engine/latency-model.js';
import { InputError } from '../src/errors.js';
import { RandomSource } from '../src/random/random-source.js';
import type { LatencySpec } from '../src/scenario/scenario.js';

const SAMPLES = 200_000;

function draw(spec: LatencySpec, seed = 1): { samples: Float64Array; mean: number } {
  const sampler = createLatencySampler(spec, new RandomSource(seed));
  const samples = new Float64Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) samples[i] = sampler.sample();
  samples.sort();
  return { samples, mean: sampler.mean };
}

const average = (values: Float64Array) => values.reduce((a, b) => a + b, 0) / values.length;
const quantile = (sorted: Float64Array, q: number) => sorted[Math.floor(q * (sorted.length - 1))];
const close = (actual: number, expected: number, relative: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${what}: ${actual} vs ${expected}`);

describe('latency samplers', () => {
  it('constant', () => {
    const { samples, mean } = draw({ type: 'constant', value: 0.2 });
    assert.equal(mean, 0.2);
    assert.ok(samples.every((x) => x === 0.2));
  });

  it('uniform: within [min, max], mean in the middle', () => {
    const { samples, mean } = draw({ type: 'uniform', min: 2, max: 6 });
    assert.equal(mean, 4);
    assert.ok(samples[0] >= 2 && samples[SAMPLES - 1] <= 6);
    close(average(samples), 4, 0.01, 'sample mean');
    close(quantile(samples, 0.5), 4, 0.02, 'median');
  });

  it('normal far from 0 behaves like the normal', () => {
    const { samples, mean } = draw({ type: 'normal', mean: 10, stddev: 2 });
    close(mean, 10, 1e-6, 'reported mean');
    close(average(samples), 10, 0.005, 'sample mean');
    close(quantile(samples, 0.975), 10 + 1.96 * 2, 0.01, 'p97.5');
  });

  it('normal near 0 is truncated, never negative, and reports the truncated mean', () => {
    const { samples, mean } = draw({ type: 'normal', mean: 0, stddev: 1 });
    assert.ok(samples[0] >= 0);
    // Half-normal: mean σ·√(2/π).
    close(mean, Math.sqrt(2 / Math.PI), 1e-5, 'reported mean');
    close(average(samples), Math.sqrt(2 / Math.PI), 0.01, 'sample mean');
  });

  it('exponential by mean', () => {
    const { samples, mean } = draw({ type: 'exponential', mean: 5 });
    assert.equal(mean, 5);
    assert.ok(samples[0] >= 0);
    close(average(samples), 5, 0.015, 'sample mean');
    close(quantile(samples, 0.5), 5 * Math.LN2, 0.02, 'median');
  });

  it('lognormal hits the given p50 and p99', () => {
    const { samples, mean } = draw({ type: 'lognormal', p50: 5, p99: 40 });
    close(quantile(samples, 0.5), 5, 0.01, 'p50');
    close(quantile(samples, 0.99), 40, 0.04, 'p99');
    const sigma = Math.log(8) / 2.326348;
    close(mean, 5 * Math.exp((sigma * sigma) / 2), 1e-9, 'reported mean');
    close(average(samples), mean, 0.02, 'sample mean');
  });

  it('is deterministic per seed', () => {
    const spec: LatencySpec = { type: 'lognormal', p50: 1, p99: 10 };
    assert.deepEqual(draw(spec, 3).samples, draw(spec, 3).samples);
    assert.notDeepEqual(draw(spec, 3).samples, draw(spec, 4).samples);
  });

  it('rejects impossible parameters with a message', () => {
    const bad: LatencySpec[] = [
      { type: 'constant', value: -1 },
      { type: 'uniform', min: 5, max: 1 },
      { type: 'normal', mean: 1, stddev: -1 },
      { type: 'lognormal', p50: 10, p99: 5 },
      { type: 'lognormal', p50: 0, p99: 5 },
    ];
    for (const spec of bad) assert.throws(() => createLatencySampler(spec, new RandomSource(1)), InputError);
  });
});
