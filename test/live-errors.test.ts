import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startCachebench } from './support/cachebench-process.js';
import { delay, liveScenario, parseResult, uniquePrefix, waitForKeys } from './support/live-scenario.js';
import { ownServers, redisSkipReason } from './support/redis-server.js';

// `errors` of a live run is one count with one definition — requests that failed — in the metrics, the
// time series (errors_per_s), live.errors_per_second and the summary; failed Redis commands are counted
// apart (redis.client.errors, live.cache_errors_per_second). Each test pauses or kills its own redis-server.
const skip = redisSkipReason();
const ownServer = ownServers();

interface ErrorCounts {
  metrics: { requests: number; errors: number; live: { errors_per_second: number[]; cache_errors_per_second?: number[] } };
  timeseries: { errors_per_s?: number }[];
  timeseries_window_ms: number;
  redis: { client: { errors: number } };
}

/** Failed requests as the time series counts them (errors_per_s × the window's seconds, summed). */
function timeseriesErrors(run: ErrorCounts): number {
  return Math.round(run.timeseries.reduce((sum, point) => sum + (point.errors_per_s ?? 0), 0) * (run.timeseries_window_ms / 1000));
}

const sum = (values: readonly number[] | undefined) => (values ?? []).reduce((a, b) => a + b, 0);

describe('cachebench run, mode: live: errors count failed requests, one count everywhere', { skip }, () => {
  it('on_cache_error: fallback with Redis stalled: the database serves every read, so no request failed; the failed Redis commands are counted apart', async () => {
    const server = await ownServer();
    const client = await server.client();
    const prefix = uniquePrefix('fallback-errors');
    try {
      const running = startCachebench([
        'run',
        liveScenario({
          name: 'fallback-errors',
          // A short command timeout: during the pause a read's GET and then its SET both fail (two commands, one request).
          redis: { url: server.url, prefix, command_timeout: '150ms' },
          workload: { duration: '4s', rate: '200/s' },
          cache: { on_cache_error: 'fallback' },
        }),
        '--json',
        '-',
      ]).finished;
      await waitForKeys(client, prefix);
      await delay(800);
      server.pause();
      await delay(1000);
      server.resume();
      const r = await running;
      assert.equal(r.code, 0, r.stderr);
      const run = parseResult(r.stdout, r.stderr).runs[0] as unknown as ErrorCounts;
      const commands = run.redis.client.errors;
      assert.ok(commands > 0, `Redis commands failed during the pause: ${commands}`);
      assert.equal(sum(run.metrics.live.cache_errors_per_second), commands);
      // Every request was served (by the database when Redis failed): none failed, in any of the three counts.
      assert.equal(run.metrics.errors, 0);
      assert.equal(sum(run.metrics.live.errors_per_second), 0);
      assert.equal(timeseriesErrors(run), 0);
      assert.match(r.stderr, new RegExp(`failed requests 0, failed Redis commands ${commands.toLocaleString('en-US')},`));
      assert.doesNotMatch(r.stderr, /requests failed/);
    } finally {
      client.disconnect();
    }
  });

  it('on_cache_error: fail with the server killed: each request whose command failed counts once, the same in the metrics, the time series and per second', async () => {
    const server = await ownServer();
    const client = await server.client();
    const prefix = uniquePrefix('fail-errors');
    const running = startCachebench([
      'run',
      liveScenario({
        name: 'fail-errors',
        redis: { url: server.url, prefix },
        workload: { duration: '6s', rate: '200/s' },
        cache: { on_cache_error: 'fail' },
      }),
      '--json',
      '-',
    ]).finished;
    await waitForKeys(client, prefix);
    client.disconnect();
    await delay(500);
    await server.kill();
    const r = await running;
    assert.equal(r.code, 3, r.stderr);
    const run = parseResult(r.stdout, r.stderr).runs[0] as unknown as ErrorCounts;
    const errors = run.metrics.errors;
    assert.ok(errors >= 1, `the request whose command failed is a failed request: ${errors}`);
    assert.ok(errors <= run.metrics.requests, `${errors} failed of ${run.metrics.requests} requests`);
    assert.ok(errors <= run.redis.client.errors, `${errors} failed requests, ${run.redis.client.errors} failed commands`);
    assert.equal(sum(run.metrics.live.errors_per_second), errors);
    assert.equal(timeseriesErrors(run), errors);
    assert.match(r.stderr, new RegExp(`${errors.toLocaleString('en-US')} requests? failed`));
  });
});
