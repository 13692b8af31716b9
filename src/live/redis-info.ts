import type { Redis } from 'ioredis';

/** The INFO fields a live run reports, summed over every node (every master of a cluster). */
export interface RedisInfoSnapshot {
  keyspace_hits: number;
  keyspace_misses: number;
  evicted_keys: number;
  expired_keys: number;
  used_memory: number;
  total_commands_processed: number;
  maxmemory: number;
  /** The first node's; a cluster run sets the same one on every master. */
  maxmemory_policy: string;
  /** Keys in the run's database (db0 on a cluster), every key of the server, not only the run's. */
  keys: number;
}

/** The INFO counters a run reports as deltas (before → after). */
export const INFO_DELTA_FIELDS = [
  'keyspace_hits',
  'keyspace_misses',
  'evicted_keys',
  'expired_keys',
  'used_memory',
  'total_commands_processed',
] as const;

export type RedisInfoDelta = Pick<RedisInfoSnapshot, (typeof INFO_DELTA_FIELDS)[number]>;

const SUMMED = [...INFO_DELTA_FIELDS, 'maxmemory'] as const;

/** INFO stats + memory + keyspace of every node, summed. */
export async function readRedisInfo(nodes: readonly Redis[], db: number): Promise<RedisInfoSnapshot> {
  const snapshot: RedisInfoSnapshot = {
    keyspace_hits: 0,
    keyspace_misses: 0,
    evicted_keys: 0,
    expired_keys: 0,
    used_memory: 0,
    total_commands_processed: 0,
    maxmemory: 0,
    maxmemory_policy: '',
    keys: 0,
  };
  for (const node of nodes) {
    const fields = parseInfo(`${await node.info('stats')}\n${await node.info('memory')}\n${await node.info('keyspace')}`);
    for (const name of SUMMED) snapshot[name] += Number(fields.get(name) ?? 0);
    if (snapshot.maxmemory_policy === '') snapshot.maxmemory_policy = fields.get('maxmemory_policy') ?? '';
    const keyspace = fields.get(`db${db}`);
    const keys = keyspace === undefined ? undefined : /keys=(\d+)/.exec(keyspace)?.[1];
    if (keys !== undefined) snapshot.keys += Number(keys);
  }
  return snapshot;
}

export function infoDelta(before: RedisInfoSnapshot, after: RedisInfoSnapshot): RedisInfoDelta {
  const delta = {} as RedisInfoDelta;
  for (const field of INFO_DELTA_FIELDS) delta[field] = after[field] - before[field];
  return delta;
}

/** `name:value` lines; section headers (`# Stats`) and blank lines skipped. */
function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0 || line.startsWith('#')) continue;
    fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}
