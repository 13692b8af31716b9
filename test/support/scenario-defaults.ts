import { SCENARIO_DEFAULTS } from '../../src/scenario/defaults.js';
import type { CacheSpec, Scenario } from '../../src/scenario/scenario.js';

/** What a resolved one-tier cache-aside cache holds beside its policy, capacity, TTL and latency. */
export const ONE_TIER: Pick<CacheSpec, 'shared' | 'local' | 'pubsub' | 'write_behind' | 'stampede' | 'on_cache_error'> = {
  shared: true,
  local: null,
  pubsub: null,
  write_behind: null,
  stampede: { ...SCENARIO_DEFAULTS.stampede },
  on_cache_error: 'fallback',
};

/** One application server, no faults: the resolved topology of a scenario that names none. */
export const ONE_NODE: Pick<Scenario, 'topology' | 'faults' | 'compare'> = { topology: { nodes: 1, routing: 'round-robin' }, faults: [], compare: [] };
