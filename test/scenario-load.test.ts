import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { InputError } from '../src/errors.js';
import { loadScenario, parseScenarioText } from '../src/scenario/load.js';
import { ONE_TIER, ONE_NODE } from './support/scenario-defaults.js';
import type { Scenario } from '../src/scenario/scenario.js';

const BASE_DIR = '/scenarios';

function load(text: string, overrides: string[] = []): Scenario {
  return parseScenarioText(text, 'scenario.yaml', overrides, BASE_DIR).scenario;
}

const PRODUCT_PRICES = `# a synthetic workload through one cache-aside tier
name: product-prices
seed: 42
workload:
  keys: 100000
  distribution: { type: zipf, alpha: 0.99 }
  requests: 1000000
  rate: 5000/s
  mix: { get: 0.95, set: 0.05 }
database:
  latency: { type: lognormal, p50: 5ms, p99: 40ms }
  max_concurrency: 32
cache:
  policy: lru
  capacity: 10000
  ttl: 5m
  latency: 0.2ms
thresholds:
  - hit_rate >= 0.7
  - latency.p99 < 50ms
`;

const RECORDED_TRACE = `# a recorded trace through a cache, as fast as possible
workload:
  trace: traces/cloudphysics.csv
cache:
  policy: lru
  capacity: 1000
`;

describe('DESIGN.md contract examples', () => {
  it('loads the synthetic product-prices scenario exactly', () => {
    const loaded = parseScenarioText(PRODUCT_PRICES, 'product-prices.yaml', [], BASE_DIR);
    assert.deepEqual(loaded.scenario, {
      name: 'product-prices',
      file: path.resolve('product-prices.yaml'),
      mode: 'simulate',
      seed: 42,
      workload: {
        kind: 'synthetic',
        keys: 100_000,
        distribution: { type: 'zipf', alpha: 0.99 },
        requests: 1_000_000,
        duration: null,
        arrival: { type: 'poisson', rate: 5000 },
        mix: { get: 0.95, set: 0.05, delete: 0 },
        value_size: { type: 'fixed', size: 1024 },
      },
      database: {
        latency: { type: 'lognormal', p50: 5, p99: 40 },
        write_latency: { type: 'lognormal', p50: 5, p99: 40 },
        max_concurrency: 32,
        timeout: null,
      },
      cache: {
        policy: 'lru',
        capacity: 10_000,
        capacity_unit: 'entries',
        ttl: 300_000,
        parameters: {},
        latency: { type: 'constant', value: 0.2 },
        pattern: 'cache-aside',
        invalidation: 'delete',
        ...ONE_TIER,
      },
      max_staleness: null,
      ...ONE_NODE,
      timeseries_window: 1000,
      thresholds: ['hit_rate >= 0.7', 'latency.p99 < 50ms'],
      matrix: null,
    } satisfies Scenario);
    assert.equal(loaded.runs.length, 1);
    assert.equal(loaded.runs[0].name, 'product-prices');
    assert.deepEqual(loaded.runs[0].params, {});
    assert.deepEqual(loaded.runs[0].scenario, loaded.scenario);
  });

  it('loads the recorded-trace scenario, named after its file, with the trace beside it', () => {
    const scenario = parseScenarioText(RECORDED_TRACE, 'that.yaml', [], BASE_DIR).scenario;
    assert.equal(scenario.name, 'that');
    assert.deepEqual(scenario.workload, {
      kind: 'trace',
      path: '/scenarios/traces/cloudphysics.csv',
      path_as_written: 'traces/cloudphysics.csv',
      format: 'auto',
      requests: null,
      duration: null,
      arrival: { type: 'none' },
    });
    assert.deepEqual(scenario.cache, {
      policy: 'lru',
      capacity: 1000,
      capacity_unit: 'entries',
      ttl: null,
      parameters: {},
      latency: { type: 'constant', value: 0.2 },
      pattern: 'cache-aside',
      invalidation: 'delete',
      ...ONE_TIER,
    });
  });

  it('runs the trace scenario as FIFO at 10,000 entries with --set', () => {
    const scenario = load(RECORDED_TRACE, ['cache.policy=fifo', 'cache.capacity=10000']);
    assert.equal(scenario.cache?.policy, 'fifo');
    assert.equal(scenario.cache?.capacity, 10_000);
    assert.equal(scenario.cache?.capacity_unit, 'entries');
  });

  it('locates fields for later messages', () => {
    const loaded = parseScenarioText(PRODUCT_PRICES, 'scenario.yaml', ['cache.capacity=5k'], BASE_DIR);
    assert.equal(loaded.locate(['thresholds', 1]), 'scenario.yaml:20:5');
    assert.equal(loaded.locate(['workload', 'rate']), 'scenario.yaml:8:9');
    assert.equal(loaded.locate(['cache']), 'scenario.yaml:13:1');
    assert.equal(loaded.locate(['cache', 'capacity']), '--set cache.capacity=5k');
    assert.equal(loaded.locate(['database', 'timeout']), 'scenario.yaml:10:1', 'an absent field points at its enclosing one');
  });
});

const MINIMAL = 'workload: { keys: 1000, requests: 10k }\n';

describe('defaults', () => {
  const scenario = load(MINIMAL);
  it('fills every top-level default', () => {
    assert.equal(scenario.name, 'scenario');
    assert.equal(scenario.seed, 1);
    assert.equal(scenario.mode, 'simulate');
    assert.equal(scenario.cache, null);
    assert.equal(scenario.max_staleness, null);
    assert.equal(scenario.timeseries_window, 1000);
    assert.deepEqual(scenario.thresholds, []);
    assert.deepEqual(scenario.compare, []);
    assert.equal(scenario.matrix, null);
  });
  it('fills the synthetic workload defaults', () => {
    assert.deepEqual(scenario.workload, {
      kind: 'synthetic',
      keys: 1000,
      distribution: { type: 'zipf', alpha: 0.99 },
      requests: 10_000,
      duration: null,
      arrival: { type: 'none' },
      mix: { get: 1, set: 0, delete: 0 },
      value_size: { type: 'fixed', size: 1024 },
    });
  });
  it('fills the database defaults', () => {
    assert.deepEqual(scenario.database, {
      latency: { type: 'constant', value: 5 },
      write_latency: { type: 'constant', value: 5 },
      max_concurrency: Number.POSITIVE_INFINITY,
      timeout: null,
    });
  });
  it('fills the cache defaults around a capacity', () => {
    assert.deepEqual(load(`${MINIMAL}cache: { capacity: 10k }\n`).cache, {
      policy: 'lru',
      capacity: 10_000,
      capacity_unit: 'entries',
      ttl: null,
      parameters: {},
      latency: { type: 'constant', value: 0.2 },
      pattern: 'cache-aside',
      invalidation: 'delete',
      ...ONE_TIER,
    });
  });
  it('lets a ttl cache go without a capacity', () => {
    const cache = load(`${MINIMAL}cache: { policy: ttl }\n`).cache;
    assert.equal(cache?.capacity, Number.POSITIVE_INFINITY);
  });
});

/** Each row: extra YAML lines merged into a valid scenario, and the resolved value at a path. */
const FORMS: Array<{ name: string; yaml: string; pick: (s: Scenario) => unknown; expected: unknown }> = [
  { name: 'bare distribution name', yaml: 'workload: { keys: 10, requests: 1, distribution: zipf }', pick: (s) => wl(s).distribution, expected: { type: 'zipf', alpha: 0.99 } },
  { name: 'uniform', yaml: 'workload: { keys: 10, requests: 1, distribution: uniform }', pick: (s) => wl(s).distribution, expected: { type: 'uniform' } },
  { name: 'sequential', yaml: 'workload: { keys: 10, requests: 1, distribution: { type: sequential } }', pick: (s) => wl(s).distribution, expected: { type: 'sequential' } },
  { name: 'scrambled-zipf default alpha', yaml: 'workload: { keys: 10, requests: 1, distribution: scrambled-zipf }', pick: (s) => wl(s).distribution, expected: { type: 'scrambled-zipf', alpha: 0.99 } },
  { name: 'latest with alpha', yaml: 'workload: { keys: 10, requests: 1, distribution: { type: latest, alpha: 1.2 } }', pick: (s) => wl(s).distribution, expected: { type: 'latest', alpha: 1.2 } },
  { name: 'hotspot defaults', yaml: 'workload: { keys: 10, requests: 1, distribution: hotspot }', pick: (s) => wl(s).distribution, expected: { type: 'hotspot', hot_fraction: 0.2, hot_probability: 0.8 } },
  { name: 'hotspot in percent', yaml: 'workload: { keys: 10, requests: 1, distribution: { type: hotspot, hot_fraction: 10%, hot_probability: 90% } }', pick: (s) => wl(s).distribution, expected: { type: 'hotspot', hot_fraction: 0.1, hot_probability: 0.9 } },
  { name: 'mix in percent, omitted ops 0', yaml: 'workload: { keys: 10, requests: 1, mix: { get: 90%, delete: 10% } }', pick: (s) => wl(s).mix, expected: { get: 0.9, set: 0, delete: 0.1 } },
  { name: 'mix within rounding of 1', yaml: 'workload: { keys: 10, requests: 1, mix: { get: 0.7, set: 0.2, delete: 0.1 } }', pick: (s) => wl(s).mix, expected: { get: 0.7, set: 0.2, delete: 0.1 } },
  { name: 'value size short form', yaml: 'workload: { keys: 10, requests: 1, value_size: 4KB }', pick: (s) => wl(s).value_size, expected: { type: 'fixed', size: 4096 } },
  { name: 'value size uniform', yaml: 'workload: { keys: 10, requests: 1, value_size: { type: uniform, min: 100B, max: 1KB } }', pick: (s) => wl(s).value_size, expected: { type: 'uniform', min: 100, max: 1024 } },
  { name: 'value size lognormal', yaml: 'workload: { keys: 10, requests: 1, value_size: { type: lognormal, p50: 1KB, p99: 1MB } }', pick: (s) => wl(s).value_size, expected: { type: 'lognormal', p50: 1024, p99: 1_048_576 } },
  { name: 'duration with a rate', yaml: 'workload: { keys: 10, duration: 10m, rate: 5k/s }', pick: (s) => [wl(s).duration, wl(s).requests, wl(s).arrival], expected: [600_000, null, { type: 'poisson', rate: 5000 }] },
  { name: 'constant arrival', yaml: 'workload: { keys: 10, requests: 1, rate: 300/m, arrival: constant }', pick: (s) => wl(s).arrival, expected: { type: 'constant', rate: 5 } },
  { name: 'trace replayed at its own pace, twice as fast', yaml: 'workload: { trace: /data/t.jsonl, format: jsonl, arrival: trace, speed: 2, requests: 1M, duration: 1h }', pick: (s) => s.workload, expected: { kind: 'trace', path: '/data/t.jsonl', path_as_written: '/data/t.jsonl', format: 'jsonl', requests: 1_000_000, duration: 3_600_000, arrival: { type: 'trace', speed: 2 } } },
  { name: 'trace at a poisson rate', yaml: 'workload: { trace: t.csv, rate: 100/s }', pick: (s) => s.workload.arrival, expected: { type: 'poisson', rate: 100 } },
  { name: 'trace arrival default speed', yaml: 'workload: { trace: t.csv, arrival: trace }', pick: (s) => s.workload.arrival, expected: { type: 'trace', speed: 1 } },
  { name: 'uniform db latency', yaml: `${MINIMAL}database: { latency: { type: uniform, min: 1ms, max: 3ms } }`, pick: (s) => s.database.latency, expected: { type: 'uniform', min: 1, max: 3 } },
  { name: 'normal db latency', yaml: `${MINIMAL}database: { latency: { type: normal, mean: 5ms, stddev: 500us } }`, pick: (s) => s.database.latency, expected: { type: 'normal', mean: 5, stddev: 0.5 } },
  { name: 'exponential db latency', yaml: `${MINIMAL}database: { latency: { type: exponential, mean: 2ms } }`, pick: (s) => s.database.latency, expected: { type: 'exponential', mean: 2 } },
  { name: 'explicit constant latency', yaml: `${MINIMAL}database: { latency: { type: constant, value: 1s } }`, pick: (s) => s.database.latency, expected: { type: 'constant', value: 1000 } },
  { name: 'write latency of its own', yaml: `${MINIMAL}database: { latency: 2ms, write_latency: 10ms }`, pick: (s) => [s.database.latency, s.database.write_latency], expected: [{ type: 'constant', value: 2 }, { type: 'constant', value: 10 }] },
  { name: 'db pool and timeout', yaml: `${MINIMAL}database: { max_concurrency: 1k, timeout: 2s }`, pick: (s) => [s.database.max_concurrency, s.database.timeout], expected: [1000, 2000] },
  { name: 'unlimited pool, no timeout', yaml: `${MINIMAL}database: { max_concurrency: unlimited, timeout: none }`, pick: (s) => [s.database.max_concurrency, s.database.timeout], expected: [Number.POSITIVE_INFINITY, null] },
  { name: 'zero cache latency', yaml: `${MINIMAL}cache: { capacity: 10, latency: 0 }`, pick: (s) => s.cache?.latency, expected: { type: 'constant', value: 0 } },
  { name: 'capacity in bytes', yaml: `${MINIMAL}cache: { capacity: 64MB }`, pick: (s) => [s.cache?.capacity, s.cache?.capacity_unit], expected: [67_108_864, 'bytes'] },
  { name: 'capacity in lowercase mb', yaml: `${MINIMAL}cache: { capacity: 1mb }`, pick: (s) => [s.cache?.capacity, s.cache?.capacity_unit], expected: [1_048_576, 'bytes'] },
  { name: 'capacity 1.5M entries', yaml: `${MINIMAL}cache: { capacity: 1.5M }`, pick: (s) => [s.cache?.capacity, s.cache?.capacity_unit], expected: [1_500_000, 'entries'] },
  { name: 'unlimited capacity', yaml: `${MINIMAL}cache: { capacity: unlimited }`, pick: (s) => s.cache?.capacity, expected: Number.POSITIVE_INFINITY },
  { name: 'ttl none', yaml: `${MINIMAL}cache: { capacity: 10, ttl: none }`, pick: (s) => s.cache?.ttl, expected: null },
  { name: 'invalidation', yaml: `${MINIMAL}cache: { capacity: 10, invalidation: ttl-only, pattern: cache-aside }`, pick: (s) => s.cache?.invalidation, expected: 'ttl-only' },
  { name: 'cache: none', yaml: `${MINIMAL}cache: none`, pick: (s) => s.cache, expected: null },
  { name: 'cache: null', yaml: `${MINIMAL}cache:`, pick: (s) => s.cache, expected: null },
  { name: 'staleness budget, time-series window', yaml: `${MINIMAL}max_staleness: 500ms\ntimeseries: { window: 10s }`, pick: (s) => [s.max_staleness, s.timeseries_window], expected: [500, 10_000] },
  { name: 'single threshold string', yaml: `${MINIMAL}thresholds: hit_rate > 0.5`, pick: (s) => s.thresholds, expected: ['hit_rate > 0.5'] },
  { name: 'compare rules, or a single one', yaml: `${MINIMAL}compare: hit_rate -2%`, pick: (s) => s.compare, expected: ['hit_rate -2%'] },
  { name: 'mode and seed', yaml: `${MINIMAL}mode: simulate\nseed: 7`, pick: (s) => [s.mode, s.seed], expected: ['simulate', 7] },
  { name: 'keys as 1_000_000', yaml: 'workload: { keys: 1_000_000, requests: 2.5M }', pick: (s) => [wl(s).keys, wl(s).requests], expected: [1_000_000, 2_500_000] },
];

function wl(scenario: Scenario) {
  assert.equal(scenario.workload.kind, 'synthetic');
  return scenario.workload as Extract<Scenario['workload'], { kind: 'synthetic' }>;
}

describe('every written form resolves', () => {
  for (const { name, yaml, pick, expected } of FORMS) {
    it(name, () => {
      assert.deepEqual(pick(load(yaml)), expected);
    });
  }
});

describe('loadScenario from disk', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cachebench-scenario-'));
  mkdirSync(path.join(dir, 'traces'));
  const file = path.join(dir, 'replay.yml');
  writeFileSync(file, RECORDED_TRACE);

  it('names the scenario after the file and resolves the trace beside it', () => {
    const loaded = loadScenario(file, []);
    assert.equal(loaded.scenario.name, 'replay');
    assert.equal(loaded.scenario.file, file);
    assert.equal(loaded.scenario.workload.kind === 'trace' && loaded.scenario.workload.path, path.join(dir, 'traces', 'cloudphysics.csv'));
  });

  it('a missing file is an exit-2 error naming it', () => {
    const missing = path.join(dir, 'nope.yaml');
    assert.throws(
      () => loadScenario(missing, []),
      (error: unknown) => error instanceof InputError && error.exitCode === 2 && error.message === `${missing}: no such scenario file`,
    );
  });

  it('a directory is an exit-2 error naming it', () => {
    assert.throws(() => loadScenario(dir, []), (error: unknown) => error instanceof InputError && error.message.includes('is a directory'));
  });
});

describe('policy parameters', () => {
  const text = (policy: string, parameters: string) =>
    `workload:\n  trace: t.csv\ncache:\n  policy: ${policy}\n  capacity: 100\n  parameters: ${parameters}\n`;

  it('resolves every parameter of the policy, given or default', () => {
    const scenario = parseScenarioText(text('redis-lfu', '{ lfu-log-factor: 20 }'), 'scenario.yaml', [], BASE_DIR).scenario;
    assert.equal(scenario.cache?.parameters['lfu-log-factor'], 20);
    assert.equal(scenario.cache?.parameters['maxmemory-samples'], 5);
  });

  it('rejects an unknown name or an out-of-range value with its place', () => {
    assert.throws(
      () => parseScenarioText(text('redis-lru', '{ maxmemory-sample: 10 }'), 'scenario.yaml', [], BASE_DIR),
      /scenario\.yaml:6:\d+ cache\.parameters\.maxmemory-sample: .*valid parameters: maxmemory-samples/,
    );
    assert.throws(() => parseScenarioText(text('lru', '{ k: 1 }'), 'scenario.yaml', [], BASE_DIR), /takes no parameters/);
    assert.throws(() => parseScenarioText(text('redis-lru', '{ maxmemory-samples: 0 }'), 'scenario.yaml', [], BASE_DIR), /maxmemory-samples/);
  });
});
