import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startCachebench } from './support/cachebench-process.js';
import { delay, liveScenario, uniquePrefix, waitForKeys } from './support/live-scenario.js';
import { ownServers, redisSkipReason, scanKeys } from './support/redis-server.js';

// `cache.stampede.ttl_jitter` in a live run: every fill's PX is drawn from ttl × [1 − jitter, 1 + jitter],
// as the simulation's tiers draw it. Read back from Redis (PTTL) mid-run: a TTL above `ttl` exists only
// with jitter; none is above ttl × (1 + jitter).
const skip = redisSkipReason();
const ownServer = ownServers();

/** The remaining TTLs (ms) of the run's value keys, read while it runs. */
async function ttlsMidRun(jitter: number): Promise<number[]> {
  const server = await ownServer();
  const client = await server.client();
  const prefix = uniquePrefix(`jitter-${jitter}`);
  try {
    const running = startCachebench([
      'run',
      liveScenario({
        name: `ttl-jitter-${jitter}`,
        redis: { url: server.url, prefix },
        workload: { duration: '3s', rate: '200/s', mix: { get: 1 } },
        cache: { ttl: '2s', stampede: { ttl_jitter: jitter } },
      }),
      '--json',
      '-',
    ]).finished;
    await waitForKeys(client, prefix);
    await delay(300);
    const keys = await scanKeys(client, `${prefix}*`);
    const ttls = (await Promise.all(keys.map((key) => client.pttl(key)))).filter((ttl) => ttl > 0);
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
    return ttls;
  } finally {
    client.disconnect();
  }
}

describe('cachebench run, mode: live, ttl_jitter (real redis-server)', { skip }, () => {
  it('with ttl_jitter: 50% some fills outlive the ttl, none outlives 1.5 × ttl; without it none outlives the ttl', async () => {
    const jittered = await ttlsMidRun(0.5);
    assert.ok(jittered.length >= 20, `${jittered.length} keys`);
    assert.ok(jittered.every((ttl) => ttl <= 3000), `max PTTL ${Math.max(...jittered)}`);
    // About half the fills draw above 1 × ttl; most of those keep more than 100 ms of it 300 ms on.
    assert.ok(jittered.filter((ttl) => ttl > 2100).length >= 3, `PTTLs above 2.1 s: ${jittered.filter((ttl) => ttl > 2100).length} of ${jittered.length}`);
    const plain = await ttlsMidRun(0);
    assert.ok(plain.length >= 20, `${plain.length} keys`);
    assert.ok(plain.every((ttl) => ttl <= 2000), `max PTTL ${Math.max(...plain)}`);
  });
});
