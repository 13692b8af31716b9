import type { ApplicationNodes } from '../application/ports.js';
import { CacheTier, summedTierMetrics } from '../engine/cache-tier.js';
import type { LatencySampler } from '../engine/latency-model.js';
import { createPolicy } from '../policies/registry.js';
import { RandomSource } from '../random/random-source.js';
import type { TierMetrics } from '../result/run-result.js';
import type { Scenario } from '../scenario/scenario.js';
import { NodeRouting } from '../topology/node-routing.js';

/** What one shard's nodes measured, as plain data (merged over shards by the run). */
export interface NodesOutcome {
  /** The shard's local tiers (every node's, for the shard's keys), summed over nodes. */
  l1: TierMetrics;
  /** Lookups that reached Redis (L1 misses) and how many hit. */
  l2: { lookups: number; hits: number; errors: number };
  /** Pub/sub invalidation: null without it. Delays are publish→receive on the run's clock, one per message received. */
  invalidation: { sent: number; received: number; lost: number; delaysMs: number[] } | null;
}

/**
 * The simulated application nodes of one shard of a live run (several nodes, or local tiers) (docs/scenario-reference.md, "Topology"): `topology.nodes`
 * nodes, each with a built-in local tier (L1: a CacheTier with cache.local's policy and TTL, on the run's
 * clock in ms) in front of the shared tier in Redis; requests reach nodes by `topology.routing`.
 *
 * A run's keys are split over its shards (worker threads) by hash, so each shard holds every node's
 * local tier *for its own keys*: node n of the run is the union of node n's tiers in every shard, and
 * each of those gets cache.local.capacity ÷ shards (rounded up). Routing is per shard: round-robin turns
 * over the shard's own requests, random draws from the shard's own stream, sticky hashes the key (the
 * same node in every shard).
 */
export class LiveNodes extends NodeRouting implements ApplicationNodes {
  /** A local tier answers in-process: its time is the run's own, nothing to add. */
  readonly localLatency: LatencySampler | null;
  /** Each node's local tier; null without cache.local. */
  readonly local: CacheTier[] | null;
  l2Lookups = 0;
  l2Hits = 0;
  l2Errors = 0;

  constructor(scenario: Scenario, shard: { index: number; count: number }, keySpaceHint: number) {
    const local = scenario.cache!.local;
    super(scenario.topology.nodes, scenario.topology.routing, RandomSource.derive(scenario.seed, `routing-${shard.index}`));
    if (local === null) {
      this.local = null;
      this.localLatency = null;
      return;
    }
    this.localLatency = { sample: () => 0, mean: 0 };
    const capacity = Math.max(1, Math.ceil(local.capacity / shard.count));
    this.local = Array.from({ length: this.nodes }, (_, node) => {
      const newPolicy = () =>
        createPolicy(local.policy, {
          capacity,
          unit: local.capacity_unit,
          keySpaceHint,
          seed: scenario.seed + node,
          parameters: local.parameters,
        });
      // ttl_jitter as the simulation draws it (topology.ts), from the seed: one source per node and shard.
      const jitter = scenario.cache!.stampede.ttl_jitter;
      // As the simulation's tiers: expiry and fetch times tracked under the protections that read them.
      const stampede = scenario.cache!.stampede;
      const track = stampede.protection === 'refresh-ahead' || stampede.protection === 'stale-while-revalidate' || stampede.protection === 'xfetch';
      const freshness = {
        track,
        graceMs: stampede.protection === 'stale-while-revalidate' ? stampede.grace : 0,
        jitter,
        random: jitter > 0 ? RandomSource.derive(scenario.seed, `ttl-jitter-local-${node}${shard.count > 1 ? `-${shard.index}` : ''}`) : null,
      };
      const tier = new CacheTier(newPolicy(), local.ttl, freshness, newPolicy);
      // Live values always carry versions: keep them from the first fill.
      tier.writesSeen = true;
      return tier;
    });
  }

  /** The shard's tiers; null without local tiers (nothing per tier to report). */
  outcome(invalidation: NodesOutcome['invalidation']): NodesOutcome | null {
    if (this.local === null) return null;
    return {
      l1: summedTierMetrics(this.local),
      l2: { lookups: this.l2Lookups, hits: this.l2Hits, errors: this.l2Errors },
      invalidation,
    };
  }
}
