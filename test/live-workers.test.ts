import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startCachebench } from './support/cachebench-process.js';
import { liveScenario, liveWork, parseResult, uniquePrefix, waitForKeys } from './support/live-scenario.js';
import { infoStats, redisSkipReason, scanKeys, ownServers } from './support/redis-server.js';

// `mode: live` split over worker threads (`workers`), and recorded traces replayed against Redis: the real
// binary against redis-server processes these tests start on free loopback ports and stop by PID.
const skip = redisSkipReason();
const ownServer = ownServers();

function run(scenario: string) {
  return startCachebench(['run', scenario, '--json', '-'], { timeoutMs: 30_000 }).finished;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/**
 * A canonical CSV trace: `count` requests 3 ms apart (Unix-millisecond timestamps), text keys over about 50
 * names with a skew, a set every 10th request and a delete every 50th, sizes 50–149 bytes.
 */
function writeTrace(count: number): { path: string; gets: number; sets: number; deletes: number; keys: number } {
  const lines = ['timestamp,key,op,size'];
  const ops = { get: 0, set: 0, delete: 0 };
  const keys = new Set<string>();
  for (let i = 0; i < count; i++) {
    const op = i % 50 === 49 ? 'delete' : i % 10 === 9 ? 'set' : 'get';
    const key = `user:session:${(i * i) % 97}`;
    ops[op]++;
    keys.add(key);
    lines.push(`${1_700_000_000_000 + i * 3},${key},${op},${50 + (i % 100)}`);
  }
  const path = join(liveWork, `trace-${count}-${process.pid}.csv`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return { path, gets: ops.get, sets: ops.set, deletes: ops.delete, keys: keys.size };
}

describe('cachebench run, mode: live, with worker threads and traces (real redis-server)', { skip }, () => {
  it('workers: 2 — every request is issued once, the client’s hits and misses equal keyspace_hits and keyspace_misses, staleness is measured', async () => {
    const server = await ownServer();
    const client = await server.client();
    const prefix = uniquePrefix('workers');
    try {
      const before = await infoStats(client);
      // ttl-only: a write leaves the cached copy, so reads of it after the write are stale.
      const r = await run(
        liveScenario({
          name: 'workers',
          redis: { url: server.url, prefix, connections: 3 },
          workload: { workers: 2 },
          cache: { invalidation: 'ttl-only' },
        }),
      );
      const afterRun = await infoStats(client);
      assert.equal(r.code, 0, r.stderr);
      const result = parseResult(r.stdout, r.stderr).runs[0];
      const m = result.metrics;
      assert.equal(m.live.workers, 2);
      // 2 s at a constant 300/s: arrivals at i × 3.33 ms for i < 600, each issued by exactly one worker.
      assert.equal(m.requests, 600);
      assert.equal(m.reads + m.writes + m.deletes, 600);
      assert.equal(sum(m.live.worker_requests), 600);
      assert.ok(
        m.live.worker_requests.every((n) => n > 100),
        `both workers had a share of the keys: ${m.live.worker_requests}`,
      );
      assert.equal(m.live.dropped, 0);
      assert.equal(m.hits + m.misses, m.reads);
      assert.ok(m.hits > 0 && m.misses > 0, `hits ${m.hits}, misses ${m.misses}`);
      assert.equal(m.hits, afterRun.keyspace_hits - before.keyspace_hits);
      assert.equal(m.misses, afterRun.keyspace_misses - before.keyspace_misses);
      assert.equal(result.redis?.delta.keyspace_hits, m.hits);
      assert.equal(result.redis?.client.hits, m.hits);
      assert.ok(m.staleness.stale_reads > 0, `stale reads: ${m.staleness.stale_reads}`);
      assert.equal(m.staleness.stale_rate, m.staleness.stale_reads / m.reads);
      assert.ok((m.staleness.age_ms.max ?? 0) > 0, `ages: ${JSON.stringify(m.staleness.age_ms)}`);
      assert.ok((result.redis?.keys_deleted ?? 0) > 0);
      assert.deepEqual(await scanKeys(client, `${prefix}*`), [], 'the run deletes its own keys');
    } finally {
      client.disconnect();
    }
  });

  it('workers: 2 with a warm-up — only arrivals after it are measured, and Redis saw every GET the client counted', async () => {
    const server = await ownServer();
    const client = await server.client();
    try {
      const before = await infoStats(client);
      const r = await run(
        liveScenario({
          name: 'workers-warmup',
          redis: { url: server.url, prefix: uniquePrefix('warm') },
          workload: { workers: 2, warmup: '1s' },
        }),
      );
      const afterRun = await infoStats(client);
      assert.equal(r.code, 0, r.stderr);
      const result = parseResult(r.stdout, r.stderr).runs[0];
      // Arrivals at i × 3.33 ms ≥ 1000 ms: i from 300 to 599.
      assert.equal(result.metrics.requests, 300);
      assert.equal(sum(result.metrics.live.worker_requests), 300);
      assert.equal(result.timeseries[0].requests_per_s, 0, 'the warm-up second is not in the time series');
      assert.equal(result.timeseries[1].requests_per_s, 300);
      const seen = result.redis!.client;
      assert.equal(seen.hits, afterRun.keyspace_hits - before.keyspace_hits);
      assert.equal(seen.misses, afterRun.keyspace_misses - before.keyspace_misses);
      assert.equal(seen.gets, seen.hits + seen.misses);
      assert.ok(seen.gets > result.metrics.reads, 'the client counts warm-up GETs too');
    } finally {
      client.disconnect();
    }
  });

  it('a closed loop over 2 workers splits its clients: each worker runs its own, on its own keys', async () => {
    const server = await ownServer();
    const client = await server.client();
    try {
      const before = await infoStats(client);
      const r = await run(
        liveScenario({
          name: 'closed-workers',
          redis: { url: server.url, prefix: uniquePrefix('closed') },
          workload: { rate: undefined, arrival: undefined, max_in_flight: undefined, clients: 4, think_time: '2ms', workers: 2 },
        }),
      );
      const afterRun = await infoStats(client);
      assert.equal(r.code, 0, r.stderr);
      const m = parseResult(r.stdout, r.stderr).runs[0].metrics;
      assert.equal(m.live.workers, 2);
      assert.ok(
        m.live.worker_requests.every((n) => n > 100),
        `both workers' clients ran: ${m.live.worker_requests}`,
      );
      assert.equal(sum(m.live.worker_requests), m.requests);
      // Four clients, each waiting 2 ms after a reply, for 2 s: at most 4000 requests.
      assert.ok(m.requests <= 4000, `requests: ${m.requests}`);
      assert.equal(m.hits, afterRun.keyspace_hits - before.keyspace_hits);
      assert.equal(m.misses, afterRun.keyspace_misses - before.keyspace_misses);
    } finally {
      client.disconnect();
    }
  });

  it('a trace replayed at its own timestamps (speed 2) by 2 workers: every request once, at the trace’s pace, keys as prefixed ids', async () => {
    const server = await ownServer();
    const client = await server.client();
    const prefix = uniquePrefix('trace');
    const trace = writeTrace(600);
    try {
      const before = await infoStats(client);
      const running = run(
        liveScenario({
          name: 'trace',
          redis: { url: server.url, prefix },
          workload: { trace: trace.path, arrival: 'trace', speed: 2, workers: 2 },
        }),
      );
      await waitForKeys(client, prefix);
      const names = await scanKeys(client, `${prefix}*`);
      const r = await running;
      const afterRun = await infoStats(client);
      assert.equal(r.code, 0, r.stderr);
      for (const name of names) assert.match(name.slice(prefix.length), /^\d+$/, 'trace keys are interned to ids, then prefixed');
      const result = parseResult(r.stdout, r.stderr).runs[0];
      const m = result.metrics;
      assert.equal(m.requests, 600);
      assert.equal(m.reads, trace.gets);
      assert.equal(m.writes, trace.sets);
      assert.equal(m.deletes, trace.deletes);
      assert.equal(m.live.workers, 2);
      assert.equal(sum(m.live.worker_requests), 600);
      // 1797 ms of trace at speed 2: the last request is due at 898.5 ms.
      // At speed 1 it would take 1797 ms: an order between the two, and the schedule as a floor.
      assert.ok(m.duration_ms >= 898 && m.duration_ms < 1797, `duration ${m.duration_ms} ms`);
      assert.equal(m.hits, afterRun.keyspace_hits - before.keyspace_hits);
      assert.equal(m.misses, afterRun.keyspace_misses - before.keyspace_misses);
      assert.ok(m.hits > 0, `hits: ${m.hits}`);
      assert.ok((result.redis?.keys_deleted ?? 0) <= trace.keys);
      assert.deepEqual(await scanKeys(client, `${prefix}*`), []);
    } finally {
      client.disconnect();
    }
  });

  it('a trace in a closed loop of 3 clients: every request of the trace, as fast as the clients go', async () => {
    const server = await ownServer();
    const client = await server.client();
    const trace = writeTrace(900);
    try {
      const before = await infoStats(client);
      const r = await run(
        liveScenario({
          name: 'trace-closed',
          redis: { url: server.url, prefix: uniquePrefix('trace-closed') },
          workload: { trace: trace.path, clients: 3 },
        }),
      );
      const afterRun = await infoStats(client);
      assert.equal(r.code, 0, r.stderr);
      const m = parseResult(r.stdout, r.stderr).runs[0].metrics;
      assert.equal(m.requests, 900);
      assert.equal(m.reads, trace.gets);
      assert.equal(m.hits, afterRun.keyspace_hits - before.keyspace_hits);
      assert.equal(m.misses, afterRun.keyspace_misses - before.keyspace_misses);
    } finally {
      client.disconnect();
    }
  });
});
