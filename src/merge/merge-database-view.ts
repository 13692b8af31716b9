import type { DatabaseClientCounts, DatabaseServerStats, DatabaseView, StatementStats } from '../result/run-result.js';

/**
 * The real database's view of shards (`run --shard i/N` against one PostgreSQL, or several). The client's
 * counts are summed: exact. In table mode each shard ran its own table's statements, so their
 * pg_stat_statements deltas are disjoint and summed. pg_stat_database is database-wide, and so are the
 * counts of the user's own statements (every shard runs the same text): shards against one server
 * overlapped, and each delta already holds the others' traffic, so there the merged delta is the largest
 * shard's, field by field — a lower bound of the whole span's. Shards against different targets are summed.
 */
export function mergeDatabaseViews(views: readonly DatabaseView[]): DatabaseView {
  const first = views[0];
  const targets = distinct(views.map((v) => v.target));
  const serverErrors = distinct(views.flatMap((v) => (v.server_error === undefined ? [] : [v.server_error])));
  const cleanupErrors = views.flatMap((v) => (v.cleanup_error === undefined ? [] : [`${v.table ?? ''}: ${v.cleanup_error}`]));
  const firstErrors = views.flatMap((v) => (v.first_error === undefined ? [] : [v.first_error]));
  const unknown = views.filter((v) => v.staleness === 'unknown');
  const baselines = views.flatMap((v) => (v.baseline === undefined ? [] : [v.baseline]));
  const tables = distinct(views.flatMap((v) => (v.table === null ? [] : [v.table])));
  return {
    kind: first.kind,
    target: targets.join(', '),
    mode: first.mode,
    table: tables.length === 0 ? null : tables.join(', '),
    rows_filled: views.reduce((sum, v) => sum + v.rows_filled, 0),
    pool: views.reduce((sum, v) => sum + v.pool, 0),
    read_only: views.every((v) => v.read_only),
    statements: first.statements,
    staleness: unknown.length === 0 ? 'exact' : 'unknown',
    ...(unknown.length > 0 ? { staleness_note: unknown.map((v) => v.staleness_note).join('; ') } : {}),
    client: sumCounts(views.map((v) => v.client)),
    reconnects: views.reduce((sum, v) => sum + v.reconnects, 0),
    ...(firstErrors.length > 0 ? { first_error: firstErrors[0] } : {}),
    server: mergeServers(
      views.map((v) => v.server),
      targets.length === 1,
      first.mode === 'statements',
    ),
    ...(serverErrors.length > 0 ? { server_error: serverErrors.join('; ') } : {}),
    ...(baselines.length === views.length
      ? {
          baseline: {
            client: sumCounts(baselines.map((b) => b.client)),
            server: mergeServers(
              baselines.map((b) => b.server),
              targets.length === 1,
              first.mode === 'statements',
            ),
          },
        }
      : {}),
    table_dropped: views.every((v) => v.table_dropped),
    ...(cleanupErrors.length > 0 ? { cleanup_error: cleanupErrors.join('; ') } : {}),
  };
}

function sumCounts(counts: readonly DatabaseClientCounts[]): DatabaseClientCounts {
  const sum = { ...counts[0] };
  for (const c of counts.slice(1)) for (const name of Object.keys(sum) as (keyof DatabaseClientCounts)[]) sum[name] += c[name];
  return sum;
}

/** null when any shard's counters are missing. */
function mergeServers(servers: readonly (DatabaseServerStats | null)[], sameTarget: boolean, sharedStatements: boolean): DatabaseServerStats | null {
  if (servers.some((s) => s === null)) return null;
  const all = servers as DatabaseServerStats[];
  const database: Record<string, number> = {};
  for (const s of all) {
    for (const [field, value] of Object.entries(s.database)) {
      database[field] = sameTarget ? Math.max(database[field] ?? 0, value) : (database[field] ?? 0) + value;
    }
  }
  const unavailable = all.find((s) => s.statements === null);
  if (unavailable !== undefined) {
    return { database, statements: null, ...(unavailable.statements_unavailable !== undefined ? { statements_unavailable: unavailable.statements_unavailable } : {}) };
  }
  const sum = (pick: (s: NonNullable<DatabaseServerStats['statements']>) => StatementStats | null): StatementStats | null => {
    const parts = all.map((s) => pick(s.statements!)).filter((p): p is StatementStats => p !== null);
    if (parts.length === 0) return null;
    const combine = sameTarget && sharedStatements ? (a: number, b: number) => Math.max(a, b) : (a: number, b: number) => a + b;
    return { calls: parts.map((p) => p.calls).reduce(combine), rows: parts.map((p) => p.rows).reduce(combine) };
  };
  return { database, statements: { read: sum((s) => s.read), write: sum((s) => s.write), flush: sum((s) => s.flush) } };
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)];
}
