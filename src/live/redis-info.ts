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
  /** The server's run_id (a cluster's masters': sorted, comma-separated); a new one means it restarted. */
  run_id: string;
  /** The smallest uptime of the nodes, in seconds. */
  uptime_in_seconds: number;
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

/** The deltas; null when they cannot be known (the server restarted, or its counters were reset). */
export type RedisInfoDelta = Record<(typeof INFO_DELTA_FIELDS)[number], number | null>;

/** Counters that only grow while the server runs (used_memory may shrink): one that shrank was reset. */
const MONOTONIC = INFO_DELTA_FIELDS.filter((field) => field !== 'used_memory');

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
    run_id: '',
    uptime_in_seconds: Number.POSITIVE_INFINITY,
  };
  const runIds: string[] = [];
  for (const node of nodes) {
    const fields = parseInfo(
      `${await node.info('server')}\n${await node.info('stats')}\n${await node.info('memory')}\n${await node.info('keyspace')}`,
    );
    runIds.push(fields.get('run_id') ?? '');
    snapshot.uptime_in_seconds = Math.min(snapshot.uptime_in_seconds, Number(fields.get('uptime_in_seconds') ?? 0));
    for (const name of SUMMED) snapshot[name] += Number(fields.get(name) ?? 0);
    if (snapshot.maxmemory_policy === '') snapshot.maxmemory_policy = fields.get('maxmemory_policy') ?? '';
    const keyspace = fields.get(`db${db}`);
    const keys = keyspace === undefined ? undefined : /keys=(\d+)/.exec(keyspace)?.[1];
    if (keys !== undefined) snapshot.keys += Number(keys);
  }
  // A cluster's nodes come in no fixed order.
  snapshot.run_id = runIds.sort().join(',');
  if (nodes.length === 0) snapshot.uptime_in_seconds = 0;
  return snapshot;
}

/**
 * Why the INFO counters of `before` and `after` cannot be subtracted, or null when they can: the server
 * restarted in between (a new run_id; its counters began again from 0), or they were reset (CONFIG
 * RESETSTAT: a counter went down). Snapshots without a run_id (older results) are compared by counters alone.
 */
export function deltaUnknownReason(
  before: Record<string, number | string>,
  after: Record<string, number | string>,
): string | null {
  const runBefore = String(before.run_id ?? '');
  const runAfter = String(after.run_id ?? '');
  if (runBefore !== '' && runAfter !== '' && runBefore !== runAfter) {
    return `Redis restarted during the run (its run_id changed; uptime ${after.uptime_in_seconds} s at the end), so its counters started again from 0`;
  }
  const reset = MONOTONIC.filter((field) => Number(after[field] ?? 0) < Number(before[field] ?? 0));
  if (reset.length > 0) return `Redis's counters went down during the run (${reset.join(', ')}): they were reset (CONFIG RESETSTAT) or a node was replaced`;
  return null;
}

/** after − before per counter; every one null when deltaUnknownReason names a reason. */
export function infoDelta(before: Record<string, number | string>, after: Record<string, number | string>): RedisInfoDelta {
  const unknown = deltaUnknownReason(before, after) !== null;
  const delta = {} as RedisInfoDelta;
  for (const field of INFO_DELTA_FIELDS) delta[field] = unknown ? null : Number(after[field] ?? 0) - Number(before[field] ?? 0);
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
