import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { startCachebench } from './support/cachebench-process.js';
import { liveScenario, liveWork, parseResult, uniquePrefix } from './support/live-scenario.js';
import { RedisServerProcess, redisSkipReason, requireRedis, scanKeys } from './support/redis-server.js';

// Redis sizing that transfers (issue 11, item 5): with --allow-config, the simulated prediction is sized
// in Redis's own memory (measured on the server before the run), so its hit rate is Redis's. A Zipf
// workload without writes, three maxmemory sizes that all evict, both policies: |predicted − live| ≤ 2
// points. A closed loop of 8 clients keeps the order of requests close to the workload's whatever the
// machine's load (an open loop that falls behind on a busy machine has many misses of one key in flight
// at once, which the simulation does not, and bursts of pipelined commands whose buffers Redis counts in
// used_memory); a database without latency keeps the runs short. Then the model the live run measured,
// read back by a simulation (`memory_model: { type: redis, from }`), predicts the live run as well.
const skip = redisSkipReason();
let server: RedisServerProcess | null = null;

after(async () => {
  await server?.stop();
});

interface SizingResult {
  runs: Array<{
    metrics: { hit_rate: number; errors: number; cache?: { entries: number } };
    prediction?: { hit_rate: number; cache?: { entries: number } };
    redis: {
      delta: { evicted_keys: number };
      memory_model?: {
        baseline_used_memory: number;
        capacity_for_keys: number;
        bytes_per_key: number;
        memory_usage_per_key: number;
        value_bytes_per_key: number;
        probed_keys: number;
        key_bytes: number;
        entry_bytes: number;
        expires_bytes: number;
        mem_allocator: string;
      };
    };
  }>;
}

/** The sizing workload: 12,000 reads of 100-byte values over 200,000 keys, Zipf 0.8, seed 7. */
const WORKLOAD = { keys: 200_000, distribution: { type: 'zipf', alpha: 0.8 }, mix: { get: 1 }, value_size: 100, requests: 12_000 };
const TTL = '10m';

/** A live run of the sizing workload at `capacity` (maxmemory, with --allow-config): 8 clients in a closed loop. */
function liveSizingScenario(url: string, prefix: string, policy: string, capacity: string): string {
  return liveScenario({
    name: 'sizing',
    redis: { url, prefix },
    workload: { ...WORKLOAD, clients: 8, rate: undefined, arrival: undefined, duration: undefined, max_in_flight: undefined },
    cache: { policy, capacity, ttl: TTL },
    top: { database: { latency: '0ms' } },
  });
}

/** The same workload simulated (seed 7 as liveScenario's), its requests 1 ms apart (the TTL needs a clock), with `cache` on top. */
function simulatedSizingScenario(policy: string, capacity: string, cache: Record<string, unknown>): string {
  const scenario = {
    name: 'sizing-simulated',
    seed: 7,
    workload: { ...WORKLOAD, rate: '1000/s', arrival: 'constant' },
    database: { latency: '0ms' },
    cache: { policy, capacity, ttl: TTL, ...cache },
  };
  const path = join(liveWork, `sizing-simulated-${randomBytes(3).toString('hex')}.yaml`);
  writeFileSync(path, stringify(scenario));
  return path;
}

/** The live run's result, its JSON written to `json` (or stdout with `-`), and the prefix its keys were under. */
async function runLiveSizing(policy: string, capacity: string, json: string): Promise<SizingResult['runs'][number] & { prefix: string }> {
  requireRedis();
  server ??= await RedisServerProcess.start();
  const prefix = uniquePrefix('sizing');
  const r = await startCachebench(['run', liveSizingScenario(server.url, prefix, policy, capacity), '--allow-config', '--json', json], { timeoutMs: 90_000 }).finished;
  assert.equal(r.code, 0, r.stderr);
  const client = await server.client();
  try {
    assert.deepEqual(await scanKeys(client, `${prefix}*`), [], 'the probe and the run leave no key behind');
  } finally {
    client.disconnect();
  }
  const output = json === '-' ? r.stdout : readFileSync(json, 'utf8');
  const [run] = (parseResult(output, r.stderr) as unknown as SizingResult).runs;
  return { ...run, prefix };
}

async function simulatedRun(path: string): Promise<SizingResult['runs'][number]> {
  const r = await startCachebench(['run', path, '--json', '-'], { timeoutMs: 90_000 }).finished;
  assert.equal(r.code, 0, r.stderr);
  return (parseResult(r.stdout, r.stderr) as unknown as SizingResult).runs[0];
}

describe('--allow-config: the prediction is sized in Redis memory, measured on the server (real redis-server)', { skip }, () => {
  for (const policy of ['redis-lru', 'redis-lfu']) {
    for (const capacity of ['1536KB', '2MB', '3MB']) {
      it(`${policy} at maxmemory ${capacity}: predicted and live hit rates within 2 points`, async () => {
        const run = await runLiveSizing(policy, capacity, '-');
        const model = run.redis.memory_model;
        assert.ok(model !== undefined, 'the memory model is reported');
        assert.equal(model.probed_keys, 2000);
        // A key costs more than its value, and more in used_memory than MEMORY USAGE says (buckets, expires).
        assert.ok(model.value_bytes_per_key === 100 && model.memory_usage_per_key > 100 && model.bytes_per_key > model.memory_usage_per_key, JSON.stringify(model));
        // The charge's constants: the test's names (a 32-character prefix and the key id), a dict entry
        // and its bucket (32 + 8, a few more bytes where names of two lengths fall in two size classes), and as much for expires.
        assert.ok(model.key_bytes >= run.prefix.length + 1 && model.key_bytes <= run.prefix.length + 6, JSON.stringify(model));
        assert.ok(model.entry_bytes >= 39 && model.entry_bytes <= 56 && model.expires_bytes >= 39 && model.expires_bytes <= 48, JSON.stringify(model));
        assert.ok(run.redis.delta.evicted_keys > 0, 'Redis evicted: the size matters');
        assert.equal(run.metrics.errors, 0);
        const predicted = run.prediction!.hit_rate;
        const live = run.metrics.hit_rate;
        assert.ok(Math.abs(predicted - live) <= 0.02, `predicted ${predicted}, live ${live}, model ${JSON.stringify(model)}`);
      });
    }
  }
});

describe('memory_model: { type: redis, from }: a simulation sized by the model a live run measured (real redis-server)', { skip }, () => {
  it('redis-lru at 2MB: the simulation from the live result hits as the live run did (within 3 points); charged values only, it does not', async () => {
    const json = join(liveWork, `sizing-live-${randomBytes(3).toString('hex')}.json`);
    const live = await runLiveSizing('redis-lru', '2MB', json);
    assert.ok(live.redis.delta.evicted_keys > 0, 'Redis evicted: the size matters');
    const fromLive = await simulatedRun(simulatedSizingScenario('redis-lru', '2MB', { memory_model: { type: 'redis', from: json } }));
    const valuesOnly = await simulatedRun(simulatedSizingScenario('redis-lru', '2MB', {}));
    const hitRates = `live ${live.metrics.hit_rate}, its prediction ${live.prediction?.hit_rate}, simulated from its model ${fromLive.metrics.hit_rate}, charged values only ${valuesOnly.metrics.hit_rate}`;
    // Within 3 points, not the prediction's 2: the simulation from the result charges every key the model's
    // constants, where the live run's own prediction charges each key its measured size, and the two sit
    // about 1.3 points apart here (0.220 and 0.233 against a live 0.222–0.227), while a loaded machine moves
    // the live run itself by about a point (0.214 in one CI run: 2.01 points from the simulation).
    assert.ok(Math.abs(fromLive.metrics.hit_rate - live.metrics.hit_rate) <= 0.03, hitRates);
    // The simulation holds what the live run's own prediction held: the same charge, the same capacity.
    assert.equal(fromLive.metrics.cache?.entries, live.prediction?.cache?.entries, 'entries held at the end');
    // Charged values only, the same 2 MB holds every key the 12,000 requests touch: outside the 2 points.
    assert.ok(valuesOnly.metrics.hit_rate - live.metrics.hit_rate > 0.02, hitRates);
  });
});
