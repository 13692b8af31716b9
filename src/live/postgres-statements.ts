import type { PostgresSpec } from '../scenario/scenario.js';

/**
 * The statements a live run sends to PostgreSQL, as plain data (a worker thread's workerData): the user's
 * own (`read`, `write`), or those of cachebench's table. $1 is the key id; $2 the value, as text of the
 * request's size. A statement's version — what makes staleness exact — is its `version` column: the row's
 * version a read returns, the new version a write returns (RETURNING version).
 */
export interface PostgresStatements {
  /** The URL, password included: for the client only (never shown). */
  url: string;
  read: string;
  /** How many parameters the read takes (1: the key id). */
  readParameters: number;
  /** null: the run never writes (its connections are then read-only: default_transaction_read_only). */
  write: string | null;
  /** 1 (the key id), 2 (the key id and the value), or 3 (those and the version step, 1: table mode). */
  writeParameters: number;
  /** Write-behind: one statement writes a whole batch (table mode only); null without a table. */
  flush: string | null;
  /** `application_name` of the run's connections, so its backends can be told apart in pg_stat_activity. */
  applicationName: string;
  connectTimeoutMs: number;
}

/** The highest $n a statement names (0: none). Placeholders inside quoted text count too: a statement should not hold any there. */
export function highestParameter(statement: string): number {
  let highest = 0;
  for (const match of statement.matchAll(/\$(\d+)/g)) highest = Math.max(highest, Number(match[1]));
  return highest;
}

/** What is wrong with the user's read or write statement, or null. */
export function statementProblem(statement: string, kind: 'read' | 'write'): string | null {
  const highest = highestParameter(statement);
  if (!/\$1(?!\d)/.test(statement)) return `must use $1 (the key id), e.g. ${kind === 'read' ? '"SELECT payload, version FROM products WHERE id = $1"' : '"UPDATE products SET payload = $2, version = version + 1 WHERE id = $1 RETURNING version"'}`;
  if (kind === 'read' && highest > 1) return `a read takes one parameter, $1 (the key id); got $${highest}`;
  if (kind === 'write' && highest > 2) return `a write takes $1 (the key id) and $2 (the value); got $${highest}`;
  return null;
}

/** A table name cachebench may create: lower-case letters, digits and `_`, so it never needs quoting. */
export const TABLE_NAME = /^[a-z_][a-z0-9_]{0,39}$/;

/** The statements of a run against `spec`; `table` is the run's own table (table mode) or null. */
export function postgresStatements(spec: PostgresSpec, table: string | null, applicationName: string): PostgresStatements {
  const common = { url: spec.url, applicationName, connectTimeoutMs: spec.connect_timeout };
  if (table === null) {
    const write = spec.write;
    return {
      ...common,
      read: spec.read ?? '',
      readParameters: 1,
      write,
      writeParameters: write === null ? 0 : Math.max(1, highestParameter(write)),
      flush: null,
    };
  }
  return {
    ...common,
    read: `SELECT version, payload FROM ${table} WHERE id = $1`,
    readParameters: 1,
    // A key the fill did not create (a trace's) is inserted by its first write. $3 is 1: no constant in the
    // text, so pg_stat_statements keeps it as sent and the run finds its counts by it.
    write: `INSERT INTO ${table} AS t (id, version, payload) VALUES ($1, $3, $2) ON CONFLICT (id) DO UPDATE SET version = t.version + $3, payload = EXCLUDED.payload RETURNING version`,
    writeParameters: 3,
    // Write-behind persists the versions the cache issued; the last write to reach the database wins.
    flush: `INSERT INTO ${table} AS t (id, version, payload) SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[]) ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, payload = EXCLUDED.payload`,
  };
}

/**
 * A statement as pg_stat_statements shows it: each constant replaced by $n, numbered after the statement's
 * own parameters (its normalisation), so a user's `version = version + 1` is found as `version + $3`.
 */
export function normalizedStatement(statement: string): string {
  let next = highestParameter(statement);
  return statement.replace(/(\$\d+)|'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b/g, (match, parameter: string | undefined) =>
    parameter !== undefined ? match : `$${++next}`,
  );
}
