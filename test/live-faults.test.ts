import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startCachebench } from './support/cachebench-process.js';
import {
  delay,
  type LiveResult,
  liveScenario,
  liveWork,
  parseResult,
  uniquePrefix,
  waitForKeys,
} from './support/live-scenario.js';
import type { Redis } from 'ioredis';
import { infoStats, ownServers, type RedisServerProcess, redisSkipReason, scanKeys } from './support/redis-server.js';

// Faults mid-run, `mode: live`: a paused server (SIGSTOP/SIGCONT), a killed and restarted one, Ctrl-C. Each
// test starts its own redis-server on a free loopback port and stops it by PID. The fault is injected once
// the run has written its first key (so it lands mid-run however slowly the process started), and every
// bound below leaves a wide margin for a loaded 2-core machine.
const skip = redisSkipReason();
const ownServer = ownServers();

/** Runs `scenario` and pauses the server (SIGSTOP) for 600 ms half a second after its first key appears; the run's metrics. */
async function runThroughPause(server: RedisServerProcess, client: Redis, prefix: string, scenario: string) {
  const running = startCachebench(['run', scenario, '--json', '-']).finished;
  await waitForKeys(client, prefix);
  await delay(500);
  server.pause();
  await delay(600);
  server.resume();
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  return parseResult(r.stdout, r.stderr).runs[0].metrics;
}

function readJsonFile(path: string): LiveResult {
  assert.ok(existsSync(path), `${path} was written`);
  return JSON.parse(readFileSync(path, 'utf8')) as LiveResult;
}

// Every fault runs with the load in the main thread (workers: 1) and split over two worker threads.
describe('cachebench run, mode: live, under faults (real redis-server)', { skip }, () => {
  for (const workers of [1, 2]) {
    const label = workers === 1 ? 'one thread' : `${workers} worker threads`;
    it(`${label}: a server paused for 600 ms shows in the latency tail: latency counts from the intended start (no coordinated omission)`, async () => {
      const server = await ownServer();
      const client = await server.client();
      const prefix = uniquePrefix('pause');
      try {
        const metrics = await runThroughPause(
          server,
          client,
          prefix,
          liveScenario({
            name: 'pause',
            // A command timeout well above the pause: the stalled requests must show as latency, not errors.
            redis: { url: server.url, prefix, command_timeout: '5s' },
            workload: { duration: '4s', rate: '200/s', workers },
          }),
        );
        // ~120 requests were due during the pause, waiting up to 600 ms each: the top 1% all waited > 400 ms.
        assert.ok(metrics.latency_ms.max >= 500, `max ${metrics.latency_ms.max} ms`);
        assert.ok(metrics.latency_ms.p99 >= 300, `p99 ${metrics.latency_ms.p99} ms`);
        // Only the tail shows the pause: the median is a small part of it (a ratio, which load does not break).
        assert.ok(metrics.latency_ms.p50 * 3 < metrics.latency_ms.p99, `p50 ${metrics.latency_ms.p50} ms vs p99 ${metrics.latency_ms.p99} ms`);
        assert.equal(metrics.live.dropped, 0);
      } finally {
        client.disconnect();
      }
    });

    it(`${label}: arrivals during a pause beyond max_in_flight are dropped and counted; issued + dropped = every arrival`, async () => {
      const server = await ownServer();
      const client = await server.client();
      const prefix = uniquePrefix('drop');
      try {
        const metrics = await runThroughPause(
          server,
          client,
          prefix,
          liveScenario({
            name: 'drop',
            redis: { url: server.url, prefix, command_timeout: '5s' },
            workload: { duration: '4s', rate: '200/s', max_in_flight: 20, workers },
          }),
        );
        // ~120 arrivals fall in the pause and at most 20 can wait in flight (across every thread).
        assert.ok(metrics.live.dropped >= 60, `dropped ${metrics.live.dropped}`);
        // 4 s at a constant 200/s: 800 arrivals, each either issued by one thread or dropped.
        assert.equal(metrics.requests + metrics.live.dropped, 800);
      } finally {
        client.disconnect();
      }
    });

    it(`${label}: a server killed and restarted mid-run: errors per second are counted, the client reconnects, the run finishes (on_cache_error: fallback)`, async () => {
      const server = await ownServer();
      const prefix = uniquePrefix('restart');
      const running = startCachebench([
        'run',
        liveScenario({
          name: 'restart',
          redis: { url: server.url, prefix },
          workload: { duration: '5s', rate: '200/s', workers },
          cache: { on_cache_error: 'fallback' },
        }),
        '--json',
        '-',
      ]).finished;
      const first = await server.client();
      await waitForKeys(first, prefix);
      first.disconnect();
      await delay(500);
      await server.kill();
      await delay(800);
      await server.restart();
      const r = await running;
      assert.equal(r.code, 0, r.stderr);
      const { metrics, redis } = parseResult(r.stdout, r.stderr).runs[0];
      assert.ok(metrics.requests >= 800, `the run went on to the end: ${metrics.requests} requests`);
      // The restarted server counts from 0: INFO deltas across the restart are unknown, and say why.
      const view = redis as unknown as { delta: Record<string, number | null>; delta_unknown?: string };
      assert.deepEqual(Object.values(view.delta), [null, null, null, null, null, null]);
      assert.match(view.delta_unknown ?? '', /^Redis restarted during the run \(its run_id changed/);
      assert.match(r.stderr, /keyspace hits, misses, evicted, expired and commands unknown \(Redis restarted during the run/);
      assert.doesNotMatch(r.stderr, /keyspace hits -/);
      // Redis's commands failed while it was down; the database served those reads (fallback): no request failed.
      const perSecond = (metrics.live as { cache_errors_per_second?: number[] }).cache_errors_per_second ?? [];
      assert.ok(perSecond.some((errors) => errors > 0), `failed Redis commands per second: ${perSecond.join(', ')}`);
      assert.equal(metrics.errors, 0);
      assert.ok(metrics.live.reconnects >= 1, `reconnects: ${metrics.live.reconnects}`);
      const client = await server.client();
      try {
        // The restarted server (empty, counters from zero) served the rest of the run, and was cleaned.
        assert.ok((await infoStats(client)).keyspace_misses > 0, 'reads reached the restarted server');
        assert.deepEqual(await scanKeys(client, `${prefix}*`), []);
      } finally {
        client.disconnect();
      }
    });

    it(`${label}: a server killed mid-run with on_cache_error: fail is exit 3 with a partial JSON result`, async () => {
      const server = await ownServer();
      const prefix = uniquePrefix('fail');
      const json = join(liveWork, `fail-${workers}.json`);
      const running = startCachebench([
        'run',
        liveScenario({
          name: 'fail',
          redis: { url: server.url, prefix },
          workload: { duration: '10s', rate: '200/s', workers },
          cache: { on_cache_error: 'fail' },
        }),
        '--json',
        json,
      ]).finished;
      const client = await server.client();
      await waitForKeys(client, prefix);
      client.disconnect();
      await delay(500);
      await server.kill();
      const r = await running;
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /127\.0\.0\.1/);
      // The server is gone: after ~10 s of retries the cleanup gives up and says how to finish it.
      assert.ok(r.stderr.includes(`delete them with: cachebench cleanup --redis ${server.url} --prefix ${prefix}`), r.stderr);
      const result = readJsonFile(json) as unknown as PartialResult;
      const metrics = result.runs[0].metrics;
      // Stopped at the failure, in the first half of the 10 s run at 200/s (a count, not a clock).
      assert.ok(metrics.requests > 0 && metrics.requests < 1000, `partial: ${metrics.requests} requests`);
      // Marked as partial, on the run and on the result, with the reason.
      assert.equal(result.partial, true);
      assert.equal(result.runs[0].partial, true);
      assert.match(result.runs[0].partial_reason!, /127\.0\.0\.1/);
      assert.equal(result.partial_reason, result.runs[0].partial_reason);
    });

    it(`${label}: SIGINT mid-run is exit 130, with the partial result written and the run’s keys deleted`, async () => {
      const server = await ownServer();
      const prefix = uniquePrefix('sigint');
      const json = join(liveWork, `sigint-${workers}.json`);
      const { child, finished } = startCachebench([
        'run',
        liveScenario({
          name: 'sigint',
          redis: { url: server.url, prefix },
          workload: { duration: '60s', rate: '200/s', workers },
        }),
        '--json',
        json,
      ]);
      const client = await server.client();
      try {
        await waitForKeys(client, prefix);
        await delay(500);
        child.kill('SIGINT');
        const r = await finished;
        assert.equal(r.code, 130, `code ${r.code} signal ${r.signal}: ${r.stderr}`);
        const result = readJsonFile(json) as unknown as PartialResult;
        const metrics = result.runs[0].metrics;
        // Stopped at the SIGINT, in the first half of the 60 s run at 200/s (a count, not a clock).
        assert.ok(metrics.requests > 0 && metrics.requests < 6_000, `partial: ${metrics.requests} requests`);
        assert.equal(result.partial, true);
        assert.equal(result.runs[0].partial, true);
        assert.equal(result.runs[0].partial_reason, 'interrupted');
        assert.deepEqual(await scanKeys(client, `${prefix}*`), []);
      } finally {
        client.disconnect();
      }
    });
  }

  it('SIGTERM stops a live run as Ctrl-C does: exit 130, the partial result written, the keys deleted', async () => {
    const server = await ownServer();
    const prefix = uniquePrefix('sigterm');
    const json = join(liveWork, 'sigterm.json');
    const { child, finished } = startCachebench([
      'run',
      liveScenario({ name: 'sigterm', redis: { url: server.url, prefix }, workload: { duration: '60s', rate: '200/s' } }),
      '--json',
      json,
    ]);
    const client = await server.client();
    try {
      await waitForKeys(client, prefix);
      await delay(300);
      child.kill('SIGTERM');
      const r = await finished;
      assert.equal(r.code, 130, `code ${r.code} signal ${r.signal}: ${r.stderr}`);
      assert.equal((readJsonFile(json) as unknown as PartialResult).runs[0].partial, true);
      assert.deepEqual(await scanKeys(client, `${prefix}*`), []);
    } finally {
      client.disconnect();
    }
  });

  it('a second Ctrl-C while the first is being handled (the server paused) exits at once with 130, the old output intact', async () => {
    const server = await ownServer();
    const prefix = uniquePrefix('twice');
    const json = join(liveWork, 'twice.json');
    writeFileSync(json, "yesterday's result");
    const { child, finished } = startCachebench([
      'run',
      liveScenario({ name: 'twice', redis: { url: server.url, prefix, command_timeout: '20s' }, workload: { duration: '60s', rate: '200/s' } }),
      '--json',
      json,
    ]);
    const client = await server.client();
    try {
      await waitForKeys(client, prefix);
      // Paused, the server answers nothing: the first Ctrl-C waits for requests in flight and the cleanup.
      server.pause();
      child.kill('SIGINT');
      await delay(500);
      assert.equal(child.exitCode, null, 'the first Ctrl-C is still being handled');
      child.kill('SIGINT');
      const r = await finished;
      assert.equal(r.code, 130, `code ${r.code} signal ${r.signal}: ${r.stderr}`);
      assert.equal(readFileSync(json, 'utf8'), "yesterday's result");
    } finally {
      server.resume();
      client.disconnect();
    }
  });
});

/** What a partial result adds to the JSON. */
interface PartialResult {
  partial?: true;
  partial_reason?: string;
  runs: { partial?: true; partial_reason?: string; metrics: { requests: number } }[];
}
