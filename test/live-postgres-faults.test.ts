import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { RunResult } from '../src/result/run-result.js';
import { cachebench } from './support/cachebench-process.js';
import { liveWork } from './support/live-scenario.js';
import { ownPostgresServers, type PostgresServerProcess, postgresSkipReason } from './support/postgres-server.js';
import { ownServers, type RedisServerProcess, redisSkipReason } from './support/redis-server.js';

// Database fault windows against a real PostgreSQL, through the run's fault proxy in front of the server
// (src/live/fault-windows.ts): `db-down` closes every database connection for the window, so node-postgres
// sees the server go away and come back, and the run's usual error handling counts the failed queries;
// `db-slow` holds each reply (factor − 1) × the time the server took. Each test has its own servers.
const skip = postgresSkipReason() || redisSkipReason();
const ownPostgres = ownPostgresServers();
const ownRedis = ownServers();

describe('cachebench run, mode: live, db-down and db-slow against PostgreSQL (real servers behind the fault proxy)', { skip }, () => {
  let pg: PostgresServerProcess;
  let redis: RedisServerProcess;
  before(async () => {
    pg = await ownPostgres();
    redis = await ownRedis();
  });

  it('the queries in the window fail (on_db_error: fail does not stop the run for them); none outside it; the run finishes with its table dropped', async () => {
    const db = `cachebench_test_${randomBytes(4).toString('hex')}`;
    await pg.createDatabase(db);
    const scenario = {
      name: 'pg-db-down',
      seed: 11,
      mode: 'live',
      workload: { keys: 300, distribution: { type: 'zipf', alpha: 1.0 }, mix: { get: 0.5, set: 0.5 }, value_size: 64, duration: '5s', rate: '200/s', arrival: 'constant' },
      database: { max_concurrency: 4, timeout: '1s', on_db_error: 'fail', baseline: 'simulated', postgres: { url: pg.url(db), table: 'cachebench_items' } },
      cache: { ttl: '60s', redis: { url: redis.url } },
      faults: [{ type: 'db-down', at: '2s', duration: '1s' }],
    };
    const file = join(liveWork, `pg-db-down-${randomBytes(3).toString('hex')}.yaml`);
    writeFileSync(file, stringify(scenario));
    const json = file.replace(/\.yaml$/, '.json');
    const r = cachebench(['run', file, '--json', json]);
    assert.equal(r.code, 0, r.stderr);
    const run = (JSON.parse(readFileSync(json, 'utf8')) as { runs: RunResult[] }).runs[0];
    assert.deepEqual(run.faults?.map((f) => [f.kind, f.start_ms, f.end_ms]), [['db-down', 2000, 3000]]);
    const perSecond = run.metrics.live!.errors_per_second;
    // Every write in the window (~100 of its 200 requests) fails, and the reads that missed.
    assert.ok(run.metrics.errors >= 90, `errors ${run.metrics.errors}: ${JSON.stringify(perSecond)}`);
    assert.ok(run.metrics.errors <= 220, `errors ${run.metrics.errors}: ${JSON.stringify(perSecond)}`);
    // In the window's second, and the next (connections reopened at their next use, just after it).
    assert.equal(perSecond.filter((_, s) => s < 2 || s > 3).reduce((a, b) => a + b, 0), 0, JSON.stringify(perSecond));
    assert.ok(run.database!.client.errors > 0);
    assert.ok(run.database!.reconnects! > 0, 'the connections were opened again after the window');
    assert.equal(run.database!.table_dropped, true);
  });

  it('db-slow: the queries in the window take factor × their time; the requests outside it do not', async () => {
    const db = `cachebench_test_${randomBytes(4).toString('hex')}`;
    await pg.createDatabase(db);
    const scenario = {
      name: 'pg-db-slow',
      seed: 11,
      mode: 'live',
      // Every request a write: each one waits for its query, so each one's latency shows the query's.
      workload: { keys: 300, distribution: { type: 'zipf', alpha: 1.0 }, mix: { set: 1 }, value_size: 64, duration: '6s', rate: '100/s', arrival: 'constant' },
      database: { max_concurrency: 8, baseline: 'simulated', postgres: { url: pg.url(db), table: 'cachebench_items' } },
      cache: { ttl: '60s', redis: { url: redis.url } },
      faults: [{ type: 'db-slow', at: '2s', duration: '2s', factor: 200 }],
    };
    const file = join(liveWork, `pg-db-slow-${randomBytes(3).toString('hex')}.yaml`);
    writeFileSync(file, stringify(scenario));
    const json = file.replace(/\.yaml$/, '.json');
    const r = cachebench(['run', file, '--json', json]);
    assert.equal(r.code, 0, r.stderr);
    const run = (JSON.parse(readFileSync(json, 'utf8')) as { runs: RunResult[] }).runs[0];
    assert.deepEqual(run.faults?.map((f) => [f.kind, f.start_ms, f.end_ms]), [['db-slow', 2000, 4000]]);
    assert.equal(run.metrics.errors, 0);
    // A loopback UPDATE takes a few hundred µs: × 200, tens of ms. The window's seconds show it; the run's
    // median request — two thirds of them are outside the window — does not.
    const points = run.timeseries!.filter((p) => p.t_ms >= 2000 && p.t_ms < 4000);
    assert.ok(points.length > 0);
    const windowP99 = Math.min(...points.map((p) => p.p99_ms ?? 0));
    const median = run.metrics.latency_ms.p50!;
    assert.ok(windowP99 >= 20, `p99 in the window ${windowP99} ms: ${JSON.stringify(points.map((p) => p.p99_ms))}`);
    assert.ok(median * 4 <= windowP99, `median ${median} ms against the window's p99 ${windowP99} ms`);
    assert.equal(run.database!.table_dropped, true);
  });
});
