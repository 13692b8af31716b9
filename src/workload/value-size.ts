import { InputError } from '../errors.js';
import type { RandomSource } from '../random/random-source.js';
import type { ValueSizeSpec } from '../scenario/scenario.js';
import { normalQuantile, Z_99 } from './normal-quantile.js';

/**
 * Object sizes of a synthetic workload. A key has one size for the whole run: its size is the size
 * distribution's quantile at a uniform u derived by hashing (salt, key id), so every get, set and delete of
 * the key carries the same number of bytes, the per-key sizes follow the configured distribution across
 * keys, and no per-key state is kept (keyspaces of 10^8 cost nothing). A set rewrites the key with the
 * same size — size churn on overwrite is not modelled; replay a trace for that.
 */
export interface ValueSizeModel {
  /** Size in bytes (an integer ≥ 1) of `key`. */
  sizeOf(key: number): number;
}

const MAX_SIZE = 0x7fffffff;

export function createValueSizeModel(spec: ValueSizeSpec, rng: RandomSource): ValueSizeModel {
  const salt = rng.nextUint32();
  switch (spec.type) {
    case 'fixed': {
      checkSize('value_size.size', spec.size);
      const size = Math.max(1, Math.round(spec.size));
      return { sizeOf: () => size };
    }
    case 'uniform': {
      checkSize('value_size.min', spec.min);
      checkSize('value_size.max', spec.max);
      const min = Math.max(1, Math.round(spec.min));
      const max = Math.round(spec.max);
      if (max < min) throw new InputError(`value_size: max (${spec.max}) must be ≥ min (${spec.min})`);
      const span = max - min + 1;
      return { sizeOf: (key) => min + Math.floor(keyUniform(key, salt) * span) };
    }
    case 'lognormal': {
      checkSize('value_size.p50', spec.p50);
      checkSize('value_size.p99', spec.p99);
      if (spec.p99 < spec.p50) throw new InputError(`value_size: p99 (${spec.p99}) must be ≥ p50 (${spec.p50})`);
      const mu = Math.log(spec.p50);
      const sigma = (Math.log(spec.p99) - mu) / Z_99;
      return {
        sizeOf: (key) => {
          const size = Math.round(Math.exp(mu + sigma * normalQuantile(keyUniform(key, salt))));
          return Math.min(MAX_SIZE, Math.max(1, size));
        },
      };
    }
  }
}

function checkSize(field: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new InputError(`${field} must be a size > 0 bytes, got ${value}`);
}

/** A uniform in (0, 1) that is a fixed function of (key, salt): murmur3's 32-bit finaliser over both. */
function keyUniform(key: number, salt: number): number {
  let h = Math.imul(key ^ salt, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return ((h >>> 0) + 0.5) / 4294967296;
}
