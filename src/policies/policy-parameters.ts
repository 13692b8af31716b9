import { InputError } from '../errors.js';

/** One tunable of a policy, as a scenario would name it (Redis's own config names for Redis's policies). */
export interface ParameterSpec {
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** Whole numbers only. */
  readonly integer: boolean;
  /** What it does, with its unit: shown when a value is rejected. */
  readonly description: string;
}

export type ParameterSpecs = Readonly<Record<string, ParameterSpec>>;

/**
 * Every parameter of `specs` with the given value or its default. A name not in `specs`, or a value that
 * is not a number in range, is an input error that names the policy and lists what would be valid.
 * Runs once per cache, never per request.
 */
export function resolveParameters(policy: string, specs: ParameterSpecs, given: Readonly<Record<string, number>> | undefined): Record<string, number> {
  const names = Object.keys(specs);
  const resolved: Record<string, number> = {};
  for (const name of names) resolved[name] = specs[name].default;
  if (given === undefined) return resolved;
  for (const [name, value] of Object.entries(given)) {
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (spec === undefined) {
      const valid = names.length === 0 ? `policy "${policy}" takes no parameters` : `valid parameters: ${names.join(', ')}`;
      throw new InputError(`unknown parameter "${name}" for cache policy "${policy}"; ${valid}`);
    }
    const wholeOk = !spec.integer || Number.isInteger(value);
    if (typeof value !== 'number' || Number.isNaN(value) || value < spec.min || value > spec.max || !wholeOk) {
      throw new InputError(
        `cache policy "${policy}" parameter "${name}" must be ${spec.integer ? 'a whole number' : 'a number'} from ${spec.min} to ${spec.max} (${spec.description}), got ${value}`,
      );
    }
    resolved[name] = value;
  }
  return resolved;
}
