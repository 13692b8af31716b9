import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startCachebench } from './support/cachebench-process.js';
import { liveScenario, parseResult, uniquePrefix } from './support/live-scenario.js';
import { RedisServerProcess, redisSkipReason, requireRedis } from './support/redis-server.js';

// A live run's measurement floor and saturation (issue 11, items 2 and 3), end to end against a
// redis-server of the test's own. The rates are chosen so that a busy 2-core machine cannot flip the
// outcome: 500,000 requests/s with 20 in flight is beyond any one event loop (it must drop), and 20
// requests/s is far below what the slowest one keeps up with (40 arrivals cannot make 50 late starts).
const skip = redisSkipReason();
let server: RedisServerProcess | null = null;

async function ownServer(): Promise<RedisServerProcess> {
  requireRedis();
  server ??= await RedisServerProcess.start();
  return server;
}

after(async () => {
  await server?.stop();
});

interface FloorResult {
  runs: Array<{
    metrics: {
      requests: number;
      live: {
        floor_ms: { noop: Summary; ping: Summary };
        saturated: boolean;
        saturation_reasons: string[];
        kept_up_rate: number | null;
        schedule: { late_starts: number; event_loop_utilization: number[] };
      };
    };
    thresholds: Array<{ expr: string; actual: number | null; pass: boolean; unreliable?: string }>;
  }>;
}
interface Summary {
  p50: number | null;
  p99: number | null;
  max: number | null;
}

async function run(name: string, workload: Record<string, unknown>, top: Record<string, unknown> = {}) {
  const { url } = await ownServer();
  const scenario = liveScenario({ name, redis: { url, prefix: uniquePrefix(name) }, workload, top });
  const r = await startCachebench(['run', scenario, '--json', '-'], { timeoutMs: 60_000 }).finished;
  return { ...r, result: parseResult(r.stdout, r.stderr) as unknown as FloorResult };
}

function assertOrdered(summary: Summary, what: string): void {
  assert.ok(summary.p50 !== null && summary.p99 !== null && summary.max !== null, `${what}: ${JSON.stringify(summary)}`);
  assert.ok(summary.p50 >= 0 && summary.p50 <= summary.p99 && summary.p99 <= summary.max, `${what}: ${JSON.stringify(summary)}`);
}

describe('live runs measure their own floor and say when the client is saturated (real redis-server)', { skip }, () => {
  it('a rate no client keeps: saturated with its reason, a verdict with no claim about the cache, latency gates unreliable', async () => {
    const r = await run(
      'saturated',
      { rate: '500000/s', duration: '1s', max_in_flight: 20, arrival: 'poisson' },
      // Generous bounds that the run's numbers would pass: a saturated run fails them as unreliable instead.
      { thresholds: ['latency.p99 < 60s', 'requests > 0'] },
    );
    assert.equal(r.code, 1, r.stderr);
    const [run0] = r.result.runs;
    const live = run0.metrics.live;
    assert.equal(live.saturated, true);
    assert.match(live.saturation_reasons.join('; '), /arrivals dropped: 20 requests \(max_in_flight\) were already in flight/);
    assert.deepEqual(
      run0.thresholds.map((t) => [t.expr, t.pass, t.unreliable ?? null]),
      [
        ['latency.p99 < 60s', false, 'client saturated'],
        ['requests > 0', true, null],
      ],
    );
    assert.match(r.stderr, /the load generator could not keep its schedule \(/);
    assert.doesNotMatch(r.stderr, /the cache (cuts|serves|makes|does not)/, 'no claim about the cache');
    assert.match(r.stderr, /unreliable: client saturated/);
  });

  it('a very low rate in two worker threads: not saturated, kept up, and the floor of a no-op and a PING measured', async () => {
    const r = await run('kept', { rate: '20/s', duration: '2s', workers: 2 });
    assert.equal(r.code, 0, r.stderr);
    const live = r.result.runs[0].metrics.live;
    assert.equal(live.saturated, false, live.saturation_reasons.join('; '));
    assert.deepEqual(live.saturation_reasons, []);
    assert.ok(live.kept_up_rate !== null && live.kept_up_rate > 0, `kept up with ${live.kept_up_rate}`);
    assert.equal(live.schedule.event_loop_utilization.length, 2, 'one per worker');
    assertOrdered(live.floor_ms.noop, 'no-op floor');
    assertOrdered(live.floor_ms.ping, 'PING floor');
    assert.ok(live.floor_ms.ping.p50! > 0, 'a PING takes time');
    assert.match(r.stderr, /client floor at this rate \(measured before the load\): no-op p50 .*; PING p50 /);
    assert.match(r.stderr, /schedule kept: /);
  });

  it('a closed loop has no schedule: its floor is a PING alone, and it is not saturated', async () => {
    const r = await run('closed', { rate: undefined, arrival: undefined, max_in_flight: undefined, clients: 2, think_time: '20ms', duration: '1s' });
    assert.equal(r.code, 0, r.stderr);
    const live = r.result.runs[0].metrics.live;
    assert.deepEqual(live.floor_ms.noop, { p50: null, p99: null, max: null });
    assertOrdered(live.floor_ms.ping, 'PING floor');
    assert.equal(live.saturated, false, live.saturation_reasons.join('; '));
    assert.equal(live.kept_up_rate, null);
  });
});
