import { InputError, RunFailure } from '../../errors.js';
import { deleteKeysWithPrefix, MIN_PREFIX_LENGTH } from '../../live/key-cleanup.js';
import { parseRedisAddress, type RedisAddress } from '../../live/redis-address.js';
import { RedisConnections } from '../../live/redis-connection.js';
import { RespConnection } from '../../live/resp-connection.js';
import { formatCount } from '../../report/number-format.js';
import { parseDuration, UnitError } from '../../scenario/units.js';
import type { Terminal } from '../terminal.js';

/** The options as commander hands them over. */
export interface CleanupOptions {
  redis: string;
  prefix: string;
  connectTimeout: string;
}

/** A SCAN or UNLINK round trip without a reply after this long fails the cleanup (exit 3). */
const COMMAND_TIMEOUT_MS = 5000;

/**
 * `cachebench cleanup --redis URL --prefix P`: deletes the keys under P and nothing else — what a live run
 * prints when its own cleanup failed. SCAN MATCH (the prefix's glob characters escaped) + UNLINK on the
 * server, or on every master when it is a cluster node (found out with INFO cluster). Exit 2 for an empty
 * or too short prefix, 3 when Redis cannot be reached or fails midway (run it again: it deletes what is left).
 */
export async function cleanupCommand(options: CleanupOptions, terminal: Terminal): Promise<number> {
  const address = parseRedisAddress(options.redis, '--redis');
  const prefix = options.prefix;
  if (prefix.length < MIN_PREFIX_LENGTH) {
    throw new InputError(
      `--prefix: must be at least ${MIN_PREFIX_LENGTH} characters, since every key that starts with it is deleted (e.g. --prefix cachebench:1a2b3c4d5e6f:); got "${prefix}"`,
    );
  }
  const connectTimeoutMs = positiveDuration('--connect-timeout', options.connectTimeout);
  const cluster = await isClusterNode(address, connectTimeoutMs);
  const connections = await RedisConnections.open({
    addresses: [address],
    cluster,
    connections: 1,
    autoPipelining: false,
    connectTimeoutMs,
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
  });
  try {
    const masters = connections.masters().length;
    const deleted = await deleteKeysWithPrefix(connections, prefix);
    const where = cluster ? `the cluster of ${address.display} (${masters} masters)` : address.display;
    terminal.stdout(`deleted ${formatCount(deleted)} key${deleted === 1 ? '' : 's'} under ${prefix} on ${where}\n`);
    return 0;
  } catch (error) {
    if (error instanceof InputError || error instanceof RunFailure) throw error;
    throw new RunFailure(
      `deleting the keys under ${prefix} on ${address.display} failed: ${connections.redact((error as Error).message)}; run the command again to delete what is left`,
    );
  } finally {
    connections.close();
  }
}

/** Whether the server is a node of a Redis Cluster (`cluster_enabled:1`); the check of the target comes with it. */
async function isClusterNode(address: RedisAddress, connectTimeoutMs: number): Promise<boolean> {
  const connection = await RespConnection.open(address, { connectTimeoutMs });
  try {
    const info = await connection.command(['INFO', 'cluster']);
    return Buffer.isBuffer(info) && /^cluster_enabled:1\r?$/m.test(info.toString('latin1'));
  } finally {
    connection.close();
  }
}

function positiveDuration(flag: string, value: string): number {
  try {
    const ms = parseDuration(value);
    if (ms > 0) return ms;
    throw new UnitError('a positive duration like 5s', value);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`${flag}: ${error.message}`);
    throw error;
  }
}
