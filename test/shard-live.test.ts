import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { run as runApi } from '../src/api/run.js';
import type { Result } from '../src/result/run-result.js';
import { cachebench, startCachebench } from './support/cachebench-process.js';
import { liveScenario, liveWork, uniquePrefix } from './support/live-scenario.js';
import { infoStats, RedisServerProcess, redisSkipReason, requireRedis, scanKeys } from './support/redis-server.js';

// Sharded live runs end to end: four `cachebench run --shard i/4` processes at once against one
// redis-server this test starts on a free loopback port (never the shared one), then `cachebench merge`.
// Without redis-server the test is skipped with the reason; under CI=true that is a failure.
const skip = redisSkipReason();
const servers: RedisServerProcess[] = [];

after(async () => {
  await Promise.all(servers.map((server) => server.stop()));
});

describe('four shards against one Redis (real redis-server)', { skip }, () => {
  it('merged, give the hit rate Redis itself counted, and each shard keeps to (and cleans up) its own keys', async () => {
    requireRedis();
    const server = await RedisServerProcess.start();
    servers.push(server);
    const client = await server.client();
    // One prefix set by the user for every shard: each shard's keys go under <prefix>shard-i-of-4:.
    const prefix = uniquePrefix('shards');
    const scenario = liveScenario({
      name: 'sharded-live',
      redis: { url: server.url, prefix },
      workload: { rate: '800/s', duration: '2s' },
    });
    try {
      const before = await infoStats(client);
      const files = [0, 1, 2, 3].map((index) => join(liveWork, `shard-${index}-${prefix.replace(/\W/g, '')}.json`));
      const finished = await Promise.all(
        files.map((file, index) => startCachebench(['run', scenario, '--shard', `${index}/4`, '--json', file], { timeoutMs: 60_000 }).finished),
      );
      const afterRuns = await infoStats(client);
      for (const [index, r] of finished.entries()) assert.equal(r.code, 0, `shard ${index}: ${r.stderr}`);

      const shards = files.map((file) => JSON.parse(readFileSync(file, 'utf8')) as Result);
      for (const [index, shard] of shards.entries()) {
        const run = shard.runs[0];
        assert.deepEqual(shard.shard, { index, count: 4 });
        assert.equal(run.redis?.prefix, `${prefix}shard-${index}-of-4:`);
        assert.ok(run.metrics.reads > 50, `shard ${index} reads: ${run.metrics.reads}`);
        assert.equal(run.metrics.live?.dropped, 0);
        assert.equal(run.metrics.errors, 0);
        assert.ok((run.redis?.keys_deleted ?? 0) > 0, `shard ${index} deleted its own keys`);
      }
      assert.deepEqual(await scanKeys(client, `${prefix}*`), [], 'every shard deleted its keys, and only its keys');

      const merged = cachebench(['merge', ...files, '--json', '-']);
      assert.equal(merged.code, 0, merged.stderr);
      const run = (JSON.parse(merged.stdout) as Result).runs[0];
      const hits = afterRuns.keyspace_hits - before.keyspace_hits;
      const misses = afterRuns.keyspace_misses - before.keyspace_misses;
      assert.ok(hits > 0 && misses > 0, `Redis counted ${hits} hits and ${misses} misses`);
      // Redis's own count, measured by this test around the four runs…
      assert.equal(run.metrics.hits, hits);
      assert.equal(run.metrics.misses, misses);
      assert.equal(run.metrics.hit_rate, hits / (hits + misses));
      assert.equal(run.metrics.reads, shards.reduce((sum, s) => sum + s.runs[0].metrics.reads, 0));
      // …and the merged Redis view: one INFO span from the first shard's start to the last one's end.
      assert.equal(run.redis?.delta.keyspace_hits, hits);
      assert.equal(run.redis?.delta.keyspace_misses, misses);
      assert.deepEqual(run.redis?.client, {
        gets: hits + misses,
        hits,
        misses,
        errors: 0,
      });
    } finally {
      client.disconnect();
    }
  });

  it('a live run reports its progress while it runs (requests sent so far and the hit rate)', async () => {
    requireRedis();
    const server = await RedisServerProcess.start();
    servers.push(server);
    const scenario = liveScenario({ name: 'live-progress', redis: { url: server.url }, workload: { rate: '400/s', duration: '1s' } });
    const updates: { requests: number; clockMs: number; hitRate: number | null }[] = [];
    const result = await runApi(scenario, { shard: '1/2', onProgress: ({ requests, clockMs, hitRate }) => updates.push({ requests, clockMs, hitRate }) });
    // Every ~150 ms over a 1 s run: several reports, counting up on the wall clock.
    assert.ok(updates.length >= 4, `${updates.length} progress reports`);
    assert.ok(updates.every((u, i) => i === 0 || (u.requests >= updates[i - 1].requests && u.clockMs > updates[i - 1].clockMs)));
    assert.ok(updates.at(-1)!.requests > 0);
    assert.ok(updates.some((u) => u.hitRate !== null && u.hitRate > 0));
    assert.ok(updates.at(-1)!.requests <= result.runs[0].metrics.requests);
    assert.match(result.runs[0].redis!.prefix, /^cachebench:[0-9a-f]{12}:shard-1-of-2:$/);
  });
});
