import { InputError } from '../errors.js';
import type { EvictionPolicy, PolicyFactory, PolicyOptions } from './eviction-policy.js';
import { ClockPolicy } from './clock.js';
import { FifoPolicy } from './fifo.js';
import { LfuPolicy } from './lfu.js';
import { LruPolicy } from './lru.js';
import { RandomPolicy } from './random.js';
import { S3FifoPolicy } from './s3fifo.js';
import { SievePolicy } from './sieve.js';
import { TtlPolicy } from './ttl.js';

/** Policy names as written in scenarios (`cache.policy`), each with its factory. */
const FACTORIES = new Map<string, PolicyFactory>([
  ['lru', (options) => new LruPolicy(options)],
  ['fifo', (options) => new FifoPolicy(options)],
  ['lfu', (options) => new LfuPolicy(options)],
  ['clock', (options) => new ClockPolicy(options)],
  ['sieve', (options) => new SievePolicy(options)],
  ['random', (options) => new RandomPolicy(options)],
  ['ttl', (options) => new TtlPolicy(options)],
  ['s3fifo', (options) => new S3FifoPolicy(options)],
]);

export const POLICY_NAMES: readonly string[] = Object.freeze([...FACTORIES.keys()]);

/** Builds the named policy; an unknown name is an input error that lists the valid ones. */
export function createPolicy(name: string, options: PolicyOptions): EvictionPolicy {
  const factory = FACTORIES.get(name);
  if (factory === undefined) {
    const nearest = nearestName(name, POLICY_NAMES);
    throw new InputError(
      `unknown cache policy "${name}"${nearest === undefined ? '' : ` (did you mean "${nearest}"?)`}; valid policies: ${POLICY_NAMES.join(', ')}`,
    );
  }
  return factory(options);
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
