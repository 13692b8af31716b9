import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { run } from '../src/api/run.js';
import { POLICY_NAMES } from '../src/policies/registry.js';
import type { RunResult } from '../src/result/run-result.js';
import { SweepStopped } from '../src/run/run-stopped.js';
import { sweepGroups } from '../src/run/sweep-plan.js';
import { loadScenario } from '../src/scenario/load.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachebench-sweep-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * A canonical CSV trace with everything a cache's outcome depends on: skewed keys, sizes from 100 B to
 * 4 kB, 10% sets and 3% deletes, per-request TTLs on a fifth of the sets, timestamps over ~40 s (so the
 * time series has many windows and TTLs expire). Deterministic (an LCG), so the test is too.
 */
function writeTrace(name: string, requests: number): string {
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const lines = ['timestamp,key,op,size,ttl'];
  let t = 0;
  for (let i = 0; i < requests; i++) {
    t += Math.floor(next() * 8);
    const key = Math.floor(400 * next() ** 3);
    const r = next();
    const op = r < 0.87 ? 'get' : r < 0.97 ? 'set' : 'delete';
    const size = 100 + ((key * 37) % 40) * 100;
    const ttl = op === 'set' && next() < 0.2 ? 50 + Math.floor(next() * 3000) : 0;
    lines.push(`${t},k${key},${op},${size},${ttl}`);
  }
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const trace = writeTrace('mixed.csv', 12_000);

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

describe('one pass over a matrix of cache settings', () => {
  it('gives every policy, by entries and by bytes, the result it gets alone — with TTLs, sets and deletes', async () => {
    const scenario = {
      workload: { trace },
      cache: { policy: 'lru', capacity: 50, invalidation: 'delete' },
      matrix: { 'cache.policy': [...POLICY_NAMES], 'cache.capacity': [40, '48KB'], 'cache.ttl': ['none', '900ms'] },
    };
    const sweep = await run(scenario, { threads: 1 });
    assert.equal(sweep.runs.length, POLICY_NAMES.length * 4);
    // The trace is what it should be for the comparison to mean something.
    const m = sweep.runs[0].metrics;
    assert.ok(
      m.writes > 1000 && m.deletes > 200 && m.hits > 1000 && m.misses > 1000,
      JSON.stringify({ w: m.writes, d: m.deletes, h: m.hits }),
    );
    assert.ok(
      sweep.runs.some((r) => (r.metrics.cache?.expirations ?? 0) > 0),
      'some run expires entries',
    );
    assert.ok(sweep.runs[0].timeseries.length > 20);
    await assertSameAsAlone(scenario, sweep.runs);
  });

  it('matches the runs alone under every invalidation, stale reads included', async () => {
    const scenario = {
      workload: { trace },
      cache: { policy: 's3fifo', capacity: 60, ttl: '2s' },
      matrix: { 'cache.invalidation': ['delete', 'update', 'ttl-only'], 'cache.policy': ['lru', 'arc', 'sieve'] },
    };
    const sweep = await run(scenario, { threads: 1 });
    assert.ok(
      sweep.runs.some((r) => r.metrics.staleness.stale_reads > 0),
      'ttl-only serves stale reads',
    );
    await assertSameAsAlone(scenario, sweep.runs);
  });

  it('matches the runs alone with a warm-up, counted in requests or in time', async () => {
    for (const warmup of [3000, '10s']) {
      const scenario = {
        workload: { trace, warmup },
        cache: { policy: 'lru', capacity: 60, invalidation: 'ttl-only' },
        matrix: { 'cache.policy': ['lru', 's3fifo'], 'cache.capacity': [60, '32KB'] },
      };
      const sweep = await run(scenario, { threads: 1 });
      assert.ok(sweep.runs[0].metrics.requests < 12_000 && sweep.runs[0].metrics.requests > 5_000, `warm-up ${warmup}`);
      await assertSameAsAlone(scenario, sweep.runs);
    }
  });

  it('matches the runs alone for a generated workload (no clock) and for a run without a cache', async () => {
    const scenario = {
      seed: 7,
      workload: { keys: 2000, distribution: { type: 'zipf', alpha: 0.9 }, requests: 30_000, mix: { get: 0.9, set: 0.1 } },
      cache: { policy: 'lru', capacity: 100 },
      matrix: { 'cache.capacity': [100, 1000], 'cache.policy': ['lru', 'wtinylfu'] },
    };
    const sweep = await run(scenario, { threads: 1 });
    await assertSameAsAlone(scenario, sweep.runs);
  });

  it('gives the same results on 1, 2 and 3 threads', async () => {
    const scenario = {
      workload: { trace },
      cache: { policy: 'lru', capacity: 50 },
      matrix: { 'cache.policy': ['lru', 'fifo', 's3fifo', 'twoq', 'lirs'], 'cache.capacity': [30, '24KB'] },
    };
    const one = await run(scenario, { threads: 1 });
    for (const threads of [2, 3]) {
      const many = await run(scenario, { threads });
      assert.deepEqual(many, one, `${threads} threads`);
    }
  });
});

describe('a one-pass sweep stopped by its signal', () => {
  it('stops every run of the pass at the same request, each marked partial', async () => {
    for (const threads of [1, 2]) {
      const controller = new AbortController();
      const scenario = {
        seed: 3,
        workload: { keys: 100_000, distribution: { type: 'zipf', alpha: 0.9 }, requests: 500_000_000 },
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
        }
        // The same requests, so a bigger cache hits at least as often as LRU allows.
        assert.ok(error.results[2].metrics.hits >= error.results[0].metrics.hits);
        return true;
      });
    }
  });
});

describe('which runs share a pass', () => {
  function groupsOf(yaml: string): number[][] {
    const file = path.join(dir, 'plan.yaml');
    fs.writeFileSync(file, yaml);
    return sweepGroups(loadScenario(file, []).runs.map((r) => r.scenario));
  }
  const header = `workload:\n  trace: ${trace}\ncache:\n  policy: lru\n  capacity: 10\n`;

  it('groups runs that differ only in cache settings, keeping the matrix order inside a group', () => {
    assert.deepEqual(
      groupsOf(`${header}matrix:\n  cache.policy: [lru, fifo]\n  cache.capacity: [10, 20]\n  cache.ttl: [none, 1s]\n`),
      [[0, 1, 2, 3, 4, 5, 6, 7]],
    );
  });

  it('splits runs whose workload differs, even when they interleave', () => {
    assert.deepEqual(groupsOf(`${header}matrix:\n  cache.policy: [lru, fifo]\n  workload.requests: [100, 200]\n`), [
      [0, 2],
      [1, 3],
    ]);
  });

  it('groups timed runs too (test/timed-sweep.test.ts)', () => {
    const timed =
      'workload:\n  keys: 100\n  requests: 1000\n  rate: 100/s\ncache:\n  policy: lru\n  capacity: 10\nmatrix:\n  cache.policy: [lru, fifo]\n';
    assert.deepEqual(groupsOf(timed), [[0, 1]]);
  });
});
