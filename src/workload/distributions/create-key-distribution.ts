import { InputError } from '../../errors.js';
import type { RandomSource } from '../../random/random-source.js';
import type { KeyDistributionSpec } from '../../scenario/scenario.js';
import { HotspotKeys } from './hotspot.js';
import type { KeyDistribution } from './key-distribution.js';
import { LatestKeys } from './latest.js';
import { ScrambledZipfKeys } from './scrambled-zipf.js';
import { SequentialKeys } from './sequential.js';
import { UniformKeys } from './uniform.js';
import { ZipfKeys } from './zipf.js';

type Factory<T extends KeyDistributionSpec['type']> = (
  spec: Extract<KeyDistributionSpec, { type: T }>,
  keys: number,
  rng: RandomSource,
) => KeyDistribution;

const FACTORIES: { [T in KeyDistributionSpec['type']]: Factory<T> } = {
  uniform: (_spec, keys, rng) => new UniformKeys(keys, rng),
  zipf: (spec, keys, rng) => new ZipfKeys(keys, spec.alpha, rng),
  'scrambled-zipf': (spec, keys, rng) => new ScrambledZipfKeys(keys, spec.alpha, rng),
  hotspot: (spec, keys, rng) => {
    if (!(spec.hot_fraction >= 0 && spec.hot_fraction <= 1)) {
      throw new InputError(`distribution.hot_fraction must be a fraction in [0, 1], got ${spec.hot_fraction}`);
    }
    if (!(spec.hot_probability >= 0 && spec.hot_probability <= 1)) {
      throw new InputError(`distribution.hot_probability must be a fraction in [0, 1], got ${spec.hot_probability}`);
    }
    return new HotspotKeys(keys, spec.hot_fraction, spec.hot_probability, rng);
  },
  latest: (spec, keys, rng) => new LatestKeys(keys, spec.alpha, rng),
  sequential: (_spec, keys) => new SequentialKeys(keys),
};

/** The key distribution a spec names, over `keys` keys (ids 0..keys−1), drawing from `rng`. */
export function createKeyDistribution(spec: KeyDistributionSpec, keys: number, rng: RandomSource): KeyDistribution {
  if (!Number.isInteger(keys) || keys < 1 || keys > 0x7fffffff) {
    throw new InputError(`workload.keys must be a whole number between 1 and 2147483647, got ${keys}`);
  }
  const factory = FACTORIES[spec.type] as Factory<typeof spec.type> | undefined;
  if (factory === undefined) {
    throw new InputError(
      `unknown key distribution "${(spec as { type: string }).type}"; valid: ${Object.keys(FACTORIES).join(', ')}`,
    );
  }
  return factory(spec as never, keys, rng);
}
