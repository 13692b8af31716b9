import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, it } from 'node:test';
import type * as Cachebench from '../src/index.js';
import { repoRoot } from './support/cachebench-process.js';

// The programmatic API as a user gets it: `import … from 'cachebench'` resolved through package.json's
// `exports` to the compiled dist/ (which `npm test` builds first), from a project that depends on it.
let api: typeof Cachebench;
const project = mkdtempSync(join(tmpdir(), 'cachebench-api-'));

before(async () => {
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(repoRoot, join(project, 'node_modules', 'cachebench'), 'dir');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'sweep', type: 'module', dependencies: { cachebench: '*' } }));
  // A module of that project, importing the package by name: what a user's sweep script does.
  writeFileSync(join(project, 'sweep.js'), "export * from 'cachebench';\n");
  api = (await import(pathToFileURL(join(project, 'sweep.js')).href)) as typeof Cachebench;
});

const SCENARIO = {
  name: 'api',
  seed: 4,
  workload: { keys: '5k', distribution: { type: 'zipf', alpha: 1.0 }, requests: '30k', rate: '2000/s', mix: { get: '90%', set: '10%' } },
  database: { latency: '2ms' },
  cache: { policy: 'lru', capacity: 500, ttl: '1m' },
  thresholds: ['hit_rate >= 0.5'],
};

describe("import { run, analyze, merge } from 'cachebench'", () => {
  it('resolves the package through its exports map to dist/', () => {
    for (const name of ['run', 'analyze', 'merge'] as const) assert.equal(typeof api[name], 'function', name);
    assert.equal(typeof api.InputError, 'function');
  });

  it('run() sweeps capacities with --set overrides and resolves with the JSON result: hit rate grows with capacity', async () => {
    const hitRates: number[] = [];
    for (const capacity of ['100', '1k', '5k']) {
      const result = await api.run(SCENARIO, { set: [`cache.capacity=${capacity}`] });
      assert.equal(result.schema_version, 1);
      assert.equal(result.runs.length, 1);
      const run = result.runs[0];
      assert.equal(run.metrics.requests, 30_000);
      assert.equal(run.baseline.hit_rate, 0);
      assert.equal(run.thresholds[0].expr, 'hit_rate >= 0.5');
      hitRates.push(run.metrics.hit_rate!);
    }
    assert.ok(hitRates[0] < hitRates[1] && hitRates[1] < hitRates[2], `hit rates ${hitRates}`);
  });

  it('run() of a scenario file gives what `cachebench run --json` gives', async () => {
    const file = join(project, 'api.yaml');
    writeFileSync(file, JSON.stringify(SCENARIO)); // JSON is YAML
    const fromFile = await api.run(file);
    const fromObject = await api.run(SCENARIO);
    assert.deepEqual(fromFile.runs[0].metrics, fromObject.runs[0].metrics);
  });

  it('invalid input rejects with the typed InputError (exit 2 in the CLI), never exits the process', async () => {
    await assert.rejects(
      api.run({ ...SCENARIO, cache: { policy: 'lru', capacity: -5 } }),
      (error: unknown) => error instanceof api.InputError && /cache\.capacity: must be a positive count/.test(error.message) && error.exitCode === 2,
    );
    await assert.rejects(api.run(join(project, 'missing.yaml')), (error: unknown) => error instanceof api.InputError && /no such scenario file/.test(error.message));
    await assert.rejects(api.run(SCENARIO, { shard: '4/4' }), (error: unknown) => error instanceof api.InputError && /index must be 0 to 3/.test(error.message));
    await assert.rejects(api.analyze(join(project, 'missing.csv')), api.InputError);
  });

  it('run() shards and merge() combines them into the whole run’s counts', async () => {
    const whole = await api.run(SCENARIO);
    const shards = [];
    for (let index = 0; index < 3; index++) shards.push(await api.run(SCENARIO, { shard: { index, count: 3 } }));
    assert.deepEqual(
      shards.map((s) => s.shard),
      [0, 1, 2].map((index) => ({ index, count: 3 })),
    );
    const merged = await api.merge(shards);
    assert.equal(merged.runs[0].metrics.requests, whole.runs[0].metrics.requests);
    assert.equal(merged.runs[0].metrics.reads, whole.runs[0].metrics.reads);
    await assert.rejects(api.merge(shards.slice(1)), (error: unknown) => error instanceof api.InputError && /shard 0\/3 missing/.test(error.message));
  });

  it('run() reports progress through onProgress', async () => {
    const updates: { run: string; requests: number }[] = [];
    await api.run(SCENARIO, { onProgress: (update) => updates.push({ run: update.run, requests: update.requests }) });
    // At least the end of the replay through the cache is reported, with every request.
    assert.ok(updates.length >= 1);
    assert.deepEqual(updates.at(-1), { run: 'api', requests: 30_000 });
  });

  it('analyze() characterises a trace and returns the analysis `--json` writes', async () => {
    const analysis = await api.analyze(join(repoRoot, 'test', 'fixtures', 'cloudphysics.csv'), { sizes: [1000, '10k'], policies: ['fifo'], belady: false });
    assert.equal(analysis.schema_version, 1);
    assert.equal(analysis.stats.requests, 113_872);
    assert.deepEqual(
      analysis.mrc.at_sizes.map((s) => s.size),
      [1000, 10_000],
    );
    // LRU at 1,000 entries on this trace: libCacheSim's 19,049 hits (README, trace-replay.yaml).
    assert.ok(Math.abs(analysis.mrc.at_sizes[0].hit_rate - 19_049 / 113_872) < 1e-9);
    assert.ok(analysis.simulated.some((point) => point.policy === 'fifo'));
  });
});
