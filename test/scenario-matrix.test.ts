import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../src/errors.js';
import { type LoadedScenario, parseScenarioText } from '../src/scenario/load.js';

const SWEEP = `name: sweep
workload:
  keys: 100000
  requests: 1M
  rate: 5000/s
cache:
  capacity: 1k
matrix:
  cache.policy: [lru, fifo, sieve]
  cache.capacity: [1k, 10k]
  cache.ttl: [1m, 10m]
`;

function load(text: string, overrides: string[] = []): LoadedScenario {
  return parseScenarioText(text, 'scenario.yaml', overrides, '/scenarios');
}

function loadError(text: string, overrides: string[] = []): string {
  try {
    load(text, overrides);
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    return error.message;
  }
  assert.fail('expected an error');
}

describe('matrix expansion', () => {
  const loaded = load(SWEEP);

  it('runs the cartesian product, first axis slowest', () => {
    assert.equal(loaded.runs.length, 12);
    assert.deepEqual(
      loaded.runs.map((run) => run.name),
      [
        'policy=lru capacity=1k ttl=1m',
        'policy=lru capacity=1k ttl=10m',
        'policy=lru capacity=10k ttl=1m',
        'policy=lru capacity=10k ttl=10m',
        'policy=fifo capacity=1k ttl=1m',
        'policy=fifo capacity=1k ttl=10m',
        'policy=fifo capacity=10k ttl=1m',
        'policy=fifo capacity=10k ttl=10m',
        'policy=sieve capacity=1k ttl=1m',
        'policy=sieve capacity=1k ttl=10m',
        'policy=sieve capacity=10k ttl=1m',
        'policy=sieve capacity=10k ttl=10m',
      ],
    );
  });

  it('keeps params as written and resolves each run', () => {
    const run = loaded.runs[7];
    assert.deepEqual(run.params, { 'cache.policy': 'fifo', 'cache.capacity': '10k', 'cache.ttl': '10m' });
    assert.equal(run.scenario.cache?.policy, 'fifo');
    assert.equal(run.scenario.cache?.capacity, 10_000);
    assert.equal(run.scenario.cache?.ttl, 600_000);
    assert.equal(run.scenario.name, 'sweep');
    assert.equal(run.scenario.matrix, null);
  });

  it('reports the sweep on the top-level scenario', () => {
    assert.deepEqual(loaded.scenario.matrix, { 'cache.policy': ['lru', 'fifo', 'sieve'], 'cache.capacity': ['1k', '10k'], 'cache.ttl': ['1m', '10m'] });
    assert.equal(loaded.scenario.name, 'sweep');
  });

  it('labels clashing axes by their whole path', () => {
    const text = 'workload: { keys: 10, requests: 1, rate: 1/s }\ncache: { capacity: 10 }\nmatrix:\n  cache.latency: [0, 1ms]\n  database.latency: [5ms]\n';
    assert.deepEqual(
      load(text).runs.map((run) => run.name),
      ['cache.latency=0 database.latency=5ms', 'cache.latency=1ms database.latency=5ms'],
    );
  });

  it('sweeps whole maps and short forms', () => {
    const text = 'workload:\n  keys: 10\n  requests: 1\nmatrix:\n  workload.distribution: [uniform, { type: zipf, alpha: 1.2 }]\n  cache: [none, { capacity: 10 }]\n';
    const runs = load(text).runs;
    assert.deepEqual(
      runs.map((run) => run.name),
      ['distribution=uniform cache=none', 'distribution=uniform cache={ capacity: 10 }', 'distribution={ type: zipf, alpha: 1.2 } cache=none', 'distribution={ type: zipf, alpha: 1.2 } cache={ capacity: 10 }'],
    );
    assert.equal(runs[0].scenario.cache, null);
    assert.equal(runs[3].scenario.cache?.capacity, 10);
  });

  it('an override of a swept field replaces that sweep', () => {
    const fixed = load(SWEEP, ['cache.policy=lfu']);
    assert.equal(fixed.runs.length, 4);
    assert.ok(fixed.runs.every((run) => run.scenario.cache?.policy === 'lfu'));
    assert.equal(fixed.runs[0].name, 'capacity=1k ttl=1m');
    assert.deepEqual(Object.keys(fixed.scenario.matrix ?? {}), ['cache.capacity', 'cache.ttl']);
  });

  it('an override of a map holding swept fields replaces those sweeps', () => {
    const noCache = load(SWEEP, ['cache=none']);
    assert.equal(noCache.runs.length, 1);
    assert.equal(noCache.runs[0].name, 'sweep');
    assert.equal(noCache.scenario.cache, null);
    assert.equal(noCache.scenario.matrix, null);
  });

  it('an override elsewhere applies to every run', () => {
    const seeded = load(SWEEP, ['seed=5']);
    assert.equal(seeded.runs.length, 12);
    assert.ok(seeded.runs.every((run) => run.scenario.seed === 5));
  });
});

describe('matrix errors', () => {
  const base = 'workload: { keys: 10, requests: 1, rate: 1/s }\ncache: { capacity: 10 }\n';
  const cases: Array<{ name: string; matrix: string; lines: string[] }> = [
    {
      name: 'an invalid value names its combination and points at the value',
      matrix: 'matrix:\n  cache.policy: [lru, fifo]\n  cache.capacity: [1k, -5]\n',
      lines: ['scenario.yaml:5:24 cache.capacity: must be a positive count like 10000 or 10k, or a size like 64MB; got -5 (matrix runs policy=lru capacity=-5; policy=fifo capacity=-5)'],
    },
    {
      name: 'a value invalid in one combination only',
      matrix: 'matrix:\n  cache.policy: [lru, lur]\n',
      lines: ['scenario.yaml:4:23 cache.policy: must be one of', 'got "lur" (did you mean `lru`?) (matrix run policy=lur)'],
    },
    {
      name: 'an unknown path suggests the nearest',
      matrix: 'matrix:\n  cache.polcy: [lru]\n',
      lines: ['scenario.yaml:4:3 matrix.cache.polcy: unknown field path `cache.polcy`; did you mean `cache.policy`?'],
    },
    {
      name: 'a value that is not a list',
      matrix: 'matrix:\n  cache.policy: lru\n',
      lines: ['scenario.yaml:4:17 matrix.cache.policy: must be a non-empty list of values, e.g. [lru, fifo]; got "lru"'],
    },
    {
      name: 'an empty list',
      matrix: 'matrix:\n  cache.policy: []\n',
      lines: ['scenario.yaml:4:3 matrix.cache.policy: must be a non-empty list'],
    },
    {
      name: 'a matrix that is not a map',
      matrix: 'matrix: [cache.policy]\n',
      lines: ['scenario.yaml:3:1 matrix: must be a map of field path → list of values'],
    },
    {
      name: 'a problem in the base file is reported once, without combinations',
      matrix: 'seed: -1\nmatrix:\n  cache.policy: [lru, fifo]\n',
      lines: ['scenario.yaml:3:7 seed: must be a whole number ≥ 0, e.g. 42; got -1'],
    },
  ];
  for (const { name, matrix, lines } of cases) {
    it(name, () => {
      const message = loadError(base + matrix);
      for (const line of lines) assert.ok(message.includes(line), `message:\n${message}\nshould contain:\n${line}`);
      if (name.includes('reported once')) assert.equal(message.split('\n').length, 1);
    });
  }
});
