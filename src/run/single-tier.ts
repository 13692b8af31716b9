import { CacheTier } from '../engine/cache-tier.js';
import { createPolicy } from '../policies/registry.js';
import type { Scenario } from '../scenario/scenario.js';

/** The one tier an untimed replay runs `scenario.cache` in (none without a cache), alone or as a sweep's lane. */
export function singleTierOf(scenario: Scenario, keySpaceHint: number): CacheTier | null {
  const spec = scenario.cache;
  if (spec === null) return null;
  const policy = createPolicy(spec.policy, {
    capacity: spec.capacity,
    unit: spec.capacity_unit,
    keySpaceHint,
    seed: scenario.seed,
    parameters: spec.parameters,
  });
  return new CacheTier(policy, spec.ttl);
}
