import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeFromCompressedBase64, JsHistogram } from 'hdr-histogram-js';
import { InputError } from '../src/errors.js';
import type { Result } from '../src/result/run-result.js';
import type { SyntheticWorkloadSpec, WorkloadSpec } from '../src/scenario/scenario.js';
import { AccessBatch } from '../src/workload/access-event.js';
import { createWorkload } from '../src/workload/create-workload.js';
import { parseShard, shardOfKey, THREAD_SALT } from '../src/workload/key-shard.js';
import { assertNoStack, cachebench, repoRoot } from './support/cachebench-process.js';

const work = mkdtempSync(join(tmpdir(), 'cachebench-shard-'));

function synthetic(overrides: Partial<SyntheticWorkloadSpec> = {}): SyntheticWorkloadSpec {
  return {
    kind: 'synthetic',
    keys: 20_000,
    distribution: { type: 'zipf', alpha: 0.99 },
    requests: 60_000,
    duration: null,
    arrival: { type: 'poisson', rate: 5000 },
    mix: { get: 0.8, set: 0.15, delete: 0.05 },
    value_size: { type: 'lognormal', p50: 1000, p99: 50_000 },
    ...overrides,
  };
}

/** Every event of a stream as `time key op size ttl` lines, pulled with a given batch size. */
function eventsOf(spec: WorkloadSpec, seed: number, batchSize = 4096): string[] {
  const stream = createWorkload(spec, seed);
  const batch = new AccessBatch(batchSize);
  const lines: string[] = [];
  try {
    while (stream.next(batch) > 0) {
      for (let i = 0; i < batch.length; i++) lines.push(`${batch.time[i]} ${batch.key[i]} ${batch.op[i]} ${batch.size[i]} ${batch.ttl[i]}`);
    }
  } finally {
    stream.close();
  }
  return lines;
}

/** The shards' events interleaved back into one sequence by their position in the unsharded stream. */
function unionInStreamOrder(whole: string[], shards: string[][]): string[] {
  const positions = new Map<string, number[]>();
  whole.forEach((line, i) => {
    const list = positions.get(line) ?? [];
    list.push(i);
    positions.set(line, list);
  });
  const placed: string[] = new Array(whole.length);
  let count = 0;
  for (const shard of shards) {
    for (const line of shard) {
      const list = positions.get(line);
      assert.ok(list !== undefined && list.length > 0, `shard event ${line} is not in the unsharded stream (or appears too often)`);
      placed[list.shift()!] = line;
      count++;
    }
  }
  assert.equal(count, whole.length, 'the shards hold as many events as the whole stream');
  return placed;
}

describe('--shard i/N: parsing', () => {
  const valid: [string, { index: number; count: number }][] = [
    ['0/1', { index: 0, count: 1 }],
    ['0/4', { index: 0, count: 4 }],
    ['3/4', { index: 3, count: 4 }],
    [' 2 / 8 ', { index: 2, count: 8 }],
  ];
  for (const [text, expected] of valid) {
    it(`reads ${JSON.stringify(text)}`, () => assert.deepEqual(parseShard(text), expected));
  }
  const invalid: [string, RegExp][] = [
    ['4/4', /index must be 0 to 3.*numbered from 0.*got 4/],
    ['1/0', /count must be between 1 and/],
    ['-1/4', /expected index\/count, e\.g\. 0\/4/],
    ['1.5/4', /expected index\/count/],
    ['1', /expected index\/count/],
    ['a/b', /expected index\/count/],
    ['0/100000', /count must be between 1 and 65536/],
  ];
  for (const [text, message] of invalid) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseShard(text),
        (error: unknown) => error instanceof InputError && message.test(error.message) && error.message.startsWith(`--shard ${text}:`),
      );
    });
  }
});

describe('the key hash', () => {
  it('spreads a Zipf workload’s hottest keys (ids 0, 1, 2, …) evenly over the shards', () => {
    const counts = [0, 0, 0, 0];
    for (let key = 0; key < 100_000; key++) counts[shardOfKey(key, 4)]++;
    for (const c of counts) assert.ok(Math.abs(c - 25_000) < 600, `keys per shard: ${counts}`);
    // The hot head too: of the 100 hottest keys no shard gets more than half.
    const head = [0, 0, 0, 0];
    for (let key = 0; key < 100; key++) head[shardOfKey(key, 4)]++;
    assert.ok(Math.max(...head) < 50, `hot keys per shard: ${head}`);
  });

  it('is a fixed function of the key id (the same on every machine and every release)', () => {
    // Pinned: a changed hash would split the machines of one run differently from release to release.
    assert.deepEqual(
      [0, 1, 2, 3, 1_000_000].map((key) => shardOfKey(key, 2 ** 30)),
      [430634963, 769423036, 722626193, 293006107, 356901736],
    );
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((key) => shardOfKey(key, 4)),
      [3, 0, 1, 3, 1, 1, 1, 3],
    );
  });
});

describe('a sharded stream', () => {
  it('4 shards of a timed Zipf workload are disjoint and together are exactly the unsharded stream, in order', () => {
    const spec = synthetic();
    const whole = eventsOf(spec, 42);
    const shards = [0, 1, 2, 3].map((index) => eventsOf({ ...spec, shard: { index, count: 4 } }, 42));
    for (const [index, events] of shards.entries()) {
      assert.ok(events.length > 10_000, `shard ${index}: ${events.length} events`);
      for (const line of events) assert.equal(shardOfKey(Number(line.split(' ')[1]), 4), index);
      // Arrival times keep their order within a shard.
      const times = events.map((line) => Number(line.split(' ')[0]));
      assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]));
    }
    assert.deepEqual(unionInStreamOrder(whole, shards), whole);
  });

  it('keeps the same events whatever the batch size, and the keyspace of a growing (latest) workload', () => {
    const spec = synthetic({ distribution: { type: 'latest', alpha: 0.99 }, arrival: { type: 'none' }, requests: 30_000 });
    const whole = eventsOf(spec, 7);
    const shards = [0, 1, 2].map((index) => eventsOf({ ...spec, shard: { index, count: 3 } }, 7, 1 + index * 1000));
    assert.deepEqual(unionInStreamOrder(whole, shards), whole);
    const sharded = createWorkload({ ...spec, shard: { index: 1, count: 3 } }, 7);
    const unsharded = createWorkload(spec, 7);
    const batch = new AccessBatch(512);
    while (sharded.next(batch) > 0);
    while (unsharded.next(batch) > 0);
    assert.equal(sharded.keySpace, unsharded.keySpace);
    assert.ok(sharded.keySpace > spec.keys);
  });

  it('a trace workload: the shards’ requests are exactly the trace’s', () => {
    const trace = join(repoRoot, 'test', 'fixtures', 'cloudphysics.csv');
    const spec: WorkloadSpec = {
      kind: 'trace',
      path: trace,
      path_as_written: 'cloudphysics.csv',
      format: 'auto',
      requests: null,
      duration: null,
      arrival: { type: 'none' },
    };
    const whole = eventsOf(spec, 1);
    const shards = [0, 1].map((index) => eventsOf({ ...spec, shard: { index, count: 2 } }, 1));
    assert.equal(whole.length, 113_872);
    assert.deepEqual(unionInStreamOrder(whole, shards), whole);
  });

  it('property: for any seed, shard count and batch size, the shards partition the stream', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 700 }), (seed, count, batchSize) => {
        const spec = synthetic({ keys: 300, requests: 2_000, arrival: { type: 'constant', rate: 1000 } });
        const whole = eventsOf(spec, seed);
        const shards = Array.from({ length: count }, (_, index) => eventsOf({ ...spec, shard: { index, count } }, seed, batchSize));
        assert.deepEqual(unionInStreamOrder(whole, shards), whole);
      }),
      { numRuns: 25 },
    );
  });
});

const SIMULATED = `name: sharded-sim
seed: 5
workload:
  keys: 3k
  distribution: { type: zipf, alpha: 1.0 }
  requests: 40k
  arrival: none
  mix: { get: 90%, set: 8%, delete: 2% }
database:
  latency: 2ms
cache:
  policy: lru
  capacity: 3k
thresholds:
  - hit_rate >= 0.5
  - requests >= 40k
`;

const TIMED = `name: sharded-timed
seed: 9
workload:
  keys: 2k
  distribution: { type: zipf, alpha: 0.9 }
  requests: 30k
  rate: 3000/s
  mix: { get: 90%, set: 10% }
database:
  latency: { type: lognormal, p50: 2ms, p99: 20ms }
  max_concurrency: 16
cache:
  policy: lru
  capacity: 500
  ttl: 30s
`;

function writeScenario(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

function runShards(scenario: string, count: number, extra: string[] = []): { files: string[]; results: Result[] } {
  const files: string[] = [];
  const results: Result[] = [];
  for (let index = 0; index < count; index++) {
    const file = join(work, `${scenario.replace(/\W/g, '_')}-${index}.json`);
    const r = cachebench(['run', scenario, '--shard', `${index}/${count}`, '--json', file, ...extra]);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    files.push(file);
    results.push(JSON.parse(readFileSync(file, 'utf8')) as Result);
  }
  return { files, results };
}

describe('cachebench run --shard and merge (the real binary)', () => {
  it('refuses a bad --shard with exit 2 and a message naming the flag', () => {
    const scenario = writeScenario('sim.yaml', SIMULATED);
    for (const [flag, message] of [
      ['4/4', /--shard 4\/4: the index must be 0 to 3/],
      ['x', /--shard x: expected index\/count, e\.g\. 0\/4/],
    ] as const) {
      const r = cachebench(['run', scenario, '--shard', flag]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
      assertNoStack(r.stderr);
    }
  });

  it('the union of 4 shards of a simulated scenario is the unsharded run: every request, and (each key cached alone) every hit', () => {
    const scenario = writeScenario('sim.yaml', SIMULATED);
    const whole = cachebench(['run', scenario, '--json', '-']);
    assert.equal(whole.code, 0, whole.stderr);
    const unsharded = JSON.parse(whole.stdout) as Result;
    assert.equal(unsharded.shard, undefined);
    const { files, results } = runShards(scenario, 4);
    results.forEach((result, index) => {
      assert.deepEqual(result.shard, { index, count: 4 });
      assert.deepEqual(result.scenario, unsharded.scenario, 'shards record the unsharded scenario');
      assert.ok(result.runs[0].metrics.requests > 5_000 && result.runs[0].metrics.requests < 15_000);
    });
    const merged = cachebench(['merge', ...files, '--json', '-']);
    assert.equal(merged.code, 0, merged.stderr);
    assert.match(merged.stderr, /merged 4 shards of 4/);
    const m = JSON.parse(merged.stdout) as Result;
    const u = unsharded.runs[0];
    const got = m.runs[0];
    assert.deepEqual(m.merged, { count: 4, indexes: [0, 1, 2, 3], forced: false });
    for (const field of ['requests', 'reads', 'writes', 'deletes', 'errors', 'misses', 'hits'] as const) {
      assert.equal(got.metrics[field], u.metrics[field], field);
      assert.equal(got.baseline[field], u.baseline[field], `baseline ${field}`);
    }
    // With room for every key no eviction couples keys, so each shard's cache serves its keys exactly as
    // the whole cache did: hits, DB reads and the hit rate come out the same.
    assert.equal(got.metrics.cache?.evictions, 0);
    assert.equal(got.metrics.hit_rate, u.metrics.hit_rate);
    assert.equal(got.metrics.db.reads, u.metrics.db.reads);
    assert.equal(got.metrics.offload, u.metrics.offload);
    assert.equal(got.metrics.cache?.entries, u.metrics.cache?.entries);
    assert.deepEqual(
      got.thresholds.map((t) => [t.expr, t.pass]),
      [
        ['hit_rate >= 0.5', true],
        ['requests >= 40k', true],
      ],
    );
    // A shard alone fails the gate on requests: the gate belongs on the merged result.
    assert.equal(results[0].runs[0].thresholds[1].pass, false);
  });

  it('timed shards: requests sum exactly, and the merged histogram holds every request', () => {
    const scenario = writeScenario('timed.yaml', TIMED);
    const whole = JSON.parse(cachebench(['run', scenario, '--json', '-']).stdout) as Result;
    const { files, results } = runShards(scenario, 4);
    const merged = cachebench(['merge', ...files, '--json', '-']);
    assert.equal(merged.code, 0, merged.stderr);
    const m = (JSON.parse(merged.stdout) as Result).runs[0];
    const u = whole.runs[0];
    for (const field of ['requests', 'reads', 'writes'] as const) assert.equal(m.metrics[field], u.metrics[field], field);
    assert.equal(m.metrics.latency_ms?.count, u.metrics.requests);
    assert.equal(m.baseline.latency_ms?.count, u.baseline.requests);
    // The baseline has no cache to split: its DB reads are every read, shard or not.
    assert.equal(m.baseline.db.reads, u.baseline.db.reads);
    const sum = (read: (r: Result) => number) => results.reduce((total, r) => total + read(r), 0);
    assert.equal(m.metrics.hits, sum((r) => r.runs[0].metrics.hits));
    assert.equal(m.metrics.db.queries, sum((r) => r.runs[0].metrics.db.queries));
    assert.equal(m.metrics.hit_rate, m.metrics.hits / m.metrics.reads);
    assert.equal(
      m.timeseries.reduce((total, p) => total + p.requests_per_s * (m.timeseries_window_ms / 1000), 0),
      u.metrics.requests,
    );
    // The merged histogram is exactly the union: taking every shard's histogram away leaves every bucket empty.
    for (const field of ['latency_us', 'baseline_latency_us'] as const) {
      const union = decodeFromCompressedBase64(m.histograms[field], 64);
      for (const r of results) union.subtract(decodeFromCompressedBase64(r.runs[0].histograms[field], 64));
      assert.ok(union instanceof JsHistogram);
      for (let i = 0; i < union.countsArrayLength; i++) assert.equal(union.getCountAtIndex(i), 0, `${field} bucket ${i}`);
    }
  });
});

describe('machine shards and thread shards are salted apart', () => {
  it("a machine's keys still spread evenly over its worker threads", () => {
    const perThread = [0, 0];
    for (let key = 0; key < 200_000; key++) {
      if (shardOfKey(key, 2) !== 0) continue;
      perThread[shardOfKey(key, 2, THREAD_SALT)]++;
    }
    const total = perThread[0] + perThread[1];
    assert.ok(Math.abs(perThread[0] / total - 0.5) < 0.01, `${perThread}`);
  });
});
