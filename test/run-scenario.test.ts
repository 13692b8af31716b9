import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InputError } from '../src/errors.js';
import { replay } from '../src/run/replay.js';
import { replayInWorker, worthAWorker } from '../src/run/replay-in-worker.js';
import { runScenario } from '../src/run/run-scenario.js';
import { RunStopped } from '../src/run/run-stopped.js';
import { ONE_TIER, ONE_NODE } from './support/scenario-defaults.js';
import type { Scenario } from '../src/scenario/scenario.js';
import type { RunMetrics } from '../src/result/run-result.js';

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
      parameters: {},
      latency: { type: 'constant', value: 0.2 },
      pattern: 'cache-aside',
      invalidation: 'delete',
      ...ONE_TIER,
    },
    max_staleness: 1000,
    ...ONE_NODE,
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

describe('cross-checks between the two replays', () => {
  it('with zero latencies the timed simulation counts exactly what the hit-ratio replay counts', async () => {
    const base = timedScenario(30_000);
    const zero = { type: 'constant', value: 0 } as const;
    const timed: Scenario = {
      ...base,
      database: { ...base.database, latency: zero, write_latency: zero, timeout: null, max_concurrency: Number.POSITIVE_INFINITY },
      cache: { ...base.cache!, latency: zero, ttl: null },
      workload: { ...(base.workload as Extract<Scenario['workload'], { kind: 'synthetic' }>), arrival: { type: 'constant', rate: 1000 } },
    };
    const untimed: Scenario = { ...timed, workload: { ...(timed.workload as Extract<Scenario['workload'], { kind: 'synthetic' }>), arrival: { type: 'none' } } };
    const a = (await runScenario(timed, { name: 't', params: {} }, [])).metrics;
    const b = (await runScenario(untimed, { name: 'u', params: {} }, [])).metrics;
    for (const field of ['requests', 'reads', 'writes', 'hits', 'misses'] as const) assert.equal(a[field], b[field], field);
    assert.equal(a.db.reads, b.db.reads);
    assert.equal(a.cache?.evictions, b.cache?.evictions);
    assert.equal(a.staleness.stale_reads, b.staleness.stale_reads);
  });

  it('the time series adds up to the run', async () => {
    const result = await runScenario(timedScenario(20_000), { name: 't', params: {} }, []);
    const seconds = 1; // window
    const requests = result.timeseries.reduce((sum, p) => sum + p.requests_per_s * seconds, 0);
    const dbQueries = result.timeseries.reduce((sum, p) => sum + p.db_qps * seconds, 0);
    assert.equal(requests, result.metrics.requests);
    assert.equal(dbQueries, result.metrics.db.queries);
    assert.ok(result.timeseries.every((p) => p.hit_rate === null || (p.hit_rate >= 0 && p.hit_rate <= 1)));
    assert.ok(result.metrics.db.qps_peak! >= Math.max(...result.timeseries.map((p) => p.db_qps)));
  });
});

describe('a long run keeps its time series bounded', () => {
  it('doubles the window width instead of keeping more than 10,000 windows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cachebench-'));
    const trace = join(dir, 'long.csv');
    // Four requests spread over 30,000 s (as a Unix-ms-stamped trace would be, after rebasing).
    writeFileSync(trace, 'timestamp,key,op,size\n1700000000000,a,get,1\n1700000000500,a,get,1\n1700015000000,b,get,1\n1700030000000,a,get,1\n');
    const scenario: Scenario = {
      ...timedScenario(0),
      workload: { kind: 'trace', path: trace, path_as_written: 'long.csv', format: 'auto', requests: null, duration: null, arrival: { type: 'none' } },
    };
    const result = await runScenario(scenario, { name: 'long', params: {} }, []);
    assert.equal(result.timeseries_window_ms, 4000);
    assert.ok(result.timeseries.length <= 10_000);
    assert.equal(result.timeseries[0].t_ms, 0);
    assert.equal(result.timeseries.reduce((sum, p) => sum + (p.requests_per_s * result.timeseries_window_ms) / 1000, 0), 4);
    assert.equal(result.metrics.hits, 1); // the second request; the last one finds its copy expired (TTL 60 s)
  });
});

describe('latency histograms in the result', () => {
  it('decode, with any HdrHistogram library, to the percentiles the summary reports', async () => {
    const { decodeFromCompressedBase64 } = await import('hdr-histogram-js');
    const result = await runScenario(timedScenario(20_000), { name: 't', params: {} }, []);
    for (const [encoded, summary] of [
      [result.histograms.latency_us, result.metrics.latency_ms!],
      [result.histograms.baseline_latency_us, result.baseline.latency_ms!],
    ] as const) {
      const hdr = decodeFromCompressedBase64(encoded);
      assert.equal(hdr.totalCount, summary.count);
      for (const [percentile, field] of [[50, 'p50'], [99, 'p99']] as const) {
        const decoded = hdr.getValueAtPercentile(percentile) / 1000;
        assert.ok(Math.abs(decoded - summary[field]!) <= summary[field]! * 0.002 + 0.001, `${field}: ${decoded} vs ${summary[field]}`);
      }
    }
  });
});

describe('a simulated run stopped by its signal (Ctrl-C)', () => {
  /** Runs `scenario` with a signal that aborts once the replay with the cache has taken `after` requests. */
  async function stoppedRun(scenario: Scenario, after: number): Promise<RunStopped> {
    const interrupt = new AbortController();
    let now = 0;
    // Every batch reports (the clock moves 1 s per look), so the abort comes at a known point of the replay.
    const progress = {
      now: () => (now += 1000),
      report: (update: { requests: number }) => {
        if (update.requests >= after) interrupt.abort('SIGINT');
      },
    };
    try {
      await runScenario(scenario, { name: 'stopped', params: {} }, [], { allowConfig: false, signal: interrupt.signal }, progress);
    } catch (error) {
      assert.ok(error instanceof RunStopped, String(error));
      return error;
    }
    assert.fail('the run was not stopped');
  }

  const untimed = (requests: number): Scenario => ({ ...timedScenario(requests), workload: { ...timedScenario(requests).workload, arrival: { type: 'none' } } });
  // Whether the baseline is replayed on a worker thread (untimed runs derive it: null).
  const cases: [string, Scenario, boolean | null][] = [
    ['timed, the baseline on a worker thread', timedScenario(2_000_000), true],
    ['timed, on one thread', timedScenario(150_000), false],
    ['untimed (hit ratio)', untimed(5_000_000), null],
  ];
  for (const [label, scenario, worker] of cases) {
    it(`${label}: stops early, marked partial, the baseline cut at the same request`, async () => {
      if (worker !== null) assert.equal(worthAWorker(scenario), worker);
      const total = scenario.workload.requests!;
      const stopped = await stoppedRun(scenario, 50_000);
      assert.equal(stopped.exitCode, 130);
      const result = stopped.result;
      assert.equal(result.partial, true);
      assert.match(result.partial_reason!, /^interrupted \(SIGINT\) after [\d,]+ requests$/);
      assert.deepEqual(Object.keys(result).slice(0, 4), ['name', 'params', 'partial', 'partial_reason']);
      const requests = result.metrics.requests;
      assert.ok(requests >= 50_000 && requests < total, `${requests} of ${total}`);
      assert.equal(result.baseline.requests, requests, 'the baseline covers the same requests');
      assert.equal(result.partial_reason, `interrupted (SIGINT) after ${requests.toLocaleString('en-US')} requests`);
      // The same requests as an uninterrupted run of that many: the stop cuts the stream, nothing else.
      const cut = { ...scenario, workload: { ...scenario.workload, requests } } as Scenario;
      const whole = await runScenario(cut, { name: 'cut', params: {} }, []);
      // (A workload long enough to be prefetched on a worker reports empty trace skips even when synthetic.)
      const withoutTrace = ({ trace: _, ...metrics }: RunMetrics) => metrics;
      assert.deepEqual(withoutTrace(result.metrics), withoutTrace(whole.metrics));
      assert.deepEqual(withoutTrace(result.baseline), withoutTrace(whole.baseline));
    });
  }
});
