import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startCachebench } from './support/cachebench-process.js';
import { liveScenario, parseResult, uniquePrefix } from './support/live-scenario.js';
import { RedisServerProcess, redisSkipReason, requireRedis, scanKeys } from './support/redis-server.js';

// Redis sizing that transfers (issue 11, item 5): with --allow-config, the simulated prediction is sized
// in Redis's own memory (measured on the server before the run), so its hit rate is Redis's. A Zipf
// workload without writes, three maxmemory sizes that all evict, both policies: |predicted − live| ≤ 2
// points. A closed loop of 8 clients keeps the order of requests close to the workload's whatever the
// machine's load (an open loop that falls behind on a busy machine has many misses of one key in flight
// at once, which the simulation does not, and bursts of pipelined commands whose buffers Redis counts in
// used_memory); a database without latency keeps the runs short.
const skip = redisSkipReason();
let server: RedisServerProcess | null = null;

after(async () => {
  await server?.stop();
});

interface SizingResult {
  runs: Array<{
    metrics: { hit_rate: number; errors: number };
    prediction?: { hit_rate: number };
    redis: {
      delta: { evicted_keys: number };
      memory_model?: { baseline_used_memory: number; capacity_for_keys: number; bytes_per_key: number; memory_usage_per_key: number; value_bytes_per_key: number; probed_keys: number };
    };
  }>;
}

describe('--allow-config: the prediction is sized in Redis memory, measured on the server (real redis-server)', { skip }, () => {
  for (const policy of ['redis-lru', 'redis-lfu']) {
    for (const capacity of ['1536KB', '2MB', '3MB']) {
      it(`${policy} at maxmemory ${capacity}: predicted and live hit rates within 2 points`, async () => {
        requireRedis();
        server ??= await RedisServerProcess.start();
        const prefix = uniquePrefix('sizing');
        const scenario = liveScenario({
          name: 'sizing',
          redis: { url: server.url, prefix },
          workload: {
            keys: 200_000,
            distribution: { type: 'zipf', alpha: 0.8 },
            mix: { get: 1 },
            requests: 12_000,
            clients: 8,
            rate: undefined,
            arrival: undefined,
            duration: undefined,
            max_in_flight: undefined,
          },
          cache: { policy, capacity, ttl: '10m' },
          top: { database: { latency: '0ms' } },
        });
        const r = await startCachebench(['run', scenario, '--allow-config', '--json', '-'], { timeoutMs: 90_000 }).finished;
        assert.equal(r.code, 0, r.stderr);
        const [run] = (parseResult(r.stdout, r.stderr) as unknown as SizingResult).runs;
        const model = run.redis.memory_model;
        assert.ok(model !== undefined, 'the memory model is reported');
        assert.equal(model.probed_keys, 2000);
        // A key costs more than its value, and more in used_memory than MEMORY USAGE says (buckets, expires).
        assert.ok(model.value_bytes_per_key === 100 && model.memory_usage_per_key > 100 && model.bytes_per_key > model.memory_usage_per_key, JSON.stringify(model));
        assert.ok(run.redis.delta.evicted_keys > 0, 'Redis evicted: the size matters');
        assert.equal(run.metrics.errors, 0);
        const predicted = run.prediction!.hit_rate;
        const live = run.metrics.hit_rate;
        assert.ok(Math.abs(predicted - live) <= 0.02, `predicted ${predicted}, live ${live}, model ${JSON.stringify(model)}`);
        const client = await server.client();
        try {
          assert.deepEqual(await scanKeys(client, `${prefix}*`), [], 'the probe and the run leave no key behind');
        } finally {
          client.disconnect();
        }
      });
    }
  }
});
