import { InputError } from '../errors.js';
import type { RandomSource } from '../random/random-source.js';
import type { LatencySpec } from '../scenario/scenario.js';
import { Z_99 } from '../workload/normal-quantile.js';

/** Draws service times, in ms, never negative. */
export interface LatencySampler {
  sample(): number;
  /** The distribution's exact mean, in ms (for reports and sanity checks, not estimated from samples). */
  readonly mean: number;
}

/** A sampler plus an added latency that changes during a run (the `cache-slow` windows open now). */
export class SlowedLatency implements LatencySampler {
  addedMs = 0;

  constructor(private readonly base: LatencySampler) {}

  sample(): number {
    return this.base.sample() + this.addedMs;
  }

  get mean(): number {
    return this.base.mean + this.addedMs;
  }
}

/**
 * A latency model from its spec:
 * - constant: always `value`;
 * - uniform: uniform on [min, max];
 * - normal: N(mean, stddev²) truncated at 0 — negative draws are redrawn, not clamped, so there is no
 *   spike of zero latencies; `mean` reports the truncated distribution's mean;
 * - exponential: exponential with the given mean;
 * - lognormal from its median and 99th percentile: μ = ln p50, σ = (ln p99 − ln p50) / z₀.₉₉ with
 *   z₀.₉₉ = 2.326348, so the model's p50 and p99 are exactly the ones given.
 */
export function createLatencySampler(spec: LatencySpec, rng: RandomSource): LatencySampler {
  switch (spec.type) {
    case 'constant': {
      nonNegative('latency value', spec.value);
      const value = spec.value;
      return { mean: value, sample: () => value };
    }
    case 'uniform': {
      nonNegative('latency min', spec.min);
      nonNegative('latency max', spec.max);
      if (spec.max < spec.min) throw new InputError(`latency: max (${spec.max} ms) must be ≥ min (${spec.min} ms)`);
      const { min } = spec;
      const span = spec.max - min;
      return { mean: min + span / 2, sample: () => min + rng.nextFloat() * span };
    }
    case 'normal': {
      nonNegative('latency mean', spec.mean);
      nonNegative('latency stddev', spec.stddev);
      const { mean, stddev } = spec;
      if (stddev === 0) return { mean, sample: () => mean };
      // Truncated-normal mean: μ + σ·φ(a)/(1 − Φ(a)) with a = −μ/σ. Acceptance is ≥ 1/2 because μ ≥ 0.
      const a = -mean / stddev;
      const truncatedMean = mean + (stddev * standardNormalDensity(a)) / (1 - standardNormalCdf(a));
      return {
        mean: truncatedMean,
        sample: () => {
          for (;;) {
            const x = mean + stddev * rng.nextGaussian();
            if (x >= 0) return x;
          }
        },
      };
    }
    case 'exponential': {
      nonNegative('latency mean', spec.mean);
      const { mean } = spec;
      return { mean, sample: () => rng.nextExponential(mean) };
    }
    case 'lognormal': {
      positive('latency p50', spec.p50);
      positive('latency p99', spec.p99);
      if (spec.p99 < spec.p50) throw new InputError(`latency: p99 (${spec.p99} ms) must be ≥ p50 (${spec.p50} ms)`);
      const mu = Math.log(spec.p50);
      const sigma = (Math.log(spec.p99) - mu) / Z_99;
      return {
        mean: Math.exp(mu + (sigma * sigma) / 2),
        sample: () => Math.exp(mu + sigma * rng.nextGaussian()),
      };
    }
    default:
      throw new InputError(
        `unknown latency type "${(spec as { type: string }).type}"; valid: constant, uniform, normal, exponential, lognormal`,
      );
  }
}

function nonNegative(field: string, value: number): void {
  if (!(value >= 0) || !Number.isFinite(value)) throw new InputError(`${field} must be a time ≥ 0 ms, got ${value}`);
}

function positive(field: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new InputError(`${field} must be a time > 0 ms, got ${value}`);
}

function standardNormalDensity(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/**
 * Φ(x) via erfc, using the Chebyshev fit of Numerical Recipes (erfcc, fractional error < 1.2e-7
 * everywhere) — only used once per sampler to report its mean.
 */
function standardNormalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}
