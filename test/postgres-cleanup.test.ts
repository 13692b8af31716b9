import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { PostgresTable, RUN_TABLE_COMMENT } from '../src/live/postgres-table.js';
import type { WorkloadSpec } from '../src/scenario/scenario.js';
import { cachebench } from './support/cachebench-process.js';
import { ownPostgresServers, postgresSkipReason } from './support/postgres-server.js';
import { freePort } from './support/redis-server.js';

// `cachebench cleanup --postgres URL --table NAME` drops the table a live run left behind (its own DROP
// failed) and nothing else: a table is dropped only when a run created it (its name and its comment).
const skip = postgresSkipReason();
const ownPostgres = ownPostgresServers();
const MARKER = 'pw-MARKER-77ab01';

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('cachebench cleanup --postgres', { skip }, () => {
  it("drops a run's table, once, and no table of the user's even when it looks like one", async () => {
    const server = await ownPostgres();
    const url = server.url('postgres', MARKER);
    const name = 'cachebench_items_0a1b2c3d';
    await withClient(url, async (client) => {
      // The table as a run creates it (a trace workload: created, not filled), then left behind.
      await new PostgresTable(name).create(client, { kind: 'trace' } as WorkloadSpec, 1);
      // The user's own table: the same name pattern and columns, rows in it, no run comment.
      await client.query('CREATE TABLE shop_items_12345678 (id bigint PRIMARY KEY, version integer NOT NULL, payload text NOT NULL)');
      await client.query("INSERT INTO shop_items_12345678 VALUES (1, 0, 'x'), (2, 0, 'y')");
      const comment = await client.query(`SELECT obj_description('${name}'::regclass, 'pg_class') AS c`);
      assert.equal(comment.rows[0].c, RUN_TABLE_COMMENT);
    });

    const dropped = cachebench(['cleanup', '--postgres', url, '--table', name]);
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.match(dropped.stdout, /^dropped table cachebench_items_0a1b2c3d on postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres\n$/);
    const again = cachebench(['cleanup', '--postgres', url, '--table', name]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /no table cachebench_items_0a1b2c3d .*: nothing to drop/);

    const refused = cachebench(['cleanup', '--postgres', url, '--table', 'shop_items_12345678']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /shop_items_12345678 on .* was not created by a cachebench run \(it lacks the comment a run gives its table\): left as it is/);
    for (const out of [dropped, again, refused]) assert.ok(!(out.stdout + out.stderr).includes(MARKER), 'the password is never printed');

    await withClient(url, async (client) => {
      const tables = await client.query("SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE '%\\_%' AND relnamespace = 'public'::regnamespace ORDER BY relname");
      assert.deepEqual(tables.rows.map((r) => r.relname), ['shop_items_12345678']);
      const rows = await client.query('SELECT count(*)::int AS n FROM shop_items_12345678');
      assert.equal(rows.rows[0].n, 2, "the user's table keeps its rows");
    });
  });

  it('refuses what is not a cleanup (exit 2) and says when the server cannot be reached (exit 3)', async () => {
    const url = `postgres://postgres:${MARKER}@127.0.0.1:${await freePort()}/postgres`;
    const cases: [string[], number, RegExp][] = [
      [['--postgres', url, '--table', 'products'], 2, /--table: "products" is not the name of a run's table \(<database\.postgres\.table>_<8 hex digits>/],
      [['--postgres', url], 2, /cleanup --postgres needs --table/],
      [['--postgres', url, '--redis', 'redis://127.0.0.1:1', '--table', 'x_0a1b2c3d'], 2, /--redis and --postgres are two cleanups/],
      [[], 2, /cleanup: nothing to clean; give --redis URL --prefix P .* or --postgres URL --table NAME/],
      [['--postgres', url, '--table', 'cachebench_items_0a1b2c3d', '--connect-timeout', '2s'], 3, /PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres could not be reached/],
    ];
    for (const [args, code, message] of cases) {
      const out = cachebench(['cleanup', ...args]);
      assert.equal(out.code, code, `${args.join(' ')}: ${out.stderr}`);
      assert.match(out.stderr, message);
      assert.ok(!out.stderr.includes(MARKER), 'the password is never printed');
      assert.doesNotMatch(out.stderr, /\n\s+at /, 'no stack trace');
    }
  });
});
