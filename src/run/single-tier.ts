import type { CacheTier } from '../engine/cache-tier.js';
import type { Scenario } from '../scenario/scenario.js';
import { tierOf } from '../topology/topology.js';

/** The one tier an untimed replay runs `scenario.cache` in (none without a cache), alone or as a sweep's lane. */
export function singleTierOf(scenario: Scenario, keySpaceHint: number): CacheTier | null {
  const spec = scenario.cache;
  if (spec === null) return null;
  return tierOf(spec, keySpaceHint, scenario.seed);
}
