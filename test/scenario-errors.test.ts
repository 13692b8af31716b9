import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../src/errors.js';
import { POLICY_NAMES } from '../src/policies/registry.js';
import { parseScenarioText } from '../src/scenario/load.js';

/** The message of the InputError (exit 2) that loading `yaml` raises. */
export function loadError(yaml: string, overrides: string[] = []): string {
  try {
    parseScenarioText(yaml, 'scenario.yaml', overrides, '/scenarios');
  } catch (error) {
    assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  assert.fail('expected the scenario to be rejected');
}

const SYNTHETIC = 'workload:\n  keys: 1000\n  requests: 10k\n';

/** Each case: the scenario, and the exact text its first message line must start with (location + field). */
const CASES: Array<{ name: string; yaml: string; overrides?: string[]; starts: string; contains: string[] }> = [
  {
    name: 'malformed YAML',
    yaml: 'workload:\n  keys: [10\n  requests: 5\n',
    starts: 'scenario.yaml:',
    contains: ['invalid YAML', 'Flow sequence'],
  },
  {
    name: 'duplicate key',
    yaml: `${SYNTHETIC}  keys: 20\n`,
    starts: 'scenario.yaml:4:3: invalid YAML',
    contains: ['unique'],
  },
  {
    name: 'unknown field, with a suggestion and the valid names',
    yaml: `${SYNTHETIC}cache:\n  polcy: lru\n  capacity: 10\n`,
    starts: 'scenario.yaml:5:3 cache.polcy: unknown field',
    contains: ['did you mean `policy`?', 'Valid fields in cache: policy, capacity, ttl, latency, parameters, shared, local, pattern, invalidation'],
  },
  {
    name: 'unknown top-level field',
    yaml: `${SYNTHETIC}thresolds: []\n`,
    starts: 'scenario.yaml:4:1 thresolds: unknown field',
    contains: ['did you mean `thresholds`?'],
  },
  {
    name: 'unknown field inside a tagged map',
    yaml: 'workload: { keys: 10, requests: 1, distribution: { type: zipf, alpah: 0.8 } }\n',
    starts: 'scenario.yaml:1:64 workload.distribution.alpah: unknown field',
    contains: ['did you mean `alpha`?', 'type, alpha'],
  },
  {
    name: 'unknown field far from any valid one',
    yaml: `${SYNTHETIC}colour: red\n`,
    starts: 'scenario.yaml:4:1 colour: unknown field; valid fields: name, seed',
    contains: [],
  },
  {
    name: 'negative capacity',
    yaml: `${SYNTHETIC}cache:\n  capacity: -5\n`,
    starts: 'scenario.yaml:5:13 cache.capacity: must be a positive count like 10000 or 10k, or a size like 64MB; got -5',
    contains: [],
  },
  {
    name: 'memory_model: redis with a capacity in entries',
    yaml: `${SYNTHETIC}cache:\n  capacity: 10k\n  memory_model: redis\n`,
    starts: 'scenario.yaml:5:13 cache.capacity: with memory_model: redis the capacity is Redis memory (maxmemory): give a size like 64MB',
    contains: ['got 10000 entries'],
  },
  {
    name: 'memory_model: redis with a capacity the baseline takes',
    yaml: `${SYNTHETIC}cache:\n  capacity: 512KB\n  memory_model: redis\n`,
    starts: 'scenario.yaml:5:13 cache.capacity: is 524288 bytes, not more than the 989400 bytes Redis uses without any key',
    contains: ['give a larger size, e.g. 2MB'],
  },
  {
    name: 'a Redis constant beside memory_model: values',
    yaml: `${SYNTHETIC}cache:\n  capacity: 4MB\n  memory_model: { type: values, key_bytes: 40 }\n`,
    starts: 'scenario.yaml:6:33 cache.memory_model.key_bytes: applies only with `type: redis`; type is values',
    contains: [],
  },
  {
    name: 'an unknown memory model',
    yaml: `${SYNTHETIC}cache:\n  capacity: 4MB\n  memory_model: redis-ish\n`,
    starts: 'scenario.yaml:6:17 cache.memory_model.type: must be one of values, redis; got "redis-ish"',
    contains: [],
  },
  {
    name: 'zero capacity',
    yaml: `${SYNTHETIC}cache:\n  capacity: 0\n`,
    starts: 'scenario.yaml:5:13 cache.capacity: must be a positive count',
    contains: ['got 0'],
  },
  {
    name: 'capacity with a size unit missing its B',
    yaml: `${SYNTHETIC}cache:\n  capacity: 64m\n`,
    starts: 'scenario.yaml:5:13 cache.capacity:',
    contains: ['got "64m"', 'sizes need a byte unit'],
  },
  {
    name: 'missing capacity',
    yaml: `${SYNTHETIC}cache:\n  policy: fifo\n`,
    starts: 'scenario.yaml:4:1 cache.capacity: is missing',
    contains: ['10k', '64MB', 'unlimited'],
  },
  {
    name: 'unknown policy',
    yaml: `${SYNTHETIC}cache: { policy: lur, capacity: 10 }\n`,
    starts: `scenario.yaml:4:18 cache.policy: must be one of ${POLICY_NAMES.join(', ')}; got "lur"`,
    contains: ['did you mean `lru`?'],
  },
  {
    name: 'mix not summing to 1',
    yaml: 'workload:\n  keys: 10\n  requests: 1\n  mix: { get: 0.9, set: 0.05 }\n',
    starts: 'scenario.yaml:4:3 workload.mix: must sum to 1',
    contains: ['got 0.95 (get 0.9 + set 0.05 + delete 0)'],
  },
  {
    name: 'mix fraction above 1',
    yaml: 'workload:\n  keys: 10\n  requests: 1\n  mix: { get: 2 }\n',
    starts: 'scenario.yaml:4:15 workload.mix.get: must be a fraction from 0 to 1',
    contains: ['got 2'],
  },
  {
    name: 'alpha not positive',
    yaml: 'workload:\n  keys: 10\n  requests: 1\n  distribution: { type: zipf, alpha: 0 }\n',
    starts: 'scenario.yaml:4:38 workload.distribution.alpha: must be a number greater than 0',
    contains: ['got 0'],
  },
  {
    name: 'unknown distribution, short form',
    yaml: 'workload:\n  keys: 10\n  requests: 1\n  distribution: zipff\n',
    starts: 'scenario.yaml:4:17 workload.distribution.type: must be one of zipf, uniform, scrambled-zipf, hotspot, latest, sequential; got "zipff"',
    contains: ['did you mean `zipf`?'],
  },
  {
    name: 'latency map without a type',
    yaml: `${SYNTHETIC}database:\n  latency: { p50: 5ms, p99: 40ms }\n`,
    starts: 'scenario.yaml:5:3 database.latency.type: needs a `type`: one of constant, uniform, normal, exponential, lognormal',
    contains: [],
  },
  {
    name: 'latency missing a parameter',
    yaml: `${SYNTHETIC}database:\n  latency: { type: lognormal, p50: 5ms }\n`,
    starts: 'scenario.yaml:5:3 database.latency.p99: is missing',
    contains: [],
  },
  {
    name: 'lognormal p99 below p50',
    yaml: `${SYNTHETIC}database:\n  latency: { type: lognormal, p50: 50ms, p99: 40ms }\n`,
    starts: 'scenario.yaml:5:47 database.latency.p99: must be at least p50 (50ms); got 40ms',
    contains: [],
  },
  {
    name: 'duration without a unit',
    yaml: `${SYNTHETIC}cache: { capacity: 10, latency: 2 }\n`,
    starts: 'scenario.yaml:4:33 cache.latency.value: must be a duration like',
    contains: ['got 2', 'write a unit, e.g. 2ms or 2s'],
  },
  {
    name: 'rate without a unit',
    yaml: 'workload: { keys: 10, requests: 1, rate: 5000 }\n',
    starts: 'scenario.yaml:1:42 workload.rate: must be a rate like 5000/s',
    contains: ['write a unit, e.g. 5000/s'],
  },
  {
    name: 'wrong type for a section',
    yaml: `${SYNTHETIC}database: 5ms\n`,
    starts: 'scenario.yaml:4:11 database: must be a map of fields (name: value); got "5ms"',
    contains: [],
  },
  {
    name: 'synthetic fields on a trace workload',
    yaml: 'workload:\n  trace: t.csv\n  keys: 10\n  mix: { get: 1 }\n',
    starts: 'scenario.yaml:3:3 workload.keys: does not apply to a trace workload',
    contains: ['scenario.yaml:4:3 workload.mix: does not apply to a trace workload'],
  },
  {
    name: 'trace fields on a synthetic workload',
    yaml: `${SYNTHETIC}  format: csv\n`,
    starts: 'scenario.yaml:4:3 workload.format: applies only to a trace workload',
    contains: [],
  },
  {
    name: 'synthetic workload without keys',
    yaml: 'workload:\n  requests: 10\n',
    starts: 'scenario.yaml:1:1 workload.keys: is missing',
    contains: ['keys: 100000', 'trace: <file>'],
  },
  {
    name: 'synthetic workload without requests or duration',
    yaml: 'workload:\n  keys: 10\n',
    starts: 'scenario.yaml:1:1 workload: needs `requests`',
    contains: ['`duration`'],
  },
  {
    name: 'duration without a rate',
    yaml: 'workload:\n  keys: 10\n  duration: 10m\n',
    starts: 'scenario.yaml:3:13 workload.duration: needs a rate',
    contains: ['rate: 5000/s'],
  },
  {
    name: 'poisson arrival without a rate',
    yaml: 'workload:\n  keys: 10\n  requests: 1\n  arrival: poisson\n',
    starts: 'scenario.yaml:4:12 workload.arrival: poisson arrival needs a rate',
    contains: [],
  },
  {
    name: 'trace arrival on a synthetic workload',
    yaml: 'workload:\n  keys: 10\n  requests: 1\n  arrival: trace\n',
    starts: 'scenario.yaml:4:12 workload.arrival: trace arrival replays',
    contains: [],
  },
  {
    name: 'speed without trace arrival',
    yaml: 'workload:\n  trace: t.csv\n  speed: 2\n',
    starts: 'scenario.yaml:3:3 workload.speed: applies only with `arrival: trace`',
    contains: [],
  },
  {
    name: 'a TTL with no clock',
    yaml: `${SYNTHETIC}cache:\n  capacity: 10\n  ttl: 5m\n`,
    starts: 'scenario.yaml:6:8 cache.ttl: needs a clock',
    contains: ['set workload.rate (e.g. rate: 5000/s)'],
  },
  {
    name: 'missing workload',
    yaml: 'cache: { capacity: 10 }\n',
    starts: 'scenario.yaml:1:1 workload: is missing (it is required)',
    contains: [],
  },
  {
    name: 'empty file',
    yaml: '',
    starts: 'scenario.yaml:1:1: a scenario must be a map of fields',
    contains: ['the file is empty'],
  },
  {
    name: 'a list at the top level',
    yaml: '- workload\n',
    starts: 'scenario.yaml:1:1: a scenario must be a map of fields',
    contains: ['got ["workload"]'],
  },
  {
    name: 'a threshold that is not text',
    yaml: `${SYNTHETIC}thresholds:\n  - hit_rate > 0.5\n  - 5\n`,
    starts: 'scenario.yaml:6:5 thresholds[1]: must be a threshold expression',
    contains: ['got 5'],
  },
  {
    name: 'a value from --set names the flag',
    yaml: `${SYNTHETIC}cache: { capacity: 10 }\n`,
    overrides: ['cache.capacity=-5'],
    starts: '--set cache.capacity=-5 cache.capacity: must be a positive count',
    contains: [],
  },
  {
    name: 'several problems, one per line, in file order',
    yaml: 'workload:\n  keys: -1\n  requests: 1\ncache: { capacity: 0, policy: x }\n',
    starts: 'scenario.yaml:2:9 workload.keys: must be a positive count',
    contains: ['\nscenario.yaml:4:20 cache.capacity:', '\nscenario.yaml:4:31 cache.policy:'],
  },
];

describe('scenario errors name the file, line, field and what would be valid', () => {
  for (const { name, yaml, overrides, starts, contains } of CASES) {
    it(name, () => {
      const message = loadError(yaml, overrides);
      assert.ok(message.startsWith(starts), `message:\n${message}\nshould start with:\n${starts}`);
      for (const part of contains) assert.ok(message.includes(part), `message:\n${message}\nshould contain:\n${part}`);
    });
  }
});

describe('topology, patterns, stampede protection and faults: what is checked', () => {
  const TIMED = 'workload:\n  keys: 1000\n  requests: 10k\n  rate: 1000/s\n';
  const cases: Array<{ name: string; yaml: string; contains: string[] }> = [
    {
      name: 'a local tier needs timing',
      yaml: `${SYNTHETIC}cache:\n  capacity: 100\n  local: { capacity: 10 }\n`,
      contains: ['cache.local', 'needs requests that take time', 'workload.rate'],
    },
    { name: 'unknown pattern', yaml: `${TIMED}cache:\n  capacity: 100\n  pattern: write-around\n`, contains: ['cache.pattern', 'read-through', 'write-behind'] },
    {
      name: 'write-through cannot delete on write',
      yaml: `${TIMED}cache:\n  capacity: 100\n  pattern: write-through\n  invalidation: delete\n`,
      contains: ['cache.invalidation', 'write-through writes the new value', 'update'],
    },
    { name: 'pubsub needs a local tier', yaml: `${TIMED}cache:\n  capacity: 100\n  invalidation: pubsub\n`, contains: ['cache.invalidation', 'add a local tier'] },
    {
      name: 'pubsub settings without pubsub',
      yaml: `${TIMED}cache:\n  capacity: 100\n  pubsub: { loss: 1% }\n`,
      contains: ['cache.pubsub', 'applies only with `invalidation: pubsub`'],
    },
    {
      name: 'write_behind settings without write-behind',
      yaml: `${TIMED}cache:\n  capacity: 100\n  write_behind: { delay: 1s }\n`,
      contains: ['cache.write_behind', 'applies only with `pattern: write-behind`'],
    },
    {
      name: 'max_pending below the batch size',
      yaml: `${TIMED}cache:\n  capacity: 100\n  pattern: write-behind\n  write_behind: { batch_size: 100, max_pending: 10 }\n`,
      contains: ['cache.write_behind.max_pending', 'at least batch_size (100)'],
    },
    {
      name: 'unknown stampede protection',
      yaml: `${TIMED}cache:\n  capacity: 100\n  stampede: locks\n`,
      contains: ['cache.stampede.protection', 'did you mean `lock`?'],
    },
    {
      name: 'a field of another protection',
      yaml: `${TIMED}cache:\n  capacity: 100\n  stampede: { protection: coalesce, retry: 10ms }\n`,
      contains: ['cache.stampede.retry', 'applies only with `protection: lock`'],
    },
    {
      name: 'stale-while-revalidate without a TTL',
      yaml: `${TIMED}cache:\n  capacity: 100\n  stampede: stale-while-revalidate\n`,
      contains: ['cache.stampede.protection', 'set cache.ttl'],
    },
    { name: 'shared tier fields with shared: false', yaml: `${TIMED}cache:\n  shared: false\n  capacity: 100\n  local: { capacity: 10 }\n`, contains: ['cache.capacity', 'shared is false'] },
    { name: 'zero nodes', yaml: `${TIMED}topology: { nodes: 0 }\n`, contains: ['topology.nodes', 'positive'] },
    { name: 'unknown routing', yaml: `${TIMED}topology: { routing: sticky-ish }\n`, contains: ['topology.routing', 'round-robin'] },
    {
      name: 'a crash of a node that does not exist',
      yaml: `${TIMED}topology: { nodes: 3 }\ncache: { capacity: 100 }\nfaults:\n  - { type: node-crash, at: 1s, node: 3 }\n`,
      contains: ['faults[0].node', 'from 0 to 2'],
    },
    { name: 'unknown fault', yaml: `${TIMED}cache: { capacity: 100 }\nfaults:\n  - { type: cache-melt, at: 1s, duration: 1s }\n`, contains: ['faults[0]', 'cache-down', 'cache-slow'] },
    { name: 'a fault window without a duration', yaml: `${TIMED}cache: { capacity: 100 }\nfaults:\n  - { type: db-down, at: 1s }\n`, contains: ['faults[0].duration', 'missing'] },
    { name: 'a slowdown below 1', yaml: `${TIMED}cache: { capacity: 100 }\nfaults:\n  - { type: db-slow, at: 1s, duration: 1s, factor: 0.5 }\n`, contains: ['faults[0].factor', 'at least 1'] },
    { name: 'cache-down without a shared tier', yaml: `${TIMED}faults:\n  - { type: cache-down, at: 1s, duration: 1s }\n`, contains: ['faults[0].type', 'shared tier'] },
    {
      name: 'cache-down in live mode against a cluster',
      yaml: `mode: live\nworkload:\n  keys: 1000\n  duration: 10s\n  rate: 100/s\ncache:\n  redis: { cluster: [redis://127.0.0.1:7000] }\nfaults:\n  - { type: cache-down, at: 1s, duration: 1s }\n`,
      contains: ['faults', 'cache.redis.url (a standalone server)'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const message = loadError(c.yaml);
      for (const part of c.contains) assert.ok(message.includes(part), `message:\n${message}\nshould contain:\n${part}`);
    });
  }

  it('live mode takes the fault windows it injects: cache-down, db-down (model or PostgreSQL), db-slow (model), pubsub-partition, node-crash', () => {
    const live = 'mode: live\nworkload:\n  keys: 1000\n  duration: 10s\n  rate: 100/s\n';
    const faults = '  - { type: cache-down, at: 1s, duration: 1s }\n  - { type: db-down, at: 2s, duration: 1s }\n  - { type: pubsub-partition, at: 3s, duration: 1s }\n  - { type: node-crash, at: 5s, node: 1 }\n';
    const pubsub = 'topology: { nodes: 2 }\ncache:\n  redis: { url: redis://127.0.0.1:6390 }\n  local: { capacity: 100 }\n  ttl: 1m\n  invalidation: pubsub\n  pubsub: { loss: 1% }\n  stampede: { ttl_jitter: 10% }\n';
    const model = parseScenarioText(`${live}${pubsub}faults:\n${faults}  - { type: db-slow, at: 4s, duration: 1s, factor: 3 }\n`, 'scenario.yaml', [], '/scenarios').scenario;
    assert.deepEqual(model.faults.map((f) => f.type), ['cache-down', 'db-down', 'pubsub-partition', 'db-slow', 'node-crash']);
    const real = parseScenarioText(`${live}database:\n  postgres: { url: postgres://127.0.0.1:5433/db, table: items }\n${pubsub}faults:\n${faults}`, 'scenario.yaml', [], '/scenarios').scenario;
    assert.equal(real.faults.length, 4);
  });

  it('a sweep over patterns, invalidations or protections may carry every choice’s settings', () => {
    const swept = `${TIMED}cache:\n  capacity: 100\n  local: { capacity: 10 }\n  write_behind: { delay: 1s }\n  pubsub: { loss: 1% }\n  stampede: { retry: 10ms }\nmatrix:\n  cache.pattern: [cache-aside, write-behind]\n  cache.invalidation: [delete, pubsub]\n  cache.stampede.protection: [none, lock]\n`;
    const runs = parseScenarioText(swept.replace(/cache-aside, write-behind/, 'write-through, write-behind').replace('[delete, pubsub]', '[update, pubsub]'), 'scenario.yaml', [], '/scenarios').runs;
    assert.equal(runs.length, 8);
    assert.equal(runs.find((r) => r.name.includes('pattern=write-through'))?.scenario.cache?.write_behind, null, 'ignored where it does not apply');
    assert.deepEqual(runs.find((r) => r.name.includes('pattern=write-behind'))?.scenario.cache?.write_behind?.delay, 1000);
    // The same through --set.
    const flagged = parseScenarioText(`${TIMED}cache:\n  capacity: 100\n  write_behind: { delay: 1s }\n`, 'scenario.yaml', ['cache.pattern=cache-aside'], '/scenarios');
    assert.equal(flagged.scenario.cache?.write_behind, null);
  });

  it('a full two-tier scenario with every feature is valid', () => {
    const { scenario } = parseScenarioText(
      `${TIMED}topology: { nodes: 3, routing: sticky }\ncache:\n  capacity: 1k\n  ttl: 1m\n  local: { capacity: 100, ttl: 10s }\n  pattern: write-behind\n  invalidation: pubsub\n  pubsub: { delay: { type: lognormal, p50: 1ms, p99: 10ms }, loss: 1% }\n  write_behind: { delay: 500ms, batch_size: 50 }\n  stampede: { protection: lock, retry: 20ms, ttl_jitter: 10% }\n  on_cache_error: fail\nfaults:\n  - { type: node-crash, at: 5s, node: 2 }\n  - { type: cache-down, at: 2s, duration: 1s }\n`,
      'scenario.yaml',
      [],
      '/scenarios',
    );
    assert.deepEqual(scenario.topology, { nodes: 3, routing: 'sticky' });
    assert.equal(scenario.cache?.local?.latency.type, 'constant');
    assert.deepEqual(scenario.cache?.pubsub, { delay: { type: 'lognormal', p50: 1, p99: 10 }, loss: 0.01 });
    assert.deepEqual(scenario.cache?.write_behind, { delay: 500, batch_size: 50, max_pending: 10_000 });
    assert.equal(scenario.cache?.stampede.retry, 20);
    assert.equal(scenario.cache?.stampede.ttl_jitter, 0.1);
    assert.deepEqual(scenario.faults.map((f) => f.type), ['cache-down', 'node-crash'], 'in time order');
    assert.equal(scenario.faults[1].duration, 0, 'a crash without a duration restarts at once');
  });
});
