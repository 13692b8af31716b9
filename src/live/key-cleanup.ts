import type { Redis } from 'ioredis';
import type { RedisConnections } from './redis-connection.js';

/** Keys asked for per SCAN call and deleted per UNLINK round trip. */
const SCAN_COUNT = 1000;

/** SCAN's MATCH pattern for keys starting with `prefix` (glob characters in it are escaped). */
export function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
}

/** Whether any node holds a key under `prefix` (SCAN MATCH until the first one; never KEYS). */
export async function prefixHoldsKeys(connections: RedisConnections, prefix: string): Promise<boolean> {
  const pattern = prefixPattern(prefix);
  for (const node of connections.masters()) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      if (keys.length > 0) return true;
      cursor = next;
    } while (cursor !== '0');
  }
  return false;
}

/**
 * Deletes every key under `prefix` and nothing else: SCAN MATCH prefix* on every node that holds keys
 * (each master of a cluster), UNLINK of what it returns. Never FLUSHDB, FLUSHALL or KEYS. Returns how
 * many keys were deleted.
 */
export async function deleteKeysWithPrefix(connections: RedisConnections, prefix: string): Promise<number> {
  const pattern = prefixPattern(prefix);
  let deleted = 0;
  for (const node of connections.masters()) deleted += await deleteOnNode(node, pattern, prefix);
  return deleted;
}

async function deleteOnNode(node: Redis, pattern: string, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
    cursor = next;
    // MATCH is a glob; the prefix check makes "nothing else" hold even if the pattern were too loose.
    const ours = keys.filter((k) => k.startsWith(prefix));
    if (ours.length === 0) continue;
    // One UNLINK per key in a pipeline: on a cluster node a multi-key UNLINK across slots is CROSSSLOT.
    const pipeline = node.pipeline();
    for (const key of ours) pipeline.unlink(key);
    const replies = await pipeline.exec();
    for (const [error, count] of replies ?? []) if (error === null) deleted += Number(count);
  } while (cursor !== '0');
  return deleted;
}
