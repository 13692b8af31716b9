import type { Redis } from 'ioredis';
import type { RedisAddress } from './redis-address.js';
import type { RedisConnections } from './redis-connection.js';

/** Keys asked for per SCAN call and deleted per UNLINK round trip. */
const SCAN_COUNT = 1000;

/**
 * The shortest prefix cachebench deletes under (a run's `cache.redis.prefix`, `cachebench cleanup
 * --prefix`): an empty or one-letter prefix would take most of a database with it.
 */
export const MIN_PREFIX_LENGTH = 4;

/** How long the end of a run keeps retrying its cleanup before it reports the keys as left behind. */
export const CLEANUP_RETRY_MS = 10_000;
/** The first wait between attempts; each next one doubles, up to CLEANUP_MAX_BACKOFF_MS. */
const CLEANUP_FIRST_BACKOFF_MS = 250;
const CLEANUP_MAX_BACKOFF_MS = 2_000;

/** What a cleanup achieved: keys deleted (in every attempt), and the last error when keys may remain. */
export interface CleanupOutcome {
  deleted: number;
  /** null: every key under the prefix was deleted. */
  error: string | null;
}

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
  const tally = { deleted: 0 };
  await deleteInto(tally, connections, prefix);
  return tally.deleted;
}

/**
 * deleteKeysWithPrefix, tried again with back-off (250 ms, 500 ms, 1 s, 2 s, 2 s, …) while an attempt fails
 * and `budgetMs` has not run out — a server paused or restarting at the end of a run usually answers
 * again within seconds. Keys deleted by a failed attempt still count. After a failed attempt, passes
 * repeat until one deletes nothing.
 */
export async function deleteKeysWithRetry(
  connections: RedisConnections,
  prefix: string,
  budgetMs = CLEANUP_RETRY_MS,
): Promise<CleanupOutcome> {
  const tally = { deleted: 0 };
  const started = performance.now();
  let backoff = CLEANUP_FIRST_BACKOFF_MS;
  let failed = false;
  for (;;) {
    try {
      const before = tally.deleted;
      await deleteInto(tally, connections, prefix);
      // After a stall, commands the run's clients sent before it may still be executed once the server
      // answers again, from connections already closed: done only when a pass finds nothing more.
      if (!failed || tally.deleted === before) return { deleted: tally.deleted, error: null };
      if (performance.now() - started > budgetMs) {
        return { deleted: tally.deleted, error: `keys kept appearing under ${prefix} for ${Math.round(budgetMs / 1000)} s` };
      }
    } catch (error) {
      failed = true;
      const elapsed = performance.now() - started;
      if (elapsed + backoff > budgetMs) {
        const seconds = Math.round(elapsed / 100) / 10;
        return { deleted: tally.deleted, error: `${connections.redact((error as Error).message)} (still failing after ${seconds} s of retries)` };
      }
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, CLEANUP_MAX_BACKOFF_MS);
    }
  }
}

/**
 * The command that deletes what a failed cleanup left behind, for a shell: `cachebench cleanup --redis URL
 * --prefix P`, the password shown as `***` (the person running it puts it back).
 */
export function cleanupCommandLine(address: RedisAddress, prefix: string): string {
  return `cachebench cleanup --redis ${shellWord(address.display)} --prefix ${shellWord(prefix)}`;
}

/** The command that drops a run's PostgreSQL table its own DROP could not: `target` is the URL, password masked. */
export function tableCleanupCommandLine(target: string, table: string): string {
  return `cachebench cleanup --postgres ${shellWord(target)} --table ${shellWord(table)}`;
}

/** A word the shell passes on as it is: bare when it is plain, otherwise in single quotes. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_:/.@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

async function deleteInto(tally: { deleted: number }, connections: RedisConnections, prefix: string): Promise<void> {
  const pattern = prefixPattern(prefix);
  for (const node of connections.masters()) await deleteOnNode(node, pattern, prefix, tally);
}

async function deleteOnNode(node: Redis, pattern: string, prefix: string, tally: { deleted: number }): Promise<void> {
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
    let failure: Error | null = null;
    for (const [error, count] of replies ?? []) {
      if (error === null) tally.deleted += Number(count);
      else failure ??= error;
    }
    // A key that could not be unlinked is still there: the cleanup has not succeeded.
    if (failure !== null) throw failure;
  } while (cursor !== '0');
}
