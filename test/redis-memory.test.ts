import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { jemallocSize, keyAllocation, RedisMemoryCharge, valueAllocation } from '../src/engine/redis-memory-charge.js';
import { InputError } from '../src/errors.js';
import type { RunResult } from '../src/result/run-result.js';
import { runScenario } from '../src/run/run-scenario.js';
import { parseScenarioText } from '../src/scenario/load.js';
import { assertNoStack, cachebench } from './support/cachebench-process.js';
import { liveWork } from './support/live-scenario.js';

// `cache.memory_model: redis` (issue 11, item 5): a simulated byte capacity is Redis memory — every entry
// charged what Redis 7.0 charges it, the server's baseline taken off the capacity.

const MODEL = { baseline: 1_000_000, key_bytes: 24, entry_bytes: 40, expires_bytes: 40 };

describe('Redis memory per entry: jemalloc size classes and the string layout', () => {
  it('rounds requests up to jemalloc 5 size classes (8, 16, then four per doubling)', () => {
    const classes: [number, number][] = [
      [1, 8], [8, 8], [9, 16], [16, 16], [17, 32], [32, 32], [33, 48], [49, 64], [65, 80], [113, 128],
      [129, 160], [257, 320], [1025, 1280], [14_336, 14_336], [14_337, 16_384], [16_385, 20_480], [65_542, 81_920],
    ];
    for (const [request, size] of classes) assert.equal(jemallocSize(request), size, `jemallocSize(${request})`);
  });

  it('a key is an sds string of its own; a value up to 44 bytes shares the robj allocation (embstr)', () => {
    assert.equal(keyAllocation(24), 32); // sdshdr5: 1 + 24 + 1 = 26 → 32
    assert.equal(keyAllocation(30), 32); // 1 + 30 + 1 = 32
    assert.equal(keyAllocation(31), 48); // 1 + 31 + 1 = 33 → 48
    assert.equal(keyAllocation(32), 48); // sdshdr8: 3 + 32 + 1 = 36 → 48
    assert.equal(valueAllocation(10), 32); // embstr: 16 + 3 + 10 + 1 = 30 → 32
    assert.equal(valueAllocation(44), 64); // 16 + 3 + 44 + 1 = 64
    assert.equal(valueAllocation(45), 80); // robj 16 + sds (3 + 45 + 1 = 49 → 64)
    assert.equal(valueAllocation(100), 128); // 16 + (104 → 112)
    assert.equal(valueAllocation(1024), 1296); // 16 + (sdshdr16: 5 + 1024 + 1 = 1030 → 1280)
  });

  it('charges key + value + entry, and the expires entry with a TTL, exactly as the model says', () => {
    const charge = new RedisMemoryCharge(MODEL);
    // Beside each, the growth of used_memory per key measured on redis-server 7.0.15 (4,000 SETs).
    assert.equal(charge.bytes(100, false), 32 + 128 + 40); // 200 (measured 200.2 with 20-byte keys)
    assert.equal(charge.bytes(100, true), 32 + 128 + 40 + 40); // 240 (measured 240.4)
    assert.equal(charge.bytes(10, false), 32 + 32 + 40); // 104 (measured 104.2)
    assert.equal(charge.bytes(45, false), 32 + 80 + 40); // 152 (measured 152.2)
    assert.equal(new RedisMemoryCharge({ ...MODEL, key_bytes: 31 }).bytes(100, false), 48 + 128 + 40); // 216 (measured 216.2)
    assert.equal(new RedisMemoryCharge({ ...MODEL, key_bytes: 10 }).bytes(1024, false), 16 + 1296 + 40); // 1352 (measured 1352.2)
    // A live run's measured constants are fractional (the buckets' share): the charge is whole bytes.
    assert.equal(new RedisMemoryCharge({ ...MODEL, entry_bytes: 40.2, expires_bytes: 40.7 }).bytes(100, true), 241);
    assert.equal(charge.capacityForKeys(4 * 1024 * 1024), 4 * 1024 * 1024 - 1_000_000);
    assert.equal(charge.capacityForKeys(500_000), 0);
  });
});

function scenarioYaml(cache: string, workload = ''): string {
  return [
    'seed: 7',
    'workload:',
    '  keys: 50000',
    '  distribution: { type: zipf, alpha: 0.8 }',
    '  value_size: 100',
    '  requests: 60000',
    workload,
    'cache:',
    '  policy: lru',
    '  capacity: 2MB',
    cache,
  ]
    .filter((line) => line !== '')
    .join('\n');
}

async function simulate(yaml: string, overrides: string[] = []): Promise<RunResult> {
  const loaded = parseScenarioText(yaml, 'memory.yaml', overrides, liveWork);
  return runScenario(loaded.runs[0].scenario, { name: 'memory', params: {} }, []);
}

const REDIS = `  memory_model: { type: redis, baseline: ${MODEL.baseline}, key_bytes: 24, entry_bytes: 40, expires_bytes: 40 }`;

describe('a simulated run with memory_model: redis', () => {
  it('charges every entry its Redis bytes against the capacity less the baseline', async () => {
    const cache = (await simulate(scenarioYaml(REDIS))).metrics.cache!;
    const keysCapacity = 2 * 1024 * 1024 - MODEL.baseline;
    assert.ok(cache.evictions > 0, 'the cache is full');
    assert.equal(cache.bytes, cache.entries * 200, 'each 100-byte value under a 24-byte key costs 200 bytes');
    assert.ok(cache.bytes <= keysCapacity && cache.bytes > keysCapacity - 200, `${cache.bytes} bytes in ${keysCapacity}`);
  });

  it('charges the expires entry when the tier has a TTL', async () => {
    const cache = (await simulate(scenarioYaml(`${REDIS}\n  ttl: 1h`, '  rate: 10000/s'))).metrics.cache!;
    assert.ok(cache.entries > 0);
    assert.equal(cache.bytes, cache.entries * 240);
  });

  it('holds fewer entries, and hits less, than the same capacity charged bytes of values', async () => {
    const redis = (await simulate(scenarioYaml(REDIS))).metrics;
    const values = (await simulate(scenarioYaml('  memory_model: values'))).metrics;
    const defaults = (await simulate(scenarioYaml(''))).metrics;
    assert.deepEqual(values, defaults, 'memory_model: values is the default');
    assert.equal(values.cache!.entries, Math.floor((2 * 1024 * 1024) / 100));
    // 2 MB less the 1,000,000-byte baseline at 200 bytes a key (5,485), against 2 MB at 100 a key (20,971).
    assert.equal(redis.cache!.entries, Math.floor((2 * 1024 * 1024 - MODEL.baseline) / 200));
    assert.ok(redis.cache!.entries < values.cache!.entries / 3);
    assert.ok(redis.hit_rate! < values.hit_rate!, `redis ${redis.hit_rate}, values ${values.hit_rate}`);
  });

  it('`redis` alone takes Redis 7.0.15 defaults; --set reaches into the short form', async () => {
    const result = await simulate(scenarioYaml('  memory_model: redis'), ['cache.memory_model.key_bytes=31']);
    const loaded = parseScenarioText(scenarioYaml('  memory_model: redis'), 'memory.yaml', ['cache.memory_model.key_bytes=31'], liveWork);
    assert.deepEqual(loaded.runs[0].scenario.cache?.memory_model, { type: 'redis', baseline: 989_400, key_bytes: 31, entry_bytes: 40, expires_bytes: 40, from: null });
    assert.equal(result.metrics.cache!.bytes, result.metrics.cache!.entries * (48 + 128 + 40));
  });
});

describe('memory_model: { type: redis, from: <a live result> }', () => {
  function loadError(yaml: string): string {
    try {
      parseScenarioText(yaml, 'memory.yaml', [], liveWork);
    } catch (error) {
      assert.ok(error instanceof InputError, String(error));
      return error.message;
    }
    assert.fail('expected an InputError');
  }

  it('reads the measured constants of the first run that has them; written fields win', async () => {
    const simulated = await simulate(scenarioYaml(''));
    const measured = { baseline_used_memory: 1_200_000, capacity_for_keys: 897_152, probed_keys: 2000, bytes_per_key: 248.1, memory_usage_per_key: 186.6, value_bytes_per_key: 100, key_bytes: 30, entry_bytes: 47.4, expires_bytes: 40.7, redis_version: '7.0.15', mem_allocator: 'jemalloc-5.3.0' };
    const file = join(liveWork, 'measured.json');
    writeFileSync(file, JSON.stringify({ schema_version: 1, scenario: {}, runs: [simulated, { ...simulated, redis: { memory_model: measured } }] }));
    const loaded = parseScenarioText(scenarioYaml('  memory_model: { type: redis, from: measured.json, entry_bytes: 41 }'), 'memory.yaml', [], liveWork);
    assert.deepEqual(loaded.runs[0].scenario.cache?.memory_model, { type: 'redis', baseline: 1_200_000, key_bytes: 30, entry_bytes: 41, expires_bytes: 40.7, from: 'measured.json' });
  });

  it('refuses a result without a measured model, or one written before the constants were recorded', async () => {
    const simulated = await simulate(scenarioYaml(''));
    writeFileSync(join(liveWork, 'simulated.json'), JSON.stringify({ schema_version: 1, scenario: {}, runs: [simulated] }));
    const none = loadError(scenarioYaml('  memory_model: { type: redis, from: simulated.json }'));
    assert.match(none, /cache\.memory_model\.from: .*simulated\.json: no run has redis\.memory_model; a live run measures it when --allow-config sets maxmemory/);
    const old = { baseline_used_memory: 1_200_000, capacity_for_keys: 897_152, probed_keys: 2000, bytes_per_key: 248.1, memory_usage_per_key: 186.6, value_bytes_per_key: 100 };
    writeFileSync(join(liveWork, 'old.json'), JSON.stringify({ schema_version: 1, scenario: {}, runs: [{ ...simulated, redis: { memory_model: old } }] }));
    assert.match(loadError(scenarioYaml('  memory_model: { type: redis, from: old.json }')), /old\.json: runs\[0\]\.redis\.memory_model\.key_bytes is missing, expected bytes ≥ 0 \(a result written before/);
    assert.match(loadError(scenarioYaml('  memory_model: { type: redis, from: nowhere.json }')), /cache\.memory_model\.from: .*nowhere\.json: no such file/);
  });
});

describe('analyze --memory-model: the miss-ratio curve and the smallest cache in Redis memory', () => {
  // A get-only workload whose values vary in size (so a key's Redis memory is not its value's size times a
  // constant): analyzed from the scenario, and run, at the same 2 MB.
  const scenario = join(liveWork, 'analyze-memory.yaml');
  writeFileSync(
    scenario,
    [
      'seed: 11',
      'workload: { keys: 20k, requests: 100k, distribution: { type: zipf, alpha: 0.9 }, value_size: { type: lognormal, p50: 80B, p99: 2KB } }',
      'cache: { policy: lru, capacity: 2MB, memory_model: redis }',
    ].join('\n'),
  );
  interface Analysis {
    memory_model: Record<string, unknown> | null;
    mrc: { at_sizes: { size: number; unit: string; hit_rate: number }[]; bytes: { points: { bytes: number }[] } | null };
    simulated: { policy: string; size: number; unit: string; hits: number; hit_rate: number }[];
    verdict: { smallest_cache: { entries: number; bytes: number | null } | null; summary: string };
  }
  const analyze = (args: string[]): Analysis => {
    const r = cachebench(['analyze', '--scenario', scenario, '--sizes', '2MB', '--policies', 'lru', '--target-hit-rate', '0.5', ...args, '--json', '-']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Analysis;
  };
  const run = (overrides: string[]): RunResult => {
    const r = cachebench(['run', scenario, ...overrides, '--json', '-']);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { runs: RunResult[] }).runs[0];
  };

  it('an LRU replay and the curve at a size in Redis memory hit exactly as a simulation with memory_model: redis', () => {
    const redis = analyze(['--memory-model', 'redis']);
    const values = analyze([]);
    const simulatedRedis = run([]);
    const simulatedValues = run(['--set', 'cache.memory_model=values']);
    assert.equal(redis.simulated.find((p) => p.policy === 'lru')?.hits, simulatedRedis.metrics.hits);
    assert.equal(values.simulated.find((p) => p.policy === 'lru')?.hits, simulatedValues.metrics.hits);
    // The curve is exact at --sizes capacities (each key keeps one size): the same hits as the replays.
    assert.equal(redis.mrc.at_sizes[0].hit_rate, simulatedRedis.metrics.hit_rate);
    assert.equal(values.mrc.at_sizes[0].hit_rate, simulatedValues.metrics.hit_rate);
    assert.ok(redis.mrc.at_sizes[0].hit_rate < values.mrc.at_sizes[0].hit_rate - 0.05, `${redis.mrc.at_sizes[0].hit_rate} vs ${values.mrc.at_sizes[0].hit_rate}`);
    assert.deepEqual(redis.memory_model, { type: 'redis', baseline: 989_400, key_bytes: 24, entry_bytes: 40, expires_bytes: 40, from: null });
    assert.equal(values.memory_model, null);
  });

  it('the smallest cache for the target is a maxmemory: more bytes than of values, the baseline in them', () => {
    const redis = analyze(['--memory-model', 'redis']);
    const values = analyze([]);
    const inRedis = redis.verdict.smallest_cache!;
    const ofValues = values.verdict.smallest_cache!;
    assert.equal(inRedis.entries, ofValues.entries, 'the entry curve does not depend on sizes');
    assert.ok(inRedis.bytes! > ofValues.bytes! + 989_400, `${inRedis.bytes} vs ${ofValues.bytes}`);
    assert.match(redis.verdict.summary, /entries \([\d.]+ [KM]B of Redis memory\) reaches/);
    assert.ok(redis.mrc.bytes!.points[0].bytes > 989_400, 'the byte curve starts above the baseline');
  });

  it('takes a live run\'s measured constants, and --key-bytes; says what is wrong with a bad model', async () => {
    const simulated = await simulate(scenarioYaml(''));
    const measured = { baseline_used_memory: 1_200_000, capacity_for_keys: 897_152, probed_keys: 2000, bytes_per_key: 248.1, memory_usage_per_key: 186.6, value_bytes_per_key: 100, key_bytes: 30, entry_bytes: 47.4, expires_bytes: 40.7, redis_version: '7.0.15', mem_allocator: 'jemalloc-5.3.0' };
    const file = join(liveWork, 'analyze-measured.json');
    writeFileSync(file, JSON.stringify({ schema_version: 1, scenario: {}, runs: [{ ...simulated, redis: { memory_model: measured } }] }));
    assert.deepEqual(analyze(['--memory-model', file, '--key-bytes', '40']).memory_model, { type: 'redis', baseline: 1_200_000, key_bytes: 40, entry_bytes: 47.4, expires_bytes: 40.7, from: file });
    const cases: [string[], RegExp][] = [
      [['--key-bytes', '40'], /--key-bytes applies to Redis memory: give --memory-model redis/],
      [['--memory-model', 'redis', '--key-bytes', '0'], /--key-bytes: the length of a key's name, a whole number of bytes ≥ 1; got 0/],
      [['--memory-model', join(liveWork, 'nowhere.json')], /--memory-model: .*nowhere\.json: no such file; give values, redis, or the JSON result of a live run/],
      [['--memory-model', scenario], /--memory-model: .*analyze-memory\.yaml: not JSON/],
    ];
    for (const [args, message] of cases) {
      const r = cachebench(['analyze', '--scenario', scenario, ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assertNoStack(r.stderr);
    }
  });
});
