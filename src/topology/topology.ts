import { CacheTier, type TierFreshness } from '../engine/cache-tier.js';
import { RedisMemoryCharge } from '../engine/redis-memory-charge.js';
import { createLatencySampler, type LatencySampler, SlowedLatency } from '../engine/latency-model.js';
import type { EvictionPolicy } from '../policies/eviction-policy.js';
import { createPolicy } from '../policies/registry.js';
import { RandomSource } from '../random/random-source.js';
import type { CacheSpec, Scenario, TierSpec } from '../scenario/scenario.js';
import { NodeRouting } from './node-routing.js';

/**
 * A tier as its spec says: its policy at its capacity, its TTL — and, for the shared tier with
 * `memory_model: redis`, each entry charged its Redis memory against the capacity less the baseline.
 */
export function tierOf(spec: TierSpec & Pick<CacheSpec, 'memory_model'>, keySpaceHint: number, seed: number, freshness?: TierFreshness): CacheTier {
  const charge = spec.memory_model === undefined ? null : new RedisMemoryCharge(spec.memory_model);
  const capacity = charge === null ? spec.capacity : charge.capacityForKeys(spec.capacity);
  const newPolicy = (): EvictionPolicy =>
    createPolicy(spec.policy, { capacity, unit: spec.capacity_unit, keySpaceHint, seed, parameters: spec.parameters });
  return new CacheTier(newPolicy(), spec.ttl, freshness, newPolicy, charge);
}

/**
 * Where the cache tiers live (docs/scenario-reference.md, "Topology"): `nodes` application servers, each with an
 * optional local tier (L1), in front of an optional shared tier (L2). Requests reach nodes round-robin,
 * at random, or sticky by a hash of the key; a crashed node takes none until it restarts.
 */
export class Topology extends NodeRouting {
  /** The local tier of each node, or null. */
  readonly local: CacheTier[] | null;
  readonly shared: CacheTier | null;
  readonly localLatency: LatencySampler | null;
  /** The shared tier's latency, plus what `cache-slow` windows add while they are open. */
  readonly sharedLatency: SlowedLatency | null;
  /** The tier stampede protection works on: the shared one, or (without one) each node's local one. */
  readonly protectsShared: boolean;

  constructor(
    readonly spec: CacheSpec,
    readonly routing: Scenario['topology']['routing'],
    nodes: number,
    keySpaceHint: number,
    seed: number,
  ) {
    super(nodes, routing, RandomSource.derive(seed, 'routing'));
    const protection = spec.stampede.protection;
    const tracked = protection === 'refresh-ahead' || protection === 'stale-while-revalidate' || protection === 'xfetch';
    const freshness = (tier: string): TierFreshness => ({
      track: tracked,
      graceMs: protection === 'stale-while-revalidate' ? spec.stampede.grace : 0,
      jitter: spec.stampede.ttl_jitter,
      random: RandomSource.derive(seed, `ttl-jitter-${tier}`),
    });
    this.shared = spec.shared ? tierOf(spec, keySpaceHint, seed, freshness('shared')) : null;
    const local = spec.local;
    this.local = local === null ? null : Array.from({ length: nodes }, (_, node) => tierOf(local, keySpaceHint, seed + node, freshness(`local-${node}`)));
    this.sharedLatency = spec.shared ? new SlowedLatency(createLatencySampler(spec.latency, RandomSource.derive(seed, 'cache-latency'))) : null;
    this.localLatency = local === null ? null : createLatencySampler(local.latency, RandomSource.derive(seed, 'local-cache-latency'));
    this.protectsShared = spec.shared;
  }

  /** Every tier, the shared one first. */
  tiers(): CacheTier[] {
    return [...(this.shared === null ? [] : [this.shared]), ...(this.local ?? [])];
  }
}

/** The scenario's topology, or null for a scenario without a cache (the baseline). */
export function createTopology(scenario: Scenario, keySpaceHint: number): Topology | null {
  const spec = scenario.cache;
  if (spec === null) return null;
  return new Topology(spec, scenario.topology.routing, scenario.topology.nodes, keySpaceHint, scenario.seed);
}
