import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { expectedWork } from '../src/cli/progress-bar.js';
import { parsePostgresAddress, redactPostgres } from '../src/live/postgres-address.js';
import { normalizedStatement, statementProblem } from '../src/live/postgres-statements.js';
import { verdictLine } from '../src/report/verdict.js';
import type { RunResult } from '../src/result/run-result.js';
import { loadScenario } from '../src/scenario/load.js';
import { assertNoStack, cachebench, type FinishedProcess, startCachebench } from './support/cachebench-process.js';
import { delay, liveWork, uniquePrefix, waitForKeys } from './support/live-scenario.js';
import { ownPostgresServers, type PostgresServerProcess, postgresSkipReason } from './support/postgres-server.js';
import { ownServers, type RedisServerProcess, redisSkipReason } from './support/redis-server.js';

// `mode: live` against a real PostgreSQL behind a real Redis. The file starts its own PostgreSQL (initdb +
// postgres on a free loopback port, pg_stat_statements preloaded) and its own redis-server; each test
// works in a database of its own, so the server's counters over a run are the run's. Runs are short
// (about a second at 200 requests/s, twice: with the cache, then the live no-cache baseline).
const skip = postgresSkipReason() || redisSkipReason();
const ownPostgres = ownPostgresServers();
const ownRedis = ownServers();

/** A password that must never appear in any output (trust authentication ignores it). */
const MARKER = 'pw-MARKER-4f1c9e';

type Fields = Record<string, unknown>;

function scenarioFile(name: string, fields: { postgres: Fields; redis: Fields; workload?: Fields; database?: Fields; cache?: Fields }): string {
  const scenario = {
    name,
    seed: 11,
    mode: 'live',
    workload: {
      keys: 300,
      distribution: { type: 'zipf', alpha: 1.0 },
      mix: { get: 0.9, set: 0.1 },
      value_size: 64,
      duration: '1s',
      rate: '200/s',
      arrival: 'constant',
      ...fields.workload,
    },
    database: { max_concurrency: 4, ...fields.database, postgres: fields.postgres },
    cache: { ttl: '60s', ...fields.cache, redis: fields.redis },
  };
  const path = join(liveWork, `${name}-${randomBytes(3).toString('hex')}.yaml`);
  writeFileSync(path, stringify(scenario));
  return path;
}

function jsonOf(path: string): { runs: RunResult[] } {
  return JSON.parse(readFileSync(path, 'utf8')) as { runs: RunResult[] };
}

/** Tables of the public schema, by name. */
async function tables(server: PostgresServerProcess, database: string): Promise<string[]> {
  const client = await server.client(database);
  try {
    const rows = await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
    return rows.rows.map((row) => row.tablename as string);
  } finally {
    await client.end();
  }
}

/** A user table `products` (id, payload, version) of `rows` rows, and a fingerprint of its contents. */
async function createProducts(server: PostgresServerProcess, database: string, rows: number): Promise<void> {
  const client = await server.client(database);
  try {
    await client.query('CREATE TABLE products (id bigint PRIMARY KEY, payload text NOT NULL, version integer NOT NULL)');
    await client.query(`INSERT INTO products SELECT g, md5(g::text), 7 FROM generate_series(0, $1::int - 1) g`, [rows]);
  } finally {
    await client.end();
  }
}

async function fingerprint(server: PostgresServerProcess, database: string, table: string): Promise<string> {
  const client = await server.client(database);
  try {
    const row = await client.query(`SELECT count(*)::int AS n, md5(string_agg(id || ':' || payload || ':' || version, ',' ORDER BY id)) AS h FROM ${table}`);
    return `${row.rows[0].n}:${row.rows[0].h}`;
  } finally {
    await client.end();
  }
}

describe('cachebench run, mode: live, against a real PostgreSQL (database.postgres)', { skip }, () => {
  let pg: PostgresServerProcess;
  let redis: RedisServerProcess;
  before(async () => {
    pg = await ownPostgres();
    redis = await ownRedis();
  });
  after(() => {});

  async function freshDatabase(): Promise<string> {
    const name = `cachebench_test_${randomBytes(4).toString('hex')}`;
    await pg.createDatabase(name);
    return name;
  }

  for (const workers of [1, 2]) {
    it(`table mode, ${workers === 1 ? 'one thread' : '2 worker threads'}: the client's query counts equal pg_stat_statements, the user's table is untouched, the run's table is gone, and the password is never shown`, async () => {
      const db = await freshDatabase();
      await createProducts(pg, db, 50);
      const products = await fingerprint(pg, db, 'products');
      const json = join(liveWork, `pg-table-${workers}-${randomBytes(3).toString('hex')}.json`);
      const file = scenarioFile('pg-table', {
        postgres: { url: pg.url(db, MARKER), table: 'cachebench_items' },
        redis: { url: redis.url },
        workload: { workers },
      });
      const html = json.replace(/\.json$/, '.html');
      const r = cachebench(['run', file, '--json', json, '--html', html]);
      assert.equal(r.code, 0, r.stderr);
      const run = jsonOf(json).runs[0];
      const view = run.database!;
      assert.equal(run.baseline_source, 'live');
      assert.equal(view.mode, 'table');
      assert.equal(view.rows_filled, 300);
      assert.equal(view.table_dropped, true);
      assert.equal(view.staleness, 'exact');
      assert.equal(view.client.errors, 0);
      const st = view.server!.statements!;
      // Exact: the statements name the run's own table, and every connection had ended before the counters were read.
      assert.equal(st.read!.calls, view.client.reads);
      assert.equal(st.write!.calls, view.client.writes);
      assert.ok(view.client.reads > 0 && view.client.writes > 0, JSON.stringify(view.client));
      assert.equal(view.client.reads, run.metrics.db.reads);
      assert.equal(view.client.writes, run.metrics.db.writes);
      // The live baseline: every read reached the database, and the server counted each of them.
      const baseline = view.baseline!;
      assert.equal(baseline.client.reads, run.baseline.reads);
      assert.equal(baseline.server!.statements!.read!.calls, baseline.client.reads);
      assert.equal(baseline.server!.statements!.write!.calls, baseline.client.writes);
      assert.ok(run.metrics.db.reads < run.baseline.db.reads, `cache ${run.metrics.db.reads} vs baseline ${run.baseline.db.reads} DB reads`);
      // pg_stat_database counts every session (cachebench's statistics queries too): never fewer than the run's statements.
      assert.ok(view.server!.database.xact_commit >= view.client.reads + view.client.writes);
      // The fill is before the run's span: the writes update the rows it inserted, and nothing else inserts.
      assert.equal(view.server!.database.tup_inserted, 0);
      assert.equal(view.server!.database.tup_updated, view.client.writes);
      assert.equal(view.pool, 4);
      assert.ok(run.metrics.db.max_inflight <= 4);
      assert.deepEqual(await tables(pg, db), ['products']);
      assert.equal(await fingerprint(pg, db, 'products'), products);
      for (const text of [r.stdout, r.stderr, readFileSync(json, 'utf8'), readFileSync(html, 'utf8')]) assert.ok(!text.includes(MARKER), 'the password is never shown');
      assert.match(r.stdout, /postgres:\/\/postgres:\*\*\*@127\.0\.0\.1/);
      // The live baseline keeps its own account of its schedule; when it could not keep it, the verdict compares nothing.
      assert.equal(typeof run.baseline.live!.saturated, 'boolean');
      assert.equal(run.baseline.live!.worker_requests!.length, workers);
      const saturatedBaseline = { ...run, metrics: { ...run.metrics, live: { ...run.metrics.live!, saturated: false } } };
      saturatedBaseline.baseline = { ...run.baseline, live: { ...run.baseline.live!, saturated: true, saturation_reasons: ['12 arrivals dropped'], kept_up_rate: 150 } };
      assert.match(verdictLine(saturatedBaseline), /^the no-cache baseline's load generator could not keep its schedule \(12 arrivals dropped\)/);
    });
  }

  it('two shards (--shard 0/2 and 1/2) against one PostgreSQL merge into one view: client and statement counts summed, each shard’s table dropped', async () => {
    const db = await freshDatabase();
    const file = scenarioFile('pg-shards', { postgres: { url: pg.url(db), table: 'cachebench_items' }, redis: { url: redis.url } });
    const files = [0, 1].map((i) => join(liveWork, `pg-shard-${i}-${randomBytes(3).toString('hex')}.json`));
    const shards = await Promise.all(files.map((json, i) => startCachebench(['run', file, '--shard', `${i}/2`, '--json', json]).finished));
    for (const r of shards) assert.equal(r.code, 0, r.stderr);
    const parts = files.map((json) => jsonOf(json).runs[0].database!);
    const m = cachebench(['merge', ...files, '--json', '-']);
    assert.equal(m.code, 0, m.stderr);
    const merged = (JSON.parse(m.stdout) as { runs: RunResult[] }).runs[0];
    const view = merged.database!;
    assert.equal(merged.baseline_source, 'live');
    assert.equal(view.client.reads, parts[0].client.reads + parts[1].client.reads);
    assert.equal(view.client.writes, parts[0].client.writes + parts[1].client.writes);
    // Each shard had a table of its own: its statements' counts are its own, and they add up.
    assert.equal(view.server!.statements!.read!.calls, view.client.reads);
    assert.equal(view.server!.statements!.write!.calls, view.client.writes);
    assert.equal(view.baseline!.server!.statements!.read!.calls, view.baseline!.client.reads);
    assert.notEqual(parts[0].table, parts[1].table);
    assert.equal(view.table_dropped, true);
    assert.deepEqual(await tables(pg, db), []);
  });

  it('the user’s statements, read-only: reads counted by pg_stat_statements, versions from the rows, nothing written', async () => {
    const db = await freshDatabase();
    await createProducts(pg, db, 300);
    const products = await fingerprint(pg, db, 'products');
    const json = join(liveWork, `pg-read-${randomBytes(3).toString('hex')}.json`);
    const read = 'SELECT payload, version FROM products WHERE id = $1';
    const file = scenarioFile('pg-read', {
      postgres: { url: pg.url(db, MARKER), read },
      redis: { url: redis.url },
      workload: { mix: { get: 1 } },
    });
    const r = cachebench(['run', file, '--json', json]);
    assert.equal(r.code, 0, r.stderr);
    const view = jsonOf(json).runs[0].database!;
    assert.equal(view.mode, 'statements');
    assert.equal(view.read_only, true);
    assert.equal(view.staleness, 'exact');
    assert.equal(view.client.missing_rows, 0);
    assert.equal(view.server!.statements!.read!.calls, view.client.reads);
    assert.equal(view.server!.database.tup_updated + view.server!.database.tup_inserted + view.server!.database.tup_deleted, 0);
    assert.equal(await fingerprint(pg, db, 'products'), products);
    assert.deepEqual(await tables(pg, db), ['products']);

    // Without `write` the connections are read-only: even a "read" that would write cannot.
    const sneaky = scenarioFile('pg-sneaky', {
      postgres: { url: pg.url(db), read: 'UPDATE products SET version = version + 1 WHERE id = $1 RETURNING payload, version' },
      redis: { url: redis.url },
      workload: { mix: { get: 1 } },
      database: { baseline: 'simulated' },
    });
    const s = cachebench(['run', sneaky, '--json', json]);
    assert.equal(s.code, 0, s.stderr);
    const refused = jsonOf(json).runs[0];
    assert.ok(refused.database!.client.errors > 0 && refused.database!.client.reads === 0, JSON.stringify(refused.database!.client));
    assert.match(refused.database!.first_error ?? '', /read-only transaction/);
    assert.equal(refused.metrics.errors, refused.metrics.requests);
    assert.equal(await fingerprint(pg, db, 'products'), products);
  });

  it('the user’s write with RETURNING version keeps staleness exact; a read without a version column makes it unknown (null, not 0)', async () => {
    const db = await freshDatabase();
    await createProducts(pg, db, 300);
    const json = join(liveWork, `pg-write-${randomBytes(3).toString('hex')}.json`);
    const file = scenarioFile('pg-write', {
      postgres: {
        url: pg.url(db),
        read: 'SELECT payload, version FROM products WHERE id = $1',
        write: 'UPDATE products SET payload = $2, version = version + 1 WHERE id = $1 RETURNING version',
      },
      redis: { url: redis.url },
      database: { baseline: 'simulated' },
    });
    const r = cachebench(['run', file, '--json', json]);
    assert.equal(r.code, 0, r.stderr);
    const run = jsonOf(json).runs[0];
    assert.equal(run.baseline_source, 'simulated-from-measured');
    assert.equal(run.database!.staleness, 'exact');
    assert.equal(run.database!.baseline, undefined);
    // pg_stat_statements shows the write normalised (`version + $3`); it is found all the same.
    assert.equal(run.database!.server!.statements!.write!.calls, run.database!.client.writes);
    assert.notEqual(run.metrics.staleness.stale_rate, null);

    const unversioned = scenarioFile('pg-unversioned', {
      postgres: { url: pg.url(db), read: 'SELECT payload FROM products WHERE id = $1' },
      redis: { url: redis.url },
      workload: { mix: { get: 1 } },
      database: { baseline: 'simulated' },
    });
    const u = cachebench(['run', unversioned, '--json', json]);
    assert.equal(u.code, 0, u.stderr);
    const unknown = jsonOf(json).runs[0];
    assert.equal(unknown.database!.staleness, 'unknown');
    assert.equal(unknown.metrics.staleness.stale_rate, null);
    assert.match(u.stdout, /staleness unknown/);
  });

  /**
   * Runs `name` with `--json` against the test's PostgreSQL and Redis; once its first key is in Redis (and 300 ms
   * more), `fault` does what the test is about to the run or to a server.
   */
  async function runWithFault(
    name: string,
    fields: { postgres: Fields; workload?: Fields; database?: Fields },
    fault: (run: ChildProcess) => Promise<void>,
  ): Promise<{ r: FinishedProcess; json: string }> {
    const prefix = uniquePrefix(name);
    const json = join(liveWork, `${name}-${randomBytes(3).toString('hex')}.json`);
    const file = scenarioFile(name, { ...fields, redis: { url: redis.url, prefix } });
    const { child, finished } = startCachebench(['run', file, '--json', json]);
    const client = await redis.client();
    try {
      await waitForKeys(client, prefix);
      await delay(300);
      await fault(child);
    } finally {
      client.disconnect();
    }
    return { r: await finished, json };
  }

  /** Pauses PostgreSQL (SIGSTOP) for `ms`. */
  async function pausePostgres(ms: number): Promise<void> {
    pg.pause();
    try {
      await delay(ms);
    } finally {
      pg.resume();
    }
  }

  it('a PostgreSQL paused mid-run shows as timeouts and errors, and the run finishes with its table dropped', async () => {
    const db = await freshDatabase();
    const { r, json } = await runWithFault(
      'pg-pause',
      {
        postgres: { url: pg.url(db), table: 'cachebench_items' },
        workload: { duration: '3s', mix: { get: 0.5, set: 0.5 } },
        database: { timeout: '200ms', baseline: 'simulated' },
      },
      () => pausePostgres(800),
    );
    assert.equal(r.code, 0, r.stderr);
    const run = jsonOf(json).runs[0];
    assert.ok(run.metrics.db.timeouts > 0, `timeouts: ${run.metrics.db.timeouts}`);
    assert.ok(run.metrics.errors >= run.metrics.db.timeouts);
    assert.equal(run.database!.client.timeouts, run.metrics.db.timeouts);
    assert.equal(run.database!.table_dropped, true);
    assert.deepEqual(await tables(pg, db), []);
  });

  it('under on_db_error: fail a paused PostgreSQL stops the run with exit 3, and nothing of the run remains', async () => {
    const db = await freshDatabase();
    const { r, json } = await runWithFault(
      'pg-fail',
      {
        postgres: { url: pg.url(db, MARKER), table: 'cachebench_items' },
        workload: { duration: '60s', mix: { get: 0.5, set: 0.5 } },
        database: { timeout: '200ms', on_db_error: 'fail' },
      },
      () => pausePostgres(1000),
    );
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /on_db_error: fail/);
    // Well short of the 60 s (and its live baseline) the run would take: it stopped at the failure. A ratio to
    // the run's length, with room for a loaded machine's start-up, not a bound on how fast it fails.
    assert.ok(r.elapsedMs < 45_000, `stopped at the failure: ${r.elapsedMs} ms`);
    assert.ok(!r.stderr.includes(MARKER) && !r.stdout.includes(MARKER) && !readFileSync(json, 'utf8').includes(MARKER));
    assert.deepEqual(await tables(pg, db), []);
  });

  it('SIGTERM mid-run stops like Ctrl-C (exit 130) and drops the run’s table', async () => {
    const db = await freshDatabase();
    const { r, json } = await runWithFault(
      'pg-term',
      { postgres: { url: pg.url(db), table: 'cachebench_items' }, workload: { duration: '30s' } },
      async (run) => {
        run.kill('SIGTERM');
      },
    );
    assert.equal(r.code, 130, `code ${r.code} signal ${r.signal}: ${r.stderr}`);
    const run = jsonOf(json).runs[0];
    assert.equal(run.database!.table_dropped, true);
    // Stopped before its live baseline: the baseline is simulated from what was measured, and says so.
    assert.equal(run.baseline_source, 'simulated-from-measured');
    assert.equal(run.database!.baseline, undefined);
    assert.deepEqual(await tables(pg, db), []);
  });

  it('a PostgreSQL shut down mid-run (immediate) shows as errors; the run finishes and says why', async () => {
    const db = await freshDatabase();
    await createProducts(pg, db, 300);
    const { r, json } = await runWithFault(
      'pg-down',
      {
        postgres: { url: pg.url(db, MARKER), read: 'SELECT payload, version FROM products WHERE id = $1' },
        workload: { duration: '2s', mix: { get: 1 } },
        database: { timeout: '300ms', baseline: 'simulated' },
      },
      () => pg.stopImmediately(),
    );
    await pg.launch();
    assert.equal(r.code, 0, r.stderr);
    const run = jsonOf(json).runs[0];
    assert.ok(run.metrics.errors > 0, `errors: ${run.metrics.errors}`);
    assert.ok(run.database!.client.errors > 0);
    assert.equal(typeof run.database!.first_error, 'string');
    assert.equal(run.database!.server, null);
    assert.equal(typeof run.database!.server_error, 'string');
    for (const text of [r.stdout, r.stderr, readFileSync(json, 'utf8')]) assert.ok(!text.includes(MARKER), 'the password is never shown');
  });

  it('an unreachable PostgreSQL is exit 3 with the URL masked', async () => {
    const file = scenarioFile('pg-unreachable', {
      postgres: { url: `postgres://postgres:${MARKER}@127.0.0.1:1/app`, table: 'cachebench_items', connect_timeout: '1s' },
      redis: { url: redis.url },
    });
    const r = cachebench(['run', file]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/app could not be reached/);
    assert.ok(!r.stderr.includes(MARKER) && !r.stdout.includes(MARKER));
    assertNoStack(r.stderr);
  });
});

describe('database.postgres in a scenario: what is valid', () => {
  it('defaults: a pool of 10 real connections, a 2 s query timeout, a live baseline; none of them for the model', () => {
    const path = scenarioFile('pg-defaults', { postgres: { url: 'postgres://u@127.0.0.1/app', table: 'items' }, redis: { url: 'redis://127.0.0.1:6390/0' } });
    writeFileSync(path, readFileSync(path, 'utf8').replace(/ {2}max_concurrency: 4\n/, ''));
    const { database } = loadScenario(path).scenario;
    assert.equal(database.max_concurrency, 10);
    assert.equal(database.timeout, 2000);
    assert.equal(database.baseline, 'live');
    assert.equal(database.postgres!.connect_timeout, 5000);
    const none = loadScenario(path, ['database.timeout=none']).scenario.database;
    assert.equal(none.timeout, null);
    // The progress bar expects the live baseline's second pass over the workload.
    assert.equal(expectedWork(loadScenario(path).scenario).durationMs, 2000);
    assert.equal(expectedWork(loadScenario(path, ['database.baseline=simulated']).scenario).durationMs, 1000);
  });

  it('statements: $1 required, pg_stat_statements normalisation, URLs shown without their password', () => {
    assert.equal(statementProblem('SELECT payload FROM p WHERE id = $1', 'read'), null);
    assert.match(statementProblem('SELECT payload FROM p WHERE id = $10', 'read') ?? '', /must use \$1/);
    assert.match(statementProblem('SELECT payload FROM p WHERE id = $1 AND x = $2', 'read') ?? '', /one parameter/);
    assert.match(statementProblem('UPDATE p SET a = $3 WHERE id = $1', 'write') ?? '', /\$1 \(the key id\) and \$2/);
    assert.equal(
      normalizedStatement("UPDATE p SET payload = $2, version = version + 1, tag = 'a''b', t1 = 2.5 WHERE id = $1"),
      'UPDATE p SET payload = $2, version = version + $3, tag = $4, t1 = $5 WHERE id = $1',
    );
    const address = parsePostgresAddress(`postgresql://app:${MARKER}@db.local:6543/shop`, 'url');
    assert.equal(address.display, 'postgresql://app:***@db.local:6543/shop');
    assert.deepEqual([address.host, address.port, address.user, address.database], ['db.local', 6543, 'app', 'shop']);
    assert.equal(redactPostgres(`failed: ${address.url} (${MARKER})`, address), 'failed: postgresql://app:***@db.local:6543/shop (***)');
    const bare = parsePostgresAddress('postgres://127.0.0.1', 'url');
    assert.deepEqual([bare.port, bare.user, bare.database, bare.display], [5432, 'postgres', 'postgres', 'postgres://127.0.0.1']);
  });

  const redis = { url: 'redis://127.0.0.1:6390/0' };
  const check = (fields: Parameters<typeof scenarioFile>[1], pattern: RegExp) => {
    const r = cachebench(['validate', scenarioFile('pg-invalid', fields)]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, pattern);
    assertNoStack(r.stderr);
    assert.ok(!r.stderr.includes(MARKER));
  };

  it('needs mode: live', () => {
    const path = scenarioFile('pg-simulate', { postgres: { url: 'postgres://u@127.0.0.1/app', table: 'items' }, redis });
    const text = readFileSync(path, 'utf8').replace('mode: live', 'mode: simulate').replace(/\n {2}redis:[^\n]*\n(?: {4}[^\n]*\n)*/, '\n');
    writeFileSync(path, text);
    const r = cachebench(['validate', path]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /database\.postgres[\s\S]*applies only with `mode: live`/);
  });

  it('needs exactly one of read and table, statements that use $1, and a write when the workload writes', () => {
    check({ postgres: { url: 'postgres://u@127.0.0.1/app' }, redis }, /exactly one of `read`/);
    check({ postgres: { url: 'postgres://u@127.0.0.1/app', read: 'SELECT 1', table: 't' }, redis }, /exactly one of `read`/);
    check({ postgres: { url: 'postgres://u@127.0.0.1/app', read: 'SELECT payload FROM p WHERE id = 1' }, redis, workload: { mix: { get: 1 } } }, /must use \$1/);
    check({ postgres: { url: 'postgres://u@127.0.0.1/app', read: 'SELECT payload FROM p WHERE id = $1' }, redis }, /never writes to your tables without a `write`/);
    check({ postgres: { url: 'postgres://u@127.0.0.1/app', table: 'Bad-Name' }, redis }, /lower-case letters/);
    check({ postgres: { url: `mysql://u:${MARKER}@127.0.0.1/app`, table: 'items' }, redis }, /postgres:\/\/ or postgresql:\/\//);
    check({ postgres: { url: 'postgres://u@127.0.0.1/app', table: 'items' }, redis, database: { latency: '5ms' } }, /latency is measured/);
  });
});
