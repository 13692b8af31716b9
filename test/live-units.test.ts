import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../src/errors.js';
import { prefixPattern } from '../src/live/key-cleanup.js';
import { deltaUnknownReason, infoDelta } from '../src/live/redis-info.js';
import { LoadDriver } from '../src/live/load-driver.js';
import { parseRedisAddress, redactPasswords } from '../src/live/redis-address.js';
import { redactedRun, redactedScenario } from '../src/live/redacted-scenario.js';
import { SupersessionTimes } from '../src/live/supersession-times.js';
import { decodeVersion, encodeValue } from '../src/live/versioned-value.js';
import { parseScenarioText } from '../src/scenario/load.js';
import type { LiveLoadSpec } from '../src/scenario/scenario.js';
import { getsAt } from './support/event-list-stream.js';

function load(yaml: string) {
  return parseScenarioText(yaml, 'live.yaml', [], '/scenarios');
}

function loadError(yaml: string): string {
  try {
    load(yaml);
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    return error.message;
  }
  assert.fail('expected the scenario to be rejected');
}

const LIVE =
  'mode: live\nworkload:\n  keys: 100\n  duration: 1s\n  rate: 100/s\ncache:\n  redis: { url: "redis://u:s3cret@127.0.0.1:6390/2" }\n';

describe('live scenario fields', () => {
  it('resolves defaults: open loop, 1 connection, auto-pipelining, 2 s connect timeout, no CONFIG changes', () => {
    const { scenario } = load(LIVE);
    assert.equal(scenario.mode, 'live');
    assert.deepEqual(scenario.live, { warmup: 0, max_in_flight: 1000, clients: null, think_time: 0, workers: null });
    assert.deepEqual(scenario.cache?.redis, {
      url: 'redis://u:s3cret@127.0.0.1:6390/2',
      cluster: null,
      maxmemory: null,
      maxmemory_policy: null,
      connections: 1,
      auto_pipelining: true,
      prefix: null,
      reuse_keys: false,
      connect_timeout: 2000,
      command_timeout: 1000,
    });
    assert.equal(scenario.cache?.on_cache_error, 'fallback');
  });

  it('takes a trace at its own timestamps, at a rate, or in a closed loop; workers as given', () => {
    const trace = (fields: string) =>
      load(`mode: live\nworkload:\n  trace: t.csv\n${fields}cache:\n  redis: { url: "redis://127.0.0.1:6390" }\n`).scenario;
    assert.deepEqual(trace('  arrival: trace\n  speed: 2\n  workers: 2\n').workload.arrival, { type: 'trace', speed: 2 });
    assert.equal(trace('  arrival: trace\n  workers: 2\n').live?.workers, 2);
    assert.deepEqual(trace('  rate: 500/s\n').workload.arrival, { type: 'poisson', rate: 500 });
    assert.equal(trace('  clients: 3\n').live?.clients, 3);
  });

  it('maps policy and byte capacity to maxmemory settings', () => {
    const { scenario } = load(`${LIVE}  policy: redis-lfu\n  capacity: 64MB\n`);
    assert.equal(scenario.cache?.redis?.maxmemory_policy, 'allkeys-lfu');
    assert.equal(scenario.cache?.redis?.maxmemory, 64 * 1024 * 1024);
  });

  it('a simulate scenario has no live fields (on_cache_error applies to its cache-down faults)', () => {
    const { scenario } = load('workload:\n  keys: 100\n  requests: 10\ncache:\n  capacity: 10\n');
    assert.equal(scenario.live, undefined);
    assert.equal(scenario.cache?.redis, undefined);
    assert.equal(scenario.cache?.on_cache_error, 'fallback');
  });

  const CASES: Array<{ name: string; yaml: string; contains: string }> = [
    {
      name: 'live fields in simulate mode',
      yaml: 'workload:\n  keys: 10\n  requests: 10\n  max_in_flight: 5\n',
      contains: 'live.yaml:4:3 workload.max_in_flight: applies only with `mode: live`',
    },
    {
      name: 'a warm-up counted in requests in live mode',
      yaml: `${LIVE.replace('rate: 100/s', 'rate: 100/s\n  warmup: 50')}`,
      contains: 'workload.warmup: in live mode is a duration, e.g. 30s',
    },
    {
      name: 'redis in simulate mode',
      yaml: 'workload:\n  keys: 10\n  requests: 10\ncache:\n  capacity: 5\n  redis: { url: "redis://h:1" }\n',
      contains: 'cache.redis: applies only with `mode: live`',
    },
    {
      name: 'live without redis',
      yaml: 'mode: live\nworkload:\n  keys: 10\n  requests: 10\n  rate: 5/s\n',
      contains: 'live mode needs a Redis',
    },
    {
      name: 'rate and clients',
      yaml: `${LIVE.replace('rate: 100/s', 'rate: 100/s\n  clients: 4')}`,
      contains: 'workload.clients: is a closed loop',
    },
    {
      name: 'neither rate nor clients',
      yaml: LIVE.replace('  duration: 1s\n  rate: 100/s\n', '  requests: 10\n'),
      contains: 'needs a rate (open loop',
    },
    {
      name: 'url and cluster',
      yaml: `${LIVE.replace('url: "redis://u:s3cret@127.0.0.1:6390/2"', 'url: "redis://h:1", cluster: ["redis://h:2"]')}`,
      contains: 'needs exactly one of `url`',
    },
    {
      name: 'not a redis URL',
      yaml: LIVE.replace('redis://u:s3cret@127.0.0.1:6390/2', 'http://h:1'),
      contains: 'cache.redis.url: expected a redis:// or rediss:// URL',
    },
    { name: 'a policy Redis lacks', yaml: `${LIVE}  policy: sieve\n`, contains: 'Redis has no sieve eviction' },
    { name: 'unknown on_cache_error', yaml: `${LIVE}  on_cache_error: retry\n`, contains: 'one of fallback, fail' },
    {
      name: 'workers in simulate mode',
      yaml: 'workload:\n  keys: 10\n  requests: 10\n  workers: 2\n',
      contains: 'workload.workers: applies only with `mode: live`',
    },
    {
      name: 'more workers than clients',
      yaml: LIVE.replace('  rate: 100/s\n', '  clients: 2\n  workers: 3\n'),
      contains: 'workload.workers: each worker thread runs at least one of the 2 clients: use at most 2 workers',
    },
    {
      name: 'more workers than database connections',
      yaml: `${LIVE.replace('  rate: 100/s\n', '  rate: 100/s\n  workers: 4\n')}database: { max_concurrency: 3 }\n`,
      contains:
        'workload.workers: each worker thread has its own part of the database pool (max_concurrency 3): use at most 3 workers',
    },
    {
      name: 'a trace without a rate, its timestamps or clients',
      yaml: 'mode: live\nworkload:\n  trace: t.csv\ncache:\n  redis: { url: "redis://127.0.0.1:6390" }\n',
      contains: 'live mode needs a rate (open loop, e.g. rate: 2000/s), `arrival: trace`',
    },
    {
      name: 'a trace at its timestamps with clients',
      yaml: 'mode: live\nworkload:\n  trace: t.csv\n  arrival: trace\n  clients: 4\ncache:\n  redis: { url: "redis://127.0.0.1:6390" }\n',
      contains: 'workload.clients: is a closed loop, and `arrival: trace` replays',
    },
  ];
  for (const c of CASES) {
    it(`rejects ${c.name}`, () => {
      assert.ok(loadError(c.yaml).includes(c.contains), loadError(c.yaml));
    });
  }
});

describe('live: INFO deltas', () => {
  const snapshot = (runId: string, hits: number, memory: number) => ({
    run_id: runId,
    uptime_in_seconds: 100,
    keyspace_hits: hits,
    keyspace_misses: hits,
    evicted_keys: 0,
    expired_keys: 0,
    used_memory: memory,
    total_commands_processed: hits * 3,
  });

  it('after − before while the server ran on; used_memory may shrink', () => {
    assert.equal(deltaUnknownReason(snapshot('a', 10, 5000), snapshot('a', 25, 4000)), null);
    assert.deepEqual(infoDelta(snapshot('a', 10, 5000), snapshot('a', 25, 4000)), {
      keyspace_hits: 15,
      keyspace_misses: 15,
      evicted_keys: 0,
      expired_keys: 0,
      used_memory: -1000,
      total_commands_processed: 45,
    });
  });

  it('a restart (new run_id) or reset counters (CONFIG RESETSTAT) make every delta unknown, with the reason', () => {
    assert.match(deltaUnknownReason(snapshot('a', 10, 5000), snapshot('b', 25, 4000)) ?? '', /^Redis restarted during the run/);
    assert.deepEqual(Object.values(infoDelta(snapshot('a', 10, 5000), snapshot('b', 25, 4000))), [null, null, null, null, null, null]);
    assert.match(deltaUnknownReason(snapshot('a', 10, 5000), snapshot('a', 3, 5000)) ?? '', /went down .*keyspace_hits.*RESETSTAT/);
    assert.deepEqual(Object.values(infoDelta(snapshot('a', 10, 5000), snapshot('a', 3, 5000))), [null, null, null, null, null, null]);
  });
});

describe('live: passwords', () => {
  it('shows *** for the password in the display form and in messages', () => {
    const a = parseRedisAddress('redis://user:p%40ss@10.0.0.1:6380/3', 'url');
    assert.equal(a.display, 'redis://user:***@10.0.0.1:6380/3');
    assert.equal(a.hostPort, '10.0.0.1:6380');
    assert.equal(a.password, 'p@ss');
    assert.equal(a.db, 3);
    assert.equal(
      redactPasswords('WRONGPASS p@ss for redis://user:p%40ss@10.0.0.1:6380/3', [a]),
      'WRONGPASS *** for redis://user:***@10.0.0.1:6380/3',
    );
  });

  it('the resolved scenario written to JSON has no password', () => {
    const { scenario } = load(LIVE);
    assert.ok(!JSON.stringify(redactedScenario(scenario)).includes('s3cret'));
    assert.equal(redactedScenario(scenario).cache?.redis?.url, 'redis://u:***@127.0.0.1:6390/2');
  });

  it('a matrix run over Redis URLs shows them masked in its name and parameters', () => {
    const run = redactedRun({ name: 'url=rediss://:pw@h:1/0', params: { 'cache.redis.url': 'rediss://:pw@h:1/0', n: 3 } });
    assert.equal(run.name, 'url=rediss://:***@h:1/0');
    assert.deepEqual(run.params, { 'cache.redis.url': 'rediss://:***@h:1/0', n: 3 });
  });
});

describe('live: values, versions and staleness ages', () => {
  it('values carry their version and are padded to the object size', () => {
    const value = encodeValue(42, 100);
    assert.equal(value.length, 100);
    assert.equal(decodeVersion(value), 42);
    assert.equal(decodeVersion(encodeValue(7, 1)), 7);
    assert.equal(decodeVersion('not ours'), -1);
  });

  it('a version is superseded when the first newer acknowledged version was acknowledged', () => {
    const times = new SupersessionTimes();
    assert.equal(times.supersededAt(1, 0), Number.POSITIVE_INFINITY);
    times.acknowledged(1, 1, 100);
    times.acknowledged(1, 3, 250);
    assert.equal(times.supersededAt(1, 0), 100);
    assert.equal(times.supersededAt(1, 1), 250);
    assert.equal(times.supersededAt(1, 2), 250);
    assert.equal(times.supersededAt(1, 3), Number.POSITIVE_INFINITY);
  });

  it('SCAN patterns escape glob characters of the prefix', () => {
    assert.equal(prefixPattern('cb:[x]*?:'), 'cb:\\[x\\]\\*\\?:*');
  });
});

describe('live: the open-loop driver', () => {
  const openLoop = (overrides: Partial<LiveLoadSpec> = {}): LiveLoadSpec => ({
    warmup: 0,
    max_in_flight: 1000,
    clients: null,
    think_time: 0,
    workers: null,
    ...overrides,
  });

  it('issues each arrival no earlier than its intended start, and passes that start on', async () => {
    const origin = performance.now();
    const now = () => performance.now() - origin;
    const issued: Array<{ start: number; at: number }> = [];
    const driver = new LoadDriver({
      stream: getsAt([0, 5, 5, 20, 40]),
      load: openLoop(),
      durationMs: null,
      now,
      issue: async (start) => {
        issued.push({ start, at: now() });
      },
    });
    await driver.run();
    assert.deepEqual(
      issued.map((i) => i.start),
      [0, 5, 5, 20, 40],
    );
    for (const i of issued) assert.ok(i.at >= i.start - 0.01, `issued at ${i.at} before ${i.start}`);
    assert.ok(await driver.drain(1000));
  });

  it('drops arrivals beyond max_in_flight and counts those after the warm-up', async () => {
    const origin = performance.now();
    const pending: Array<() => void> = [];
    const driver = new LoadDriver({
      stream: getsAt([0, 0, 0, 10, 10, 10]),
      load: openLoop({ max_in_flight: 2, warmup: 5 }),
      durationMs: null,
      now: () => performance.now() - origin,
      issue: () => new Promise<void>((resolve) => pending.push(resolve)),
    });
    await driver.run();
    assert.equal(pending.length, 2); // the first two never complete, so every later arrival is dropped
    assert.equal(driver.dropped, 3); // the one at 0 is within the warm-up: dropped, not counted
    assert.equal(await driver.drain(10), false);
    for (const resolve of pending) resolve();
    assert.ok(await driver.drain(1000));
  });
});
