import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../src/errors.js';
import { parseScenarioText } from '../src/scenario/load.js';
import { parseOverride } from '../src/scenario/overrides.js';
import type { Scenario } from '../src/scenario/scenario.js';

const FILE = `name: sized
workload:
  keys: 100000
  distribution: zipf
  requests: 1M
  rate: 5000/s
database:
  latency: 5ms
cache:
  policy: lru
  capacity: 1000
`;

function load(overrides: string[], text = FILE): Scenario {
  return parseScenarioText(text, 'scenario.yaml', overrides, '/scenarios').scenario;
}

function overrideError(overrides: string[], text = FILE): string {
  try {
    load(overrides, text);
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    return error.message;
  }
  assert.fail('expected an error');
}

describe('--set path=value', () => {
  const cases: Array<{ flags: string[]; pick: (s: Scenario) => unknown; expected: unknown }> = [
    { flags: ['cache.capacity=10000'], pick: (s) => s.cache?.capacity, expected: 10_000 },
    { flags: ['cache.capacity=64MB'], pick: (s) => [s.cache?.capacity, s.cache?.capacity_unit], expected: [67_108_864, 'bytes'] },
    { flags: ['cache.policy=fifo'], pick: (s) => s.cache?.policy, expected: 'fifo' },
    { flags: ['cache.ttl=1m'], pick: (s) => s.cache?.ttl, expected: 60_000 },
    { flags: ['workload.rate=10k/s'], pick: (s) => s.workload.arrival, expected: { type: 'poisson', rate: 10_000 } },
    // reaching into a short form expands it first
    { flags: ['workload.distribution.alpha=0.8'], pick: (s) => s.workload.kind === 'synthetic' && s.workload.distribution, expected: { type: 'zipf', alpha: 0.8 } },
    { flags: ['workload.distribution=uniform'], pick: (s) => s.workload.kind === 'synthetic' && s.workload.distribution, expected: { type: 'uniform' } },
    { flags: ['database.latency.value=7ms'], pick: (s) => s.database.latency, expected: { type: 'constant', value: 7 } },
    { flags: ['database.latency={type: exponential, mean: 2ms}'], pick: (s) => s.database.latency, expected: { type: 'exponential', mean: 2 } },
    // fields the file leaves out, and the whole cache
    { flags: ['database.timeout=1s'], pick: (s) => s.database.timeout, expected: 1000 },
    { flags: ['max_staleness=2s'], pick: (s) => s.max_staleness, expected: 2000 },
    { flags: ['cache=none'], pick: (s) => s.cache, expected: null },
    { flags: ['seed=9', 'name=other'], pick: (s) => [s.seed, s.name], expected: [9, 'other'] },
    { flags: ['cache.capacity=10', 'cache.capacity=20'], pick: (s) => s.cache?.capacity, expected: 20 },
  ];
  for (const { flags, pick, expected } of cases) {
    it(flags.join(' '), () => assert.deepEqual(pick(load(flags)), expected));
  }

  it('creates a cache where the file has none', () => {
    const cache = load(['cache.capacity=5k'], 'workload: { keys: 10, requests: 1 }\n').cache;
    assert.equal(cache?.capacity, 5000);
    assert.equal(cache?.policy, 'lru');
  });

  it('reads the value as a YAML scalar', () => {
    assert.deepEqual(parseOverride('cache.capacity=10000').value, 10_000);
    assert.deepEqual(parseOverride('cache.ttl=5m').value, '5m');
    assert.deepEqual(parseOverride('cache.ttl=').value, null);
    // A key prefix ends in a colon: text, not YAML's map of it to nothing; a real map still is one.
    assert.deepEqual(parseOverride('cache.redis.prefix=cachebench:app:').value, 'cachebench:app:');
    assert.deepEqual(parseOverride('cache.redis.prefix="cachebench:app:"').value, 'cachebench:app:');
    assert.deepEqual(parseOverride('database.latency={ type: constant, value: 5ms }').value, { type: 'constant', value: '5ms' });
    assert.deepEqual(parseOverride('thresholds.1=hit_rate > 0.5').path, ['thresholds', 1]);
  });
});

describe('--set errors', () => {
  const cases: Array<{ flags: string[]; contains: string[] }> = [
    { flags: ['cache.polcy=fifo'], contains: ['--set cache.polcy=fifo: unknown field path `cache.polcy`; did you mean `cache.policy`?'] },
    { flags: ['cahce.capacity=1'], contains: ['--set cahce.capacity=1: unknown field path', 'did you mean `cache.capacity`?'] },
    { flags: ['workload.distribution.alhpa=1'], contains: ['did you mean `workload.distribution.alpha`?'] },
    { flags: ['cache.capacity'], contains: ['--set cache.capacity: expected path=value, e.g. --set cache.capacity=10000'] },
    { flags: ['=5'], contains: ['expected path=value'] },
    { flags: ['matrix.cache.policy=lru'], contains: ['--set matrix.cache.policy=lru: the matrix cannot be set'] },
    { flags: ['cache.capacity=[1'], contains: ['--set cache.capacity=[1: the value is not valid YAML'] },
    { flags: ['cache.capacity=0'], contains: ['--set cache.capacity=0 cache.capacity: must be a positive count', 'got 0'] },
    { flags: ['cache.policy=lur'], contains: ['--set cache.policy=lur cache.policy: must be one of', 'did you mean `lru`?'] },
    { flags: ['seed.x=1'], contains: ['--set seed.x=1: unknown field path `seed.x`'] },
    { flags: ['database.latency.p99=40ms'], contains: ['database.latency.p99: unknown field', 'valid fields in database.latency: type, value'] },
  ];
  for (const { flags, contains } of cases) {
    it(flags.join(' '), () => {
      const message = overrideError(flags);
      for (const part of contains) assert.ok(message.includes(part), `message:\n${message}\nshould contain:\n${part}`);
    });
  }
});
