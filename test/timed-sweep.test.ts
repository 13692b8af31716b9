import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { run } from '../src/api/run.js';
import type { RunResult } from '../src/result/run-result.js';
import type { ProgressUpdate } from '../src/run/run-progress.js';
import { SweepStopped } from '../src/run/run-stopped.js';
import { sweepGroups } from '../src/run/sweep-plan.js';
import { loadScenario } from '../src/scenario/load.js';

// Timed matrix runs that differ only in cache settings, replayed in one pass (run/timed-sweep-lanes.ts):
// every result, its no-cache baseline and its encoded histograms included, must be exactly the run's alone.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachebench-timed-sweep-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A trace with timestamps for `arrival: trace`: skewed keys, mixed sizes, sets, deletes and per-request TTLs (an LCG: deterministic). */
function writeTrace(name: string, requests: number): string {
  let state = 987;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const lines = ['timestamp,key,op,size,ttl'];
  let t = 0;
  for (let i = 0; i < requests; i++) {
    t += next() * 2;
    const key = Math.floor(300 * next() ** 3);
    const r = next();
    const op = r < 0.85 ? 'get' : r < 0.96 ? 'set' : 'delete';
    const ttl = op === 'set' && next() < 0.3 ? 20 + Math.floor(next() * 800) : 0;
    lines.push(`${t.toFixed(3)},k${key},${op},${100 + ((key * 53) % 30) * 100},${ttl}`);
  }
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** The parts of a run's result a replay decides (its name and params come from the matrix). */
function replayed(result: RunResult): unknown {
  const { name: _name, params: _params, ...rest } = result;
  return rest;
}

/** Each run of `sweep` compared with the same combination run alone (no matrix, its values --set). */
async function assertSameAsAlone(scenario: Record<string, unknown>, sweep: RunResult[]): Promise<void> {
  const { matrix: _matrix, ...single } = scenario;
  for (const each of sweep) {
    const set = Object.entries(each.params).map(([field, value]) => `${field}=${value === null ? 'none' : String(value)}`);
    const alone = await run(single, { set });
    assert.equal(alone.runs.length, 1);
    assert.deepEqual(replayed(each), replayed(alone.runs[0]), `${each.name}: the one-pass result differs from the run alone`);
  }
}

/** A generated timed workload with writes, deletes, per-tier TTLs and a small pool (queueing, herds). */
const generated = {
  seed: 11,
  workload: { keys: 3000, distribution: { type: 'zipf', alpha: 0.9 }, requests: 6000, rate: '3000/s', mix: { get: 0.85, set: 0.1, delete: 0.05 } },
  database: { latency: { type: 'lognormal', p50: '3ms', p99: '30ms' }, write_latency: { type: 'uniform', min: '2ms', max: '9ms' }, max_concurrency: 6 },
};

describe('one timed pass over a matrix of cache settings', () => {
  it('gives every policy × capacity × TTL the result it gets alone, baseline and histograms included', async () => {
    const scenario = {
      ...generated,
      cache: { policy: 'lru', capacity: 100, latency: '0.3ms' },
      matrix: { 'cache.policy': ['lru', 'fifo', 's3fifo', 'wtinylfu'], 'cache.capacity': [100, '200KB'], 'cache.ttl': ['none', '400ms'] },
    };
    const sweep = await run(scenario, { threads: 1 });
    assert.equal(sweep.runs.length, 16);
    // The workload is what it should be for the comparison to mean something.
    const m = sweep.runs[0].metrics;
    assert.ok(m.writes > 300 && m.deletes > 150 && m.hits > 1000 && m.misses > 1000, JSON.stringify({ w: m.writes, d: m.deletes, h: m.hits }));
    assert.ok(sweep.runs.some((r) => (r.metrics.cache?.expirations ?? 0) > 0), 'some run expires entries');
    assert.ok(sweep.runs.some((r) => r.metrics.staleness.stale_reads > 0), 'some run serves stale reads');
    assert.ok(sweep.runs[0].baseline.db.max_inflight === 6, 'the baseline fills the pool');
    assert.ok(new Set(sweep.runs.map((r) => r.metrics.hit_rate)).size > 8, 'the settings make a difference');
    await assertSameAsAlone(scenario, sweep.runs);
  });

  it('matches the runs alone over patterns, invalidation, stampede protection and nodes, with faults and a warm-up (2 threads)', async () => {
    const scenario = {
      ...generated,
      workload: { ...generated.workload, warmup: 1000 },
      faults: [
        { type: 'cache-down', at: '300ms', duration: '200ms' },
        { type: 'db-slow', at: '900ms', duration: '300ms', factor: 4 },
        { type: 'node-crash', at: '1.2s', node: 0, duration: '100ms' },
      ],
      cache: {
        policy: 'lru',
        capacity: 300,
        ttl: '1s',
        latency: '0.3ms',
        local: { policy: 'lru', capacity: 40, ttl: '300ms' },
        pattern: 'cache-aside',
        invalidation: 'pubsub',
        pubsub: { delay: { type: 'lognormal', p50: '1ms', p99: '8ms' }, loss: '5%' },
        stampede: { protection: 'none', ttl_jitter: '10%' },
      },
      matrix: {
        'cache.pattern': ['cache-aside', 'write-through', 'write-behind'],
        'cache.stampede.protection': ['none', 'coalesce', 'lock', 'xfetch'],
        'topology.nodes': [1, 3],
      },
    };
    const sweep = await run(scenario, { threads: 2 });
    assert.equal(sweep.runs.length, 24);
    assert.ok(sweep.runs.every((r) => r.metrics.requests === 5000), 'the warm-up is left out');
    assert.ok(sweep.runs.some((r) => (r.metrics.invalidation?.lost ?? 0) > 0), 'pub/sub loses messages');
    assert.ok(sweep.runs.some((r) => (r.metrics.write_behind?.lost_writes ?? 0) > 0), 'the crash loses write-behind writes');
    assert.ok(sweep.runs.some((r) => r.metrics.herd.duplicate_fetches > 0));
    await assertSameAsAlone(scenario, sweep.runs);
  });

  it('matches the runs alone for a trace replayed at its timestamps, and a run without a cache in the matrix', async () => {
    const scenario = {
      workload: { trace: writeTrace('timed.csv', 8000), arrival: 'trace' },
      database: { latency: { type: 'exponential', mean: '4ms' }, max_concurrency: 4 },
      cache: { policy: 'lru', capacity: 40, ttl: '500ms' },
      matrix: { cache: ['none', { policy: 'lru', capacity: 40, ttl: '500ms' }, { policy: 'sieve', capacity: '60KB' }] },
    };
    const sweep = await run(scenario, { threads: 1 });
    assert.equal(sweep.runs[0].metrics.cache, null, 'the first run has no cache');
    assert.deepEqual(sweep.runs[0].metrics, sweep.runs[0].baseline, 'a run without a cache is its own baseline');
    assert.deepEqual(sweep.runs[1].baseline, sweep.runs[0].baseline, 'one baseline for the pass');
    assert.ok(sweep.runs[1].metrics.offload !== null && sweep.runs[1].metrics.offload! > 0.2);
    for (const [i, each] of sweep.runs.entries()) {
      const alone = await run({ ...scenario, matrix: undefined, cache: scenario.matrix.cache[i] });
      assert.deepEqual(replayed(each), replayed(alone.runs[0]), `${each.name}: the one-pass result differs from the run alone`);
    }
  });

  it('gives the same results on 1, 2 and 3 threads', async () => {
    const scenario = {
      ...generated,
      cache: { policy: 'lru', capacity: 100, ttl: '500ms' },
      matrix: { 'cache.policy': ['lru', 'arc', 'lirs', 'clock'], 'cache.capacity': [50, 400] },
    };
    const one = await run(scenario, { threads: 1 });
    for (const threads of [2, 3]) assert.deepEqual(await run(scenario, { threads }), one, `${threads} threads`);
  });

  it('reports its progress as a run alone does, ending at the last request', async () => {
    const updates: (ProgressUpdate & { run: string })[] = [];
    const scenario = { ...generated, cache: { policy: 'lru', capacity: 100 }, matrix: { 'cache.capacity': [100, 1000] } };
    await run(scenario, { threads: 1, onProgress: (update) => updates.push(update) });
    assert.ok(updates.length > 0);
    const last = updates[updates.length - 1];
    assert.equal(last.requests, 6000);
    assert.ok(last.hitRate !== null && last.hitRate > 0, 'the hit rate of a run with a cache, not the baseline');
  });
});

describe('a timed one-pass sweep stopped by its signal', () => {
  it('stops every run and the shared baseline at the same request, each marked partial', async () => {
    for (const threads of [1, 2]) {
      const controller = new AbortController();
      const scenario = {
        seed: 3,
        workload: { keys: 100_000, distribution: { type: 'zipf', alpha: 0.9 }, requests: 500_000_000, rate: '20000/s' },
        cache: { policy: 'lru', capacity: 100 },
        matrix: { 'cache.capacity': [100, 1000, 10_000] },
      };
      setTimeout(() => controller.abort('SIGINT'), 400);
      await assert.rejects(run(scenario, { threads, signal: controller.signal }), (error: unknown) => {
        assert.ok(error instanceof SweepStopped, String(error));
        assert.equal(error.results.length, 3);
        const requests = error.results[0].metrics.requests;
        assert.ok(requests > 0 && requests < 500_000_000);
        for (const result of error.results) {
          assert.equal(result.partial, true);
          assert.equal(result.metrics.requests, requests, `${threads} threads: every run stops at the same request`);
          assert.equal(result.baseline.requests, requests, `${threads} threads: so does the baseline`);
        }
        assert.ok(error.results[2].metrics.hits >= error.results[0].metrics.hits);
        return true;
      });
    }
  });
});

describe('which timed runs share a pass', () => {
  function groupsOf(yaml: string): number[][] {
    const file = path.join(dir, 'plan.yaml');
    fs.writeFileSync(file, yaml);
    return sweepGroups(loadScenario(file, []).runs.map((r) => r.scenario));
  }
  const header = 'workload:\n  keys: 100\n  requests: 1000\n  rate: 100/s\ncache:\n  policy: lru\n  capacity: 10\n';

  it('groups timed runs that differ only in cache settings and nodes', () => {
    assert.deepEqual(groupsOf(`${header}matrix:\n  cache.policy: [lru, fifo]\n  cache.ttl: [none, 1s]\n  topology.nodes: [1, 2]\n`), [
      [0, 1, 2, 3, 4, 5, 6, 7],
    ]);
  });

  it('splits timed runs whose database or faults differ: their baselines differ', () => {
    assert.deepEqual(groupsOf(`${header}matrix:\n  cache.policy: [lru, fifo]\n  database.max_concurrency: [4, 8]\n`), [
      [0, 2],
      [1, 3],
    ]);
    const faults = `${header}matrix:\n  cache.policy: [lru, fifo]\n  faults: [[], [{ type: db-slow, at: 1s, duration: 1s, factor: 2 }]]\n`;
    assert.deepEqual(groupsOf(faults), [
      [0, 2],
      [1, 3],
    ]);
  });
});
