import type pg from 'pg';
import type { DatabaseServerStats, StatementStats } from '../result/run-result.js';
import { normalizedStatement } from './postgres-statements.js';

/** The pg_stat_database counters of the run's database a result reports as deltas. */
export const DATABASE_STAT_FIELDS = [
  'xact_commit',
  'xact_rollback',
  'tup_returned',
  'tup_fetched',
  'tup_inserted',
  'tup_updated',
  'tup_deleted',
  'blks_read',
  'blks_hit',
] as const;

export type DatabaseStats = Record<(typeof DATABASE_STAT_FIELDS)[number], number>;

export interface PostgresStatsSnapshot {
  database: DatabaseStats;
  /** Per statement text given; null when pg_stat_statements cannot be read (see statementsUnavailable). */
  statements: Map<string, StatementStats> | null;
  statementsUnavailable: string | null;
}

/**
 * pg_stat_database for the current database and pg_stat_statements for the statements `sent`, matched by their
 * text as sent or as pg_stat_statements normalises it — so a user's statement that the application runs
 * too is counted with the application's calls: the counts are exact for the run's own table only.
 */
export async function readPostgresStats(client: pg.Client, sent: readonly string[]): Promise<PostgresStatsSnapshot> {
  const texts = [...new Set(sent.flatMap((text) => [text, normalizedStatement(text)]))];
  const db = await client.query(`SELECT ${DATABASE_STAT_FIELDS.join(', ')} FROM pg_stat_database WHERE datname = current_database()`);
  const database = {} as DatabaseStats;
  for (const field of DATABASE_STAT_FIELDS) database[field] = Number(db.rows[0]?.[field] ?? 0);
  let statements: Map<string, StatementStats> | null = null;
  let statementsUnavailable: string | null = null;
  const installed = await client.query(`SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'`);
  if (installed.rows.length === 0) {
    statementsUnavailable = 'the pg_stat_statements extension is not installed in this database (CREATE EXTENSION pg_stat_statements, with it in shared_preload_libraries)';
  } else {
    try {
      const rows = await client.query(
        `SELECT query, sum(calls)::bigint AS calls, sum(rows)::bigint AS rows FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query = ANY($1) GROUP BY query`,
        [texts],
      );
      statements = new Map(rows.rows.map((row) => [row.query as string, { calls: Number(row.calls), rows: Number(row.rows) }]));
    } catch (error) {
      statementsUnavailable = `pg_stat_statements could not be read: ${(error as Error).message}`;
    }
  }
  return { database, statements, statementsUnavailable };
}

export function postgresStatsDelta(
  before: PostgresStatsSnapshot,
  after: PostgresStatsSnapshot,
  texts: { read: string; write: string | null; flush: string | null },
): DatabaseServerStats {
  const database = {} as DatabaseStats;
  for (const field of DATABASE_STAT_FIELDS) database[field] = after.database[field] - before.database[field];
  const unavailable = after.statementsUnavailable ?? before.statementsUnavailable;
  if (before.statements === null || after.statements === null) {
    return { database, statements: null, ...(unavailable !== null ? { statements_unavailable: unavailable } : {}) };
  }
  const delta = (text: string | null): StatementStats | null => {
    if (text === null) return null;
    const stored = after.statements!.has(text) ? text : normalizedStatement(text);
    const a = after.statements!.get(stored);
    if (a === undefined) return null;
    const b = before.statements!.get(stored) ?? { calls: 0, rows: 0 };
    return { calls: a.calls - b.calls, rows: a.rows - b.rows };
  };
  return { database, statements: { read: delta(texts.read), write: delta(texts.write), flush: delta(texts.flush) } };
}

/**
 * Waits until no backend of `applicationName` is left (they flush their statistics as they exit), at most
 * `timeoutMs`; false when some are still there (a paused or stuck server).
 */
export async function backendsGone(client: pg.Client, applicationName: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await client.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()', [
      applicationName,
    ]);
    if (left.rows[0].n === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
