import { CacheTier, type TierFreshness } from '../engine/cache-tier.js';
import { createLatencySampler, type LatencySampler, SlowedLatency } from '../engine/latency-model.js';
import { createPolicy } from '../policies/registry.js';
import { RandomSource } from '../random/random-source.js';
import type { CacheSpec, Scenario, TierSpec } from '../scenario/scenario.js';

/**
 * Where the cache tiers live (docs/scenario-reference.md, "Topology"): `nodes` application servers, each with an
 * optional local tier (L1), in front of an optional shared tier (L2). Requests reach nodes round-robin,
 * at random, or sticky by a hash of the key; a crashed node takes none until it restarts.
 */
export class Topology {
  readonly nodes: number;
  /** The local tier of each node, or null. */
  readonly local: CacheTier[] | null;
  readonly shared: CacheTier | null;
  readonly localLatency: LatencySampler | null;
  /** The shared tier's latency, plus what `cache-slow` windows add while they are open. */
  readonly sharedLatency: SlowedLatency | null;
  /** The tier stampede protection works on: the shared one, or (without one) each node's local one. */
  readonly protectsShared: boolean;
  private readonly up: Uint8Array;
  private upCount: number;
  private nextNode = 0;
  private readonly routingRandom: RandomSource;

  constructor(
    readonly spec: CacheSpec,
    readonly routing: Scenario['topology']['routing'],
    nodes: number,
    keySpaceHint: number,
    seed: number,
  ) {
    this.nodes = nodes;
    const protection = spec.stampede.protection;
    const tracked = protection === 'refresh-ahead' || protection === 'stale-while-revalidate' || protection === 'xfetch';
    const freshness = (tier: string): TierFreshness => ({
      track: tracked,
      graceMs: protection === 'stale-while-revalidate' ? spec.stampede.grace : 0,
      jitter: spec.stampede.ttl_jitter,
      random: RandomSource.derive(seed, `ttl-jitter-${tier}`),
    });
    const tier = (t: TierSpec, name: string, node: number) => {
      const newPolicy = () =>
        createPolicy(t.policy, { capacity: t.capacity, unit: t.capacity_unit, keySpaceHint, seed: seed + node, parameters: t.parameters });
      return new CacheTier(newPolicy(), t.ttl, freshness(name), newPolicy);
    };
    this.shared = spec.shared ? tier(spec, 'shared', 0) : null;
    const local = spec.local;
    this.local = local === null ? null : Array.from({ length: nodes }, (_, node) => tier(local, `local-${node}`, node));
    this.sharedLatency = spec.shared ? new SlowedLatency(createLatencySampler(spec.latency, RandomSource.derive(seed, 'cache-latency'))) : null;
    this.localLatency = local === null ? null : createLatencySampler(local.latency, RandomSource.derive(seed, 'local-cache-latency'));
    this.protectsShared = spec.shared;
    this.up = new Uint8Array(nodes).fill(1);
    this.upCount = nodes;
    this.routingRandom = RandomSource.derive(seed, 'routing');
  }

  /** Every tier, the shared one first. */
  tiers(): CacheTier[] {
    return [...(this.shared === null ? [] : [this.shared]), ...(this.local ?? [])];
  }

  /** The node a request for `key` goes to; -1 when every node is down. */
  route(key: number): number {
    if (this.upCount === 0) return -1;
    const n = this.nodes;
    let node: number;
    if (n === 1) node = 0;
    else if (this.routing === 'round-robin') node = this.nextNode++ % n;
    else if (this.routing === 'random') node = this.routingRandom.nextInt(n);
    else node = stickyNode(key, n);
    // A crashed node's requests go to the next node that is up.
    while (this.up[node] === 0) node = (node + 1) % n;
    return node;
  }

  isUp(node: number): boolean {
    return this.up[node] === 1;
  }

  setUp(node: number, up: boolean): void {
    if ((this.up[node] === 1) === up) return;
    this.up[node] = up ? 1 : 0;
    this.upCount += up ? 1 : -1;
  }
}

/** A key's home node under sticky routing: a 32-bit integer hash (murmur3's finaliser) of its id. */
export function stickyNode(key: number, nodes: number): number {
  let h = key | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % nodes;
}

/** The scenario's topology, or null for a scenario without a cache (the baseline). */
export function createTopology(scenario: Scenario, keySpaceHint: number): Topology | null {
  const spec = scenario.cache;
  if (spec === null) return null;
  return new Topology(spec, scenario.topology.routing, scenario.topology.nodes, keySpaceHint, scenario.seed);
}
