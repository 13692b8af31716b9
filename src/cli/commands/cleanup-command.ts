import { InputError, RunFailure } from '../../errors.js';
import { parsePostgresAddress, redactPostgres } from '../../live/postgres-address.js';
import { closeClient, connectControlClient } from '../../live/postgres-connections.js';
import { dropLeftoverTable, RUN_TABLE_NAME } from '../../live/postgres-table.js';
import { echoInput } from '../../report/display-text.js';
import { deleteKeysWithPrefix, MIN_PREFIX_LENGTH } from '../../live/key-cleanup.js';
import { parseRedisAddress, type RedisAddress } from '../../live/redis-address.js';
import { RedisConnections } from '../../live/redis-connection.js';
import { RespConnection } from '../../live/resp-connection.js';
import { formatCount } from '../../report/number-format.js';
import { parseDuration, UnitError } from '../../scenario/units.js';
import type { Terminal } from '../terminal.js';

/** The options as commander hands them over. */
export interface CleanupOptions {
  redis?: string;
  prefix?: string;
  postgres?: string;
  table?: string;
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
  const usage = 'give --redis URL --prefix P (the keys a run left) or --postgres URL --table NAME (the table a run left)';
  if ((options.redis === undefined) === (options.postgres === undefined)) {
    throw new InputError(`cleanup: ${options.redis === undefined ? 'nothing to clean' : '--redis and --postgres are two cleanups'}; ${usage}`);
  }
  if (options.postgres !== undefined) {
    if (options.table === undefined || options.prefix !== undefined) throw new InputError(`cleanup --postgres needs --table (and no --prefix); ${usage}`);
    return dropRunTable(options.postgres, options.table, positiveDuration('--connect-timeout', options.connectTimeout), terminal);
  }
  if (options.prefix === undefined || options.table !== undefined) throw new InputError(`cleanup --redis needs --prefix (and no --table); ${usage}`);
  const address = parseRedisAddress(options.redis!, '--redis');
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

/**
 * `cachebench cleanup --postgres URL --table NAME`: drops the table a run left behind when its DROP TABLE
 * failed — only a table named as a run names its own and carrying the comment a run gives it at creation
 * (postgres-table.ts), so no table of the user's is ever dropped. Exit 2 for any other table, 3 when the
 * server cannot be reached or the DROP fails.
 */
async function dropRunTable(url: string, table: string, connectTimeoutMs: number, terminal: Terminal): Promise<number> {
  const address = parsePostgresAddress(url, '--postgres');
  if (!RUN_TABLE_NAME.test(table)) {
    throw new InputError(`--table: "${echoInput(table)}" is not the name of a run's table (<database.postgres.table>_<8 hex digits>, as the run printed it, e.g. cachebench_items_3f2a9c1b)`);
  }
  const client = await connectControlClient(address, { applicationName: 'cachebench:cleanup', connectTimeoutMs, queryTimeoutMs: COMMAND_TIMEOUT_MS });
  try {
    const outcome = await dropLeftoverTable(client, table);
    if (outcome === 'not-ours') {
      throw new InputError(`${table} on ${address.display} was not created by a cachebench run (it lacks the comment a run gives its table): left as it is`);
    }
    terminal.stdout(outcome === 'dropped' ? `dropped table ${table} on ${address.display}\n` : `no table ${table} on ${address.display}: nothing to drop\n`);
    return 0;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new RunFailure(`dropping ${table} on ${address.display} failed: ${redactPostgres((error as Error).message, address)}; run the command again`);
  } finally {
    await closeClient(client);
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
