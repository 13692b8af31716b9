import type { DatabaseClientCounts, DatabaseServerStats, DatabaseView, RedisView, RunResult, StatementStats } from '../result/run-result.js';
import { formatBytes } from './byte-format.js';
import { keysLeftBehind, tableLeftBehind } from './keys-left-behind.js';
import { formatCount, formatPercent, MISSING } from './number-format.js';

/**
 * A live run's client counts beside the servers' own counters (Redis INFO deltas, pg_stat_database and
 * pg_stat_statements deltas), worded once for every report: the terminal summary's lines, and the
 * Markdown and HTML reports' tables. A counter the server could not give is said to be `unavailable`
 * (never read) or `unknown` (read, but not comparable across the run), never printed as 0.
 */

/** A server counter that could not be read at all (INFO failed, pg_stat_statements missing). */
export const UNAVAILABLE = 'unavailable';
/** A server counter that was read but cannot be subtracted (Redis restarted, its counters were reset). */
export const UNKNOWN = 'unknown';
/** pg_stat_statements was read but holds no entry for a statement the client ran. */
export const NOT_RECORDED = 'not recorded';

/** One server's counters beside the client's, as rows of text: the reporters only lay them out. */
export interface CounterComparison {
  /** e.g. "Redis redis://127.0.0.1:6379/0". */
  title: string;
  /** The value columns: the client's and the server's, and the live baseline's pair when there is one. */
  columns: string[];
  rows: { label: string; values: string[] }[];
  /** Sentences under the table: why a counter is unavailable or unknown, what the counts cover. */
  notes: string[];
}

/** Every server a live run has counters of (Redis, then the real database); empty for any other run. */
export function serverCounterComparisons(run: RunResult): CounterComparison[] {
  const comparisons: CounterComparison[] = [];
  if (run.redis !== undefined) comparisons.push(redisCounters(run.redis));
  if (run.database !== undefined) comparisons.push(postgresCounters(run.database));
  return comparisons;
}

// ---- Redis ----

/**
 * Why Redis's counters over the run cannot be shown, or null when they can: INFO could not be read after
 * the run (the deltas in the result are then 0, which is not what Redis counted), or the server restarted
 * or its counters were reset (the deltas are null).
 */
export function redisCountersMissing(redis: RedisView): { state: typeof UNAVAILABLE | typeof UNKNOWN; reason: string } | null {
  if (Object.keys(redis.info_after).length === 0) {
    return { state: UNAVAILABLE, reason: `INFO could not be read after the run: ${redis.info_error ?? 'no reason recorded'}` };
  }
  if (redis.delta_unknown !== undefined) return { state: UNKNOWN, reason: redis.delta_unknown };
  return null;
}

/** One INFO delta as a report shows it: the count, or why there is none. */
export function redisDeltaText(redis: RedisView, field: keyof RedisView['delta']): string {
  const missing = redisCountersMissing(redis);
  if (missing !== null) return missing.state;
  const value = redis.delta[field];
  return value === null ? UNKNOWN : formatCount(value);
}

function redisCounters(redis: RedisView): CounterComparison {
  const missing = redisCountersMissing(redis);
  const server = (field: keyof RedisView['delta']) => redisDeltaText(redis, field);
  const c = redis.client;
  const rows = [
    { label: 'GET hits (keyspace_hits)', values: [formatCount(c.hits), server('keyspace_hits')] },
    { label: 'GET misses (keyspace_misses)', values: [formatCount(c.misses), server('keyspace_misses')] },
    { label: 'commands (total_commands_processed)', values: [`${formatCount(c.gets)} GETs`, server('total_commands_processed')] },
    { label: 'failed commands', values: [formatCount(c.errors), MISSING] },
    { label: 'evictions (evicted_keys)', values: [MISSING, server('evicted_keys')] },
    { label: 'expirations (expired_keys)', values: [MISSING, server('expired_keys')] },
    { label: 'used memory after the run (change)', values: [MISSING, usedMemoryText(redis)] },
    { label: 'keys deleted at the end', values: [formatCount(redis.keys_deleted), MISSING] },
  ];
  const notes: string[] = [];
  if (missing !== null) notes.push(`Redis's counters are ${missing.state}: ${missing.reason}.`);
  else if (redis.info_error !== undefined) notes.push(`INFO could not be read after every shard: ${redis.info_error}.`);
  notes.push(
    "Both sides count the whole run, warm-up included; Redis's counters are server-wide (other clients' commands count too), and its commands are every command (SET, DEL, INFO …), the client's only its GETs.",
  );
  const config = redis.config_applied;
  if (config !== null) {
    const set = [
      config.maxmemory === null ? null : `maxmemory ${formatBytes(config.maxmemory)}`,
      config.maxmemory_policy === null ? null : `maxmemory-policy ${config.maxmemory_policy}`,
    ].filter((part) => part !== null);
    if (set.length > 0) notes.push(`--allow-config set ${set.join(' and ')} for the run (restored afterwards).`);
  }
  if (redis.memory_model !== undefined) notes.push(`${redisMemoryLine(redis.memory_model)}.`);
  const left = keysLeftBehind(redis);
  if (left !== '') notes.push(`${left}.`);
  return { title: `Redis ${redis.target}`, columns: ['client', 'server'], rows, notes };
}

/** used_memory at the end, and how much it grew (or shrank) over the run. */
function usedMemoryText(redis: RedisView): string {
  const missing = redisCountersMissing(redis);
  const after = Number(redis.info_after.used_memory);
  if (missing?.state === UNAVAILABLE || !Number.isFinite(after)) return UNAVAILABLE;
  const change = redis.delta.used_memory;
  return `${formatBytes(after)} (${missing !== null || change === null ? `change ${UNKNOWN}` : signedBytes(change)})`;
}

function signedBytes(bytes: number): string {
  return `${bytes < 0 ? '−' : '+'}${formatBytes(Math.abs(bytes))}`;
}

/** What a key of the run costs in Redis's memory (--allow-config with an LRU or LFU policy), measured before the run. */
export function redisMemoryLine(memory: NonNullable<RedisView['memory_model']>): string {
  return `Redis memory per key (measured on ${formatCount(memory.probed_keys)} keys of the run): ${formatBytes(memory.bytes_per_key)} of used_memory (MEMORY USAGE ${formatBytes(memory.memory_usage_per_key)}, value ${formatBytes(memory.value_bytes_per_key)}; for memory_model: key_bytes ${memory.key_bytes}, entry_bytes ${memory.entry_bytes}, expires_bytes ${memory.expires_bytes}); ${formatBytes(memory.capacity_for_keys)} of maxmemory left for keys after ${formatBytes(memory.baseline_used_memory)} the server uses without them`;
}

// ---- PostgreSQL ----

/** Why none of the server's counters of a span could be read (`server statistics unavailable (…)`), or null when they were. */
export function postgresServerMissing(server: DatabaseServerStats | null, serverError: string | undefined): string | null {
  return server === null ? `server statistics ${UNAVAILABLE} (${serverError ?? 'no reason recorded'})` : null;
}

/** Why pg_stat_statements could not be read over a span whose pg_stat_database was (`pg_stat_statements unavailable (…)`), or null. */
export function statementsMissing(server: DatabaseServerStats): string | null {
  return server.statements === null ? `pg_stat_statements ${UNAVAILABLE} (${server.statements_unavailable ?? 'no reason recorded'})` : null;
}

/**
 * pg_stat_statements' count (`calls`, or `rows`) of one of the run's statements, beside the client's `sent`
 * queries of it: `–` for a statement the run does not have, `not recorded` when the server has no entry
 * for one the client ran (an entry that is missing because the statement never ran is a count of 0).
 */
export function statementStatText(
  server: DatabaseServerStats | null,
  which: 'read' | 'write' | 'flush',
  statement: string | null,
  sent: number,
  stat: keyof StatementStats = 'calls',
): string {
  if (server === null || server.statements === null) return UNAVAILABLE;
  if (statement === null) return MISSING;
  const stats: StatementStats | null = server.statements[which];
  if (stats === null) return sent === 0 ? '0' : NOT_RECORDED;
  return formatCount(stats[stat]);
}

/** pg_stat_database's counters, in the order a reader asks about them. */
const DATABASE_COUNTERS: readonly { field: string; label: string }[] = [
  { field: 'xact_commit', label: 'transactions committed (xact_commit)' },
  { field: 'xact_rollback', label: 'transactions rolled back (xact_rollback)' },
  { field: 'blks_hit', label: 'blocks hit in shared buffers (blks_hit)' },
  { field: 'blks_read', label: 'blocks read (blks_read)' },
  { field: 'tup_returned', label: 'rows returned (tup_returned)' },
  { field: 'tup_fetched', label: 'rows fetched (tup_fetched)' },
  { field: 'tup_inserted', label: 'rows inserted (tup_inserted)' },
  { field: 'tup_updated', label: 'rows updated (tup_updated)' },
  { field: 'tup_deleted', label: 'rows deleted (tup_deleted)' },
];

interface Span {
  client: DatabaseClientCounts;
  server: DatabaseServerStats | null;
  server_error?: string;
}

function postgresCounters(db: DatabaseView): CounterComparison {
  const spans: Span[] = [db, ...(db.baseline === undefined ? [] : [db.baseline])];
  const columns = db.baseline === undefined ? ['client', 'server'] : ['client', 'server', 'no cache: client', 'no cache: server'];
  const row = (label: string, client: (c: DatabaseClientCounts) => string, server: (span: Span) => string) => ({
    label,
    values: spans.flatMap((span) => [client(span.client), server(span)]),
  });
  const none = () => MISSING;
  const statement = (which: 'read' | 'write' | 'flush', sent: (c: DatabaseClientCounts) => number, stat: keyof StatementStats = 'calls') => (s: Span) =>
    statementStatText(s.server, which, db.statements[which], sent(s.client), stat);
  const rows = [
    row('read queries (pg_stat_statements calls)', (c) => formatCount(c.reads), statement('read', (c) => c.reads)),
    row('rows the reads returned (pg_stat_statements rows)', none, statement('read', (c) => c.reads, 'rows')),
  ];
  if (db.statements.write !== null || spans.some((s) => s.client.writes > 0)) {
    rows.push(
      row('write queries', (c) => formatCount(c.writes), statement('write', (c) => c.writes)),
      row('rows the writes touched', none, statement('write', (c) => c.writes, 'rows')),
    );
  }
  if (db.statements.flush !== null || spans.some((s) => s.client.flushes > 0)) {
    rows.push(row('write-behind batches', (c) => formatCount(c.flushes), statement('flush', (c) => c.flushes)));
  }
  rows.push(
    row('failed queries', (c) => formatCount(c.errors), none),
    row('timeouts', (c) => formatCount(c.timeouts), none),
    row('reads that found no row', (c) => formatCount(c.missing_rows), none),
    row('answers without a version', (c) => formatCount(c.unversioned), none),
  );
  const databaseCounter = (field: string) => (s: Span) => (s.server === null ? UNAVAILABLE : formatCount(s.server.database[field]));
  for (const { field, label } of DATABASE_COUNTERS) rows.push(row(label, () => MISSING, databaseCounter(field)));
  const known = new Set(DATABASE_COUNTERS.map((counter) => counter.field));
  // A result written by a later version may carry counters this one has no label for: shown by their own names.
  const others = [...new Set(spans.flatMap((s) => Object.keys(s.server?.database ?? {})))].filter((field) => !known.has(field));
  for (const field of others) rows.push(row(field, () => MISSING, databaseCounter(field)));
  rows.push(row('shared-buffer hit rate (blks_hit ÷ (blks_hit + blks_read))', () => MISSING, (s) => bufferHitRateText(s.server)));

  const notes: string[] = [];
  for (const [span, prefix] of spans.map((s, i) => [s, i === 0 ? '' : 'No-cache baseline: '] as const)) {
    const missing = postgresServerMissing(span.server, span.server_error);
    if (missing !== null) notes.push(`${prefix === '' ? sentence(missing) : `${prefix}${missing}`}: every server counter is ${UNAVAILABLE}.`);
    else {
      const statements = statementsMissing(span.server!);
      if (statements !== null) notes.push(`${prefix}${statements}: the statement counts are ${UNAVAILABLE}, pg_stat_database's are shown.`);
    }
  }
  notes.push(
    "Both sides count the whole run, warm-up included. pg_stat_statements counts the run's statements (exact for cachebench's own table); pg_stat_database counts every session of the database, cachebench's own statistics queries included.",
  );
  if (db.reconnects > 0) notes.push(`Connections reopened after one broke: ${formatCount(db.reconnects)}.`);
  if (db.first_error !== undefined) notes.push(`First failed query: ${db.first_error}.`);
  const fate = tableFate(db);
  if (fate !== null) notes.push(`${sentence(fate)}.`);
  return { title: `PostgreSQL ${db.target}`, columns, rows, notes };
}

/** blks_hit ÷ (blks_hit + blks_read): how much of what the run's queries read came from shared buffers. */
function bufferHitRateText(server: DatabaseServerStats | null): string {
  if (server === null) return UNAVAILABLE;
  const hit = server.database.blks_hit;
  const read = server.database.blks_read;
  if (hit === undefined || read === undefined || hit + read === 0) return MISSING;
  return formatPercent(hit / (hit + read));
}

/** What became of the run's own table: dropped, or left behind and how to drop it; null in statements mode. */
export function tableFate(db: DatabaseView): string | null {
  if (db.table === null) return null;
  const left = tableLeftBehind(db);
  if (left !== '') return left;
  return `table ${db.table} (${formatCount(db.rows_filled)} rows) ${db.table_dropped ? 'dropped' : 'not dropped'}`;
}

/** A clause as the start of a sentence. */
function sentence(clause: string): string {
  return `${clause.charAt(0).toUpperCase()}${clause.slice(1)}`;
}
