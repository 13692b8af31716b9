import type { Redis } from 'ioredis';
import { InputError } from '../errors.js';
import type { CacheSpec } from '../scenario/scenario.js';

/** cachebench policy → Redis maxmemory-policy (redis.io/docs/latest/develop/reference/eviction/). */
const MAXMEMORY_POLICIES: Readonly<Record<string, string>> = {
  'redis-lru': 'allkeys-lru',
  'redis-lfu': 'allkeys-lfu',
  lru: 'allkeys-lru',
  lfu: 'allkeys-lfu',
  random: 'allkeys-random',
  ttl: 'volatile-ttl',
};

/** What `--allow-config` sets for the run: null fields are left alone. */
export interface MemoryConfig {
  maxmemory: number | null;
  policy: string | null;
}

/**
 * The maxmemory settings a scenario asks for. Only a policy or capacity written in the scenario counts
 * (`given`): a default policy is not a request to reconfigure the server.
 */
export function memoryConfigFor(cache: CacheSpec, given: { policy: boolean; capacity: boolean }): MemoryConfig {
  let policy: string | null = null;
  if (given.policy) {
    policy = MAXMEMORY_POLICIES[cache.policy] ?? null;
    if (policy === null) {
      throw new InputError(
        `cache.policy: Redis has no ${cache.policy} eviction; a live run's policy is a maxmemory-policy (set with --allow-config): one of ${Object.keys(MAXMEMORY_POLICIES).join(', ')}, or leave policy out`,
      );
    }
  }
  // A capacity in entries has no Redis setting: Redis holds what its maxmemory allows (docs/live-redis.md), so
  // the same scenario runs live unchanged; only a size becomes maxmemory.
  let maxmemory: number | null = null;
  if (given.capacity && Number.isFinite(cache.capacity) && cache.capacity_unit === 'bytes') maxmemory = Math.round(cache.capacity);
  return { maxmemory, policy };
}

/** The nodes' settings before the run, to put back afterwards. */
export interface SavedMemoryConfig {
  nodes: { node: Redis; maxmemory: string; policy: string }[];
}

/** CONFIG GET first, then CONFIG SET on every node; `restore` undoes it (call it in a finally). */
export async function applyMemoryConfig(nodes: readonly Redis[], config: MemoryConfig): Promise<SavedMemoryConfig> {
  const saved: SavedMemoryConfig = { nodes: [] };
  for (const node of nodes) {
    const [, maxmemory] = (await node.config('GET', 'maxmemory')) as string[];
    const [, policy] = (await node.config('GET', 'maxmemory-policy')) as string[];
    saved.nodes.push({ node, maxmemory, policy });
  }
  for (const node of nodes) {
    if (config.maxmemory !== null) await node.config('SET', 'maxmemory', String(config.maxmemory));
    if (config.policy !== null) await node.config('SET', 'maxmemory-policy', config.policy);
  }
  return saved;
}

export async function restoreMemoryConfig(saved: SavedMemoryConfig): Promise<void> {
  for (const { node, maxmemory, policy } of saved.nodes) {
    await node.config('SET', 'maxmemory', maxmemory);
    await node.config('SET', 'maxmemory-policy', policy);
  }
}
