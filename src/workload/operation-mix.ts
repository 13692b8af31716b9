import { InputError } from '../errors.js';
import type { RandomSource } from '../random/random-source.js';
import type { OperationMix } from '../scenario/scenario.js';
import { OP_DELETE, OP_GET, OP_SET, type Op } from './access-event.js';

/** How far the fractions may sum from 1 (they come from YAML decimals like 0.95 + 0.05). */
const MIX_SUM_TOLERANCE = 1e-6;

/** Draws each request's operation independently with the mix's fractions. */
export class OperationChooser {
  private readonly getBelow: number;
  private readonly setBelow: number;
  /** A pure-read mix draws nothing, so it costs nothing. */
  private readonly readOnly: boolean;

  constructor(
    mix: OperationMix,
    private readonly rng: RandomSource,
  ) {
    for (const name of ['get', 'set', 'delete'] as const) {
      const f = mix[name];
      if (!(f >= 0 && f <= 1)) throw new InputError(`workload.mix.${name} must be a fraction in [0, 1], got ${f}`);
    }
    const sum = mix.get + mix.set + mix.delete;
    if (Math.abs(sum - 1) > MIX_SUM_TOLERANCE) {
      throw new InputError(
        `workload.mix fractions must sum to 1, got get ${mix.get} + set ${mix.set} + delete ${mix.delete} = ${sum}`,
      );
    }
    this.getBelow = mix.get / sum;
    this.setBelow = (mix.get + mix.set) / sum;
    this.readOnly = mix.get === sum;
  }

  next(): Op {
    if (this.readOnly) return OP_GET;
    const u = this.rng.nextFloat();
    return u < this.getBelow ? OP_GET : u < this.setBelow ? OP_SET : OP_DELETE;
  }
}
