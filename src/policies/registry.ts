import { InputError } from '../errors.js';
import type { EvictionPolicy, PolicyFactory, PolicyOptions } from './eviction-policy.js';
import { type ParameterSpecs, resolveParameters } from './policy-parameters.js';
import { ArcPolicy } from './arc.js';
import { ClockPolicy } from './clock.js';
import { FifoPolicy } from './fifo.js';
import { LfuPolicy } from './lfu.js';
import { LirsPolicy } from './lirs.js';
import { LruPolicy } from './lru.js';
import { RandomPolicy } from './random.js';
import { REDIS_LFU_PARAMETERS, RedisLfuPolicy } from './redis-lfu.js';
import { REDIS_LRU_PARAMETERS, RedisLruPolicy } from './redis-lru.js';
import { S3FifoPolicy } from './s3fifo.js';
import { SievePolicy } from './sieve.js';
import { TtlPolicy } from './ttl.js';
import { TwoQPolicy } from './twoq.js';
import { WTINYLFU_PARAMETERS, WTinyLfuPolicy } from './wtinylfu.js';

interface RegisteredPolicy {
  create: PolicyFactory;
  /** The tunables `PolicyOptions.parameters` may set; none unless listed. */
  parameters: ParameterSpecs;
}

const NO_PARAMETERS: ParameterSpecs = {};

/** Policy names as written in scenarios (`cache.policy`), each with its factory and its parameters. */
const POLICIES = new Map<string, RegisteredPolicy>([
  ['lru', { create: (options) => new LruPolicy(options), parameters: NO_PARAMETERS }],
  ['fifo', { create: (options) => new FifoPolicy(options), parameters: NO_PARAMETERS }],
  ['lfu', { create: (options) => new LfuPolicy(options), parameters: NO_PARAMETERS }],
  ['clock', { create: (options) => new ClockPolicy(options), parameters: NO_PARAMETERS }],
  ['sieve', { create: (options) => new SievePolicy(options), parameters: NO_PARAMETERS }],
  ['random', { create: (options) => new RandomPolicy(options), parameters: NO_PARAMETERS }],
  ['ttl', { create: (options) => new TtlPolicy(options), parameters: NO_PARAMETERS }],
  ['s3fifo', { create: (options) => new S3FifoPolicy(options), parameters: NO_PARAMETERS }],
  ['arc', { create: (options) => new ArcPolicy(options), parameters: NO_PARAMETERS }],
  ['twoq', { create: (options) => new TwoQPolicy(options), parameters: NO_PARAMETERS }],
  ['wtinylfu', { create: (options) => new WTinyLfuPolicy(options), parameters: WTINYLFU_PARAMETERS }],
  ['redis-lru', { create: (options) => new RedisLruPolicy(options), parameters: REDIS_LRU_PARAMETERS }],
  ['redis-lfu', { create: (options) => new RedisLfuPolicy(options), parameters: REDIS_LFU_PARAMETERS }],
  ['lirs', { create: (options) => new LirsPolicy(options), parameters: NO_PARAMETERS }],
]);

export const POLICY_NAMES: readonly string[] = Object.freeze([...POLICIES.keys()]);

/** The parameters a policy accepts (names, defaults, ranges), for validating scenarios and for help text. */
export function policyParameters(name: string): ParameterSpecs | undefined {
  return POLICIES.get(name)?.parameters;
}

/**
 * Builds the named policy; an unknown name is an input error that lists the valid ones, and so is a
 * parameter the policy does not take or a value out of its range.
 */
export function createPolicy(name: string, options: PolicyOptions): EvictionPolicy {
  const policy = POLICIES.get(name);
  if (policy === undefined) {
    const nearest = nearestName(name, POLICY_NAMES);
    throw new InputError(
      `unknown cache policy "${name}"${nearest === undefined ? '' : ` (did you mean "${nearest}"?)`}; valid policies: ${POLICY_NAMES.join(', ')}`,
    );
  }
  resolveParameters(name, policy.parameters, options.parameters);
  return policy.create(options);
}

/** The valid name with the smallest edit distance, compared case-insensitively. */
function nearestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}
