import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InputError } from '../src/errors.js';
import { replay } from '../src/run/replay.js';
import { replayInWorker, worthAWorker } from '../src/run/replay-in-worker.js';
import { runScenario } from '../src/run/run-scenario.js';
import type { Scenario } from '../src/scenario/scenario.js';

function timedScenario(requests: number): Scenario {
  return {
    name: 'timed',
    file: '<inline>',
    mode: 'simulate',
    seed: 11,
    workload: {
      kind: 'synthetic',
      keys: 50_000,
      distribution: { type: 'zipf', alpha: 0.9 },
      requests,
      duration: null,
      arrival: { type: 'poisson', rate: 5000 },
      mix: { get: 0.9, set: 0.1, delete: 0 },
      value_size: { type: 'fixed', size: 100 },
    },
    database: {
      latency: { type: 'lognormal', p50: 3, p99: 30 },
      write_latency: { type: 'constant', value: 4 },
      max_concurrency: 16,
      timeout: 200,
    },
    cache: {
      policy: 'lru',
      capacity: 5000,
      capacity_unit: 'entries',
      ttl: 60_000,
      latency: { type: 'constant', value: 0.2 },
      pattern: 'cache-aside',
      invalidation: 'delete',
    },
    max_staleness: 1000,
    timeseries_window: 1000,
    thresholds: [],
    matrix: null,
  };
}

describe('a run: the cache and its baseline', () => {
  it('replays the baseline on a worker thread with exactly the in-process numbers', async () => {
    const scenario = timedScenario(250_000);
    assert.ok(worthAWorker(scenario));
    const result = await runScenario(scenario, { name: 'timed', params: {} }, []);
    assert.deepEqual(result.baseline, replay(scenario, false).metrics);
    assert.deepEqual(result.metrics.hits, replay(scenario, true).metrics.hits);
    assert.ok(result.metrics.offload !== null && result.metrics.offload > 0.5);
  });

  it('small runs stay on one thread', () => {
    assert.equal(worthAWorker(timedScenario(10_000)), false);
  });

  it('a user error inside the worker comes back as the same InputError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cachebench-'));
    const trace = join(dir, 'broken.csv');
    writeFileSync(trace, 'timestamp,key,op,size\n0,a,get,10\n1,b,gett,10\n');
    const scenario: Scenario = {
      ...timedScenario(0),
      workload: { kind: 'trace', path: trace, path_as_written: 'broken.csv', format: 'auto', requests: null, duration: null, arrival: { type: 'trace', speed: 1 } },
    };
    await assert.rejects(replayInWorker(scenario, false), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /broken\.csv:3/);
      assert.match(error.message, /gett/);
      return true;
    });
  });
});
