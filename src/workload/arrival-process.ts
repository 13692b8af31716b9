import { InputError } from '../errors.js';
import type { RandomSource } from '../random/random-source.js';
import type { ArrivalSpec } from '../scenario/scenario.js';

/** Generated arrival times (ms), non-decreasing. */
export interface ArrivalProcess {
  next(): number;
}

/**
 * Arrivals for a generated schedule. `poisson`: a Poisson process started at 0 — exponential gaps of mean
 * 1000/rate ms, the first arrival one gap after 0. `constant`: arrival i (from 0) at exactly i·1000/rate ms,
 * computed from i rather than summed so that rounding never drifts.
 */
export function createArrivalProcess(spec: ArrivalSpec & { type: 'poisson' | 'constant' }, rng: RandomSource): ArrivalProcess {
  if (!(spec.rate > 0) || !Number.isFinite(spec.rate)) {
    throw new InputError(`arrival rate must be a number of requests per second > 0, got ${spec.rate}`);
  }
  const gap = 1000 / spec.rate;
  if (spec.type === 'poisson') {
    let t = 0;
    return {
      next: () => {
        t += rng.nextExponential(gap);
        return t;
      },
    };
  }
  let i = 0;
  return { next: () => i++ * gap };
}

export function isGeneratedArrival(spec: ArrivalSpec): spec is ArrivalSpec & { type: 'poisson' | 'constant' } {
  return spec.type === 'poisson' || spec.type === 'constant';
}
