import type pg from 'pg';
import type { VersionLedger } from '../engine/version-ledger.js';
import { LatencyHistogram, type LatencyHistogramState } from '../metrics/latency-histogram.js';
import type { DatabaseClientCounts } from '../result/run-result.js';
import { type FlushedWrite, type LiveDatabase, QUERY_FAILED, QUERY_TIMED_OUT, VERSION_UNKNOWN } from './live-database.js';
import type { PostgresConnections } from './postgres-connections.js';
import type { PostgresStatements } from './postgres-statements.js';

/** What the client saw of its queries (warm-up included), to set beside pg_stat_statements. */
export type PostgresClientCounts = DatabaseClientCounts;

export function emptyPostgresCounts(): PostgresClientCounts {
  return { reads: 0, writes: 0, flushes: 0, errors: 0, timeouts: 0, unversioned: 0, missing_rows: 0 };
}

/** A shard's view of its queries, as plain data: counts and the service times (connection held) of reads and writes. */
export interface PostgresShardOutcome {
  counts: PostgresClientCounts;
  readServiceMs: LatencyHistogramState;
  writeServiceMs: LatencyHistogramState;
  /** The first error's message (password masked), or null. */
  firstError: string | null;
  reconnects: number;
}

interface PendingQuery {
  key: number;
  /** 0 read, 1 write, 2 flush. */
  kind: number;
  size: number;
  batch: readonly FlushedWrite[] | null;
  submitted: number;
  settled: boolean;
  onStarted: (waitMs: number, inUse: number) => void;
  timer: NodeJS.Timeout | null;
  resolve: (version: number) => void;
}

const READ = 0;
const WRITE = 1;
const FLUSH = 2;

export interface PostgresDatabaseSetup {
  connections: PostgresConnections;
  statements: PostgresStatements;
  ledger: VersionLedger;
  timeoutMs: number | null;
  /** ms since the run started. */
  now: () => number;
  /** As in the database model (engine/database-model.ts): the cell counting connections in use across every thread of the run. */
  inUseAcrossThreads?: { cells: Int32Array; index: number };
  /** A query failed (not a timeout); the message has the password masked. */
  onFailure: (message: string) => void;
}

const PADDING = 'x'.repeat(65_536);
let padding = PADDING;

/** The value a write sends as $2: text of `size` bytes. */
function payloadOf(size: number): string {
  while (padding.length < size) padding += padding;
  return padding.slice(0, Math.max(0, size));
}

/**
 * A real PostgreSQL behind the live run, with the model's semantics (engine/database-model.ts) where a real
 * database allows them: this thread's share of `max_concurrency` real connections, a FIFO queue beyond
 * them, and a query not answered `timeoutMs` after submission resolves as QUERY_TIMED_OUT while the
 * server goes on with it (a write still commits; its connection stays busy until it is answered). The
 * version a read returns is its row's `version`; a write's is the one it returns (RETURNING version),
 * and the ledger records it as committed.
 */
export class PostgresDatabase implements LiveDatabase {
  private inUse = 0;
  private readonly free: number[];
  private readonly queue: PendingQuery[] = [];
  private queueHead = 0;
  readonly counts = emptyPostgresCounts();
  private readonly readService = new LatencyHistogram(3);
  private readonly writeService = new LatencyHistogram(3);
  private firstError: string | null = null;

  constructor(private readonly setup: PostgresDatabaseSetup) {
    this.free = Array.from({ length: setup.connections.size }, (_, i) => setup.connections.size - 1 - i);
  }

  query(key: number, isRead: boolean, onStarted: (waitMs: number, inUse: number) => void, size = 0): Promise<number> {
    return this.submit(key, isRead ? READ : WRITE, size, null, onStarted);
  }

  async flush(onStarted: (waitMs: number, inUse: number) => void, batch: readonly FlushedWrite[]): Promise<boolean> {
    const outcome = await this.submit(-1, FLUSH, 0, batch, onStarted);
    return outcome >= 0;
  }

  outcome(): PostgresShardOutcome {
    return {
      counts: { ...this.counts },
      readServiceMs: this.readService.state(),
      writeServiceMs: this.writeService.state(),
      firstError: this.firstError,
      reconnects: this.setup.connections.reconnects,
    };
  }

  private submit(
    key: number,
    kind: number,
    size: number,
    batch: readonly FlushedWrite[] | null,
    onStarted: (waitMs: number, inUse: number) => void,
  ): Promise<number> {
    if (kind === WRITE && this.setup.statements.write === null) {
      // Never sent: cachebench does not write to the user's tables without their write statement.
      this.fail('the workload wrote, and database.postgres has no `write` statement: nothing was sent');
      return Promise.resolve(QUERY_FAILED);
    }
    return new Promise((resolve) => {
      const q: PendingQuery = { key, kind, size, batch, submitted: this.setup.now(), settled: false, onStarted, timer: null, resolve };
      const timeout = this.setup.timeoutMs;
      if (timeout !== null) {
        q.timer = setTimeout(() => {
          q.settled = true;
          this.counts.timeouts++;
          resolve(QUERY_TIMED_OUT);
        }, timeout);
      }
      if (this.free.length > 0) void this.start(q);
      else this.queue.push(q);
    });
  }

  private async start(q: PendingQuery): Promise<void> {
    const s = this.setup;
    const slot = this.free.pop()!;
    this.inUse++;
    const shared = s.inUseAcrossThreads;
    const inUse = shared === undefined ? this.inUse : Atomics.add(shared.cells, shared.index, 1) + 1;
    const started = s.now();
    q.onStarted(started - q.submitted, inUse);
    let outcome: number;
    try {
      outcome = await this.execute(slot, q);
      (q.kind === READ ? this.readService : this.writeService).recordMs(s.now() - started);
    } catch (error) {
      // A query that failed because its connection broke leaves the slot to be reopened at its next use.
      if (isConnectionError(error)) s.connections.broken(slot);
      this.fail(s.connections.redact((error as Error).message));
      outcome = QUERY_FAILED;
    }
    this.done(q, slot, outcome);
  }

  private async execute(slot: number, q: PendingQuery): Promise<number> {
    const st = this.setup.statements;
    if (q.kind === FLUSH) {
      const batch = lastPerKey(q.batch!);
      const client = await this.setup.connections.client(slot);
      await client.query({
        name: 'cachebench_flush',
        text: st.flush!,
        values: [batch.map((w) => w.key), batch.map((w) => w.version), batch.map((w) => payloadOf(w.size))],
      });
      this.counts.flushes++;
      return 0;
    }
    const client = await this.setup.connections.client(slot);
    if (q.kind === READ) {
      const result = await run(client, 'cachebench_read', st.read, [q.key]);
      this.counts.reads++;
      if (result.rows.length === 0) this.counts.missing_rows++;
      // No row: the key was never written, version 0 — if the statement has a version column at all.
      const version = hasVersion(result) ? (result.rows.length === 0 ? 0 : versionOf(result.rows[0].version)) : VERSION_UNKNOWN;
      if (version === VERSION_UNKNOWN) this.counts.unversioned++;
      return version;
    }
    const values = st.writeParameters === 1 ? [q.key] : st.writeParameters === 2 ? [q.key, payloadOf(q.size)] : [q.key, payloadOf(q.size), 1];
    const result = await run(client, 'cachebench_write', st.write!, values);
    this.counts.writes++;
    const version = hasVersion(result) && result.rows.length > 0 ? versionOf(result.rows[0].version) : VERSION_UNKNOWN;
    if (version === VERSION_UNKNOWN) this.counts.unversioned++;
    else this.setup.ledger.committedAs(q.key, version);
    return version;
  }

  private fail(message: string): void {
    this.counts.errors++;
    this.firstError ??= message;
    this.setup.onFailure(message);
  }

  private done(q: PendingQuery, slot: number, outcome: number): void {
    this.inUse--;
    this.free.push(slot);
    const shared = this.setup.inUseAcrossThreads;
    if (shared !== undefined) Atomics.sub(shared.cells, shared.index, 1);
    if (!q.settled) {
      q.settled = true;
      if (q.timer !== null) clearTimeout(q.timer);
      q.resolve(outcome);
    }
    while (this.free.length > 0 && this.queueHead < this.queue.length) {
      const next = this.queue[this.queueHead++];
      // A query that timed out while queued never reaches the database.
      if (!next.settled) void this.start(next);
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }
}

/** A named (prepared, once per connection) statement; node-postgres parses, binds and executes it. */
function run(client: pg.Client, name: string, text: string, values: unknown[]): Promise<pg.QueryResult> {
  return client.query({ name, text, values });
}

function hasVersion(result: pg.QueryResult): boolean {
  return result.fields.some((field) => field.name === 'version');
}

/** A row's version as the ledger holds it (an Int32 ≥ 0); VERSION_UNKNOWN for anything else (null, text, a bigint past 2^31). */
function versionOf(value: unknown): number {
  const version = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isInteger(version) && version >= 0 && version <= 2 ** 31 - 1 ? version : VERSION_UNKNOWN;
}

/** One row per key in a batch (a statement cannot update a row twice): the last write of each key wins. */
function lastPerKey(batch: readonly FlushedWrite[]): FlushedWrite[] {
  const byKey = new Map<number, FlushedWrite>();
  for (const write of batch) byKey.set(write.key, write);
  return [...byKey.values()];
}

/** An error of the connection rather than of the statement: the server's reply carries an SQLSTATE `code`. */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || code.startsWith('08') || code.startsWith('57P');
}
