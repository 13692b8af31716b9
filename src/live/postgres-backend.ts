import type pg from 'pg';
import { RunFailure } from '../errors.js';
import { LatencyHistogram } from '../metrics/latency-histogram.js';
import type { DatabaseClientCounts, DatabaseServerStats, DatabaseView, RunMetrics } from '../result/run-result.js';
import type { LatencySpec, PostgresSpec, Scenario } from '../scenario/scenario.js';
import { parsePostgresAddress, type PostgresAddress, redactPostgres } from './postgres-address.js';
import { closeClient, connectControlClient } from './postgres-connections.js';
import { emptyPostgresCounts, type PostgresShardOutcome } from './postgres-database.js';
import { backendsGone, type PostgresStatsSnapshot, postgresStatsDelta, readPostgresStats } from './postgres-stats.js';
import { type PostgresStatements, postgresStatements } from './postgres-statements.js';
import { PostgresTable } from './postgres-table.js';

/** How long the run waits for its connections' backends to end (and flush their statistics) before reading them. */
const BACKENDS_GONE_MS = 5000;

/** The longest the run's own statements (fill chunks, statistics, DROP TABLE) may take. */
const CONTROL_QUERY_TIMEOUT_MS = 30_000;

/** Every shard's view of the real database taken together. */
export interface MergedDatabase {
  counts: DatabaseClientCounts;
  readServiceMs: LatencyHistogram;
  writeServiceMs: LatencyHistogram;
  firstError: string | null;
  reconnects: number;
}

export function mergeDatabaseOutcomes(outcomes: readonly (PostgresShardOutcome | null)[]): MergedDatabase {
  const merged: MergedDatabase = {
    counts: emptyPostgresCounts(),
    readServiceMs: new LatencyHistogram(3),
    writeServiceMs: new LatencyHistogram(3),
    firstError: null,
    reconnects: 0,
  };
  for (const outcome of outcomes) {
    if (outcome === null) continue;
    for (const name of Object.keys(merged.counts) as (keyof DatabaseClientCounts)[]) merged.counts[name] += outcome.counts[name];
    merged.readServiceMs.addState(outcome.readServiceMs);
    merged.writeServiceMs.addState(outcome.writeServiceMs);
    merged.firstError ??= outcome.firstError;
    merged.reconnects += outcome.reconnects;
  }
  return merged;
}

/**
 * The run's side of a real PostgreSQL: its own control connection (never one of the pool's), which creates,
 * fills and drops the run's table (table mode), and reads pg_stat_database / pg_stat_statements before and
 * after each measured span, once the pool's backends have ended. The shards open the pool themselves.
 */
export class PostgresBackend {
  readonly statements: PostgresStatements;

  private constructor(
    private readonly spec: PostgresSpec,
    private readonly address: PostgresAddress,
    private readonly control: pg.Client,
    private readonly table: PostgresTable | null,
    applicationName: string,
  ) {
    this.statements = postgresStatements(spec, table?.name ?? null, applicationName);
  }

  /** Connects (RunFailure, exit 3, when it cannot) and, in table mode, creates and fills the run's table. */
  static async open(scenario: Scenario, runId: string): Promise<PostgresBackend> {
    const spec = scenario.database.postgres!;
    const address = parsePostgresAddress(spec.url, 'database.postgres.url');
    // A stalled server must not hang the run's end: its statistics and its DROP TABLE give up after CONTROL_QUERY_TIMEOUT_MS.
    const control = await connectControlClient(address, {
      applicationName: `cachebench:${runId}:control`,
      connectTimeoutMs: spec.connect_timeout,
      queryTimeoutMs: CONTROL_QUERY_TIMEOUT_MS,
    });
    const table = spec.table === null ? null : new PostgresTable(`${spec.table}_${runId}`);
    const backend = new PostgresBackend(spec, address, control, table, `cachebench:${runId}`);
    try {
      await table?.create(control, scenario.workload, scenario.seed);
      // A backend reports its statistics lazily: without this the fill would land in the run's pg_stat_database delta (PostgreSQL 15+; older ones lack it).
      await control.query('SELECT pg_stat_force_next_flush()').catch(() => {});
    } catch (error) {
      const message = backend.redact((error as Error).message);
      await backend.close();
      throw new RunFailure(`PostgreSQL at ${address.display}: creating the run's table ${table?.name} failed: ${message}`);
    }
    return backend;
  }

  get display(): string {
    return this.address.display;
  }

  redact(message: string): string {
    return redactPostgres(message, this.address);
  }

  /**
   * The server's counters now — at the end of a span (`settled`), once the pool's backends have ended and
   * flushed their statistics; a message instead when they cannot be read.
   */
  async snapshot(settled: boolean): Promise<PostgresStatsSnapshot | string> {
    try {
      if (settled) await backendsGone(this.control, this.statements.applicationName, BACKENDS_GONE_MS);
      const st = this.statements;
      return await readPostgresStats(this.control, [st.read, st.write, st.flush].filter((text): text is string => text !== null));
    } catch (error) {
      return this.redact((error as Error).message);
    }
  }

  /** The server's counters between two snapshots; null (with the reason) when either failed. */
  delta(before: PostgresStatsSnapshot | string, after: PostgresStatsSnapshot | string): { server: DatabaseServerStats | null; server_error?: string } {
    if (typeof before === 'string' || typeof after === 'string') {
      return { server: null, server_error: typeof before === 'string' ? before : (after as string) };
    }
    return { server: postgresStatsDelta(before, after, this.statements) };
  }

  view(merged: MergedDatabase, pool: number, server: { server: DatabaseServerStats | null; server_error?: string }): DatabaseView {
    const st = this.statements;
    const counts = merged.counts;
    const staleness = stalenessOf(counts);
    return {
      kind: 'postgres',
      target: this.address.display,
      mode: this.table === null ? 'statements' : 'table',
      table: this.table?.name ?? null,
      rows_filled: this.table?.rowsFilled ?? 0,
      pool,
      read_only: st.write === null && st.flush === null,
      statements: { read: st.read, write: st.write, flush: st.flush },
      staleness: staleness === null ? 'exact' : 'unknown',
      ...(staleness !== null ? { staleness_note: staleness } : {}),
      client: { ...counts },
      reconnects: merged.reconnects,
      ...(merged.firstError !== null ? { first_error: merged.firstError } : {}),
      ...server,
      table_dropped: false,
    };
  }

  /** Drops the run's table (if it made one) and closes the control connection. */
  async close(): Promise<{ dropped: boolean; error: string | null }> {
    try {
      const dropped = (await this.table?.drop(this.control)) ?? false;
      return { dropped, error: null };
    } catch (error) {
      return { dropped: false, error: this.redact((error as Error).message) };
    } finally {
      await closeClient(this.control);
    }
  }

  get connectTimeoutMs(): number {
    return this.spec.connect_timeout;
  }
}

/** Why staleness is unknown, or null when every answer carried a version. */
export function stalenessOf(counts: DatabaseClientCounts): string | null {
  if (counts.unversioned === 0) return null;
  return `${counts.unversioned} answers carried no version: return a \`version\` column from the read, and RETURNING version from the write`;
}

/** Staleness metrics of a run whose versions are unknown: no rate, no ages (a threshold on them fails: no samples). */
export function withUnknownStaleness(metrics: RunMetrics): void {
  metrics.staleness = {
    ...metrics.staleness,
    stale_reads: 0,
    stale_rate: null,
    age_ms: { p50: null, p99: null, max: null },
    budget_violations: 0,
  };
}

/**
 * The latency model the measured queries fit (`baseline: simulated`): a lognormal through the measured
 * p50 and p99 of the time a query held its connection, or a constant when they coincide.
 */
export function measuredLatency(histogram: LatencyHistogram, fallback: LatencySpec): LatencySpec {
  if (histogram.count === 0) return fallback;
  const p50 = histogram.percentileMs(50) ?? 0;
  const p99 = histogram.percentileMs(99) ?? 0;
  if (!(p50 > 0) || !(p99 > p50)) return { type: 'constant', value: Math.max(p50, 0.001) };
  return { type: 'lognormal', p50, p99 };
}
