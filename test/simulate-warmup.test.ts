import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../src/errors.js';
import { runScenario } from '../src/run/run-scenario.js';
import { parseScenarioText } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/scenario.js';
import { parseScenarioThresholds } from '../src/cli/scenario-thresholds.js';
import { AccessBatch, OP_GET } from '../src/workload/access-event.js';
import { createWorkload } from '../src/workload/create-workload.js';

// `workload.warmup` in simulate mode: the first part of the run is run (it fills the cache) but not
// measured, exactly as live mode's warm-up — in the run through the cache and in its baseline alike.

function loaded(yaml: string) {
  return parseScenarioText(yaml, 'warm.yaml', [], '/tmp');
}
const scenarioOf = (yaml: string): Scenario => loaded(yaml).runs[0].scenario;
const run = (yaml: string) => {
  const l = loaded(yaml);
  return runScenario(l.runs[0].scenario, { name: 'warm', params: {} }, parseScenarioThresholds(l));
};
function loadError(yaml: string): string {
  try {
    loaded(yaml);
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    return error.message;
  }
  assert.fail('expected an InputError');
}

/** Requests (and reads) of the workload whose arrival is at or after `fromMs`, counted from the stream itself. */
function requestsFrom(scenario: Scenario, fromMs: number): { requests: number; reads: number } {
  const stream = createWorkload(scenario.workload, scenario.seed);
  const batch = new AccessBatch(4096);
  let requests = 0;
  let reads = 0;
  for (let n = stream.next(batch); n > 0; n = stream.next(batch)) {
    for (let i = 0; i < n; i++) {
      if (batch.time[i] < fromMs) continue;
      requests++;
      if (batch.op[i] === OP_GET) reads++;
    }
  }
  stream.close();
  return { requests, reads };
}

const TIMED = `name: warm
seed: 5
workload:
  keys: 2k
  distribution: { type: zipf, alpha: 0.9 }
  requests: 20k
  rate: 1000/s
  mix: { get: 90%, set: 10% }
database:
  latency: { type: lognormal, p50: 4ms, p99: 30ms }
  max_concurrency: 20
cache: { policy: lru, capacity: 1k, ttl: 5m }
`;

describe('workload.warmup in simulate mode', () => {
  it('a duration: exactly the requests arriving after it are measured, with the cache and in the baseline', async () => {
    const yaml = TIMED.replace('rate: 1000/s', 'rate: 1000/s\n  warmup: 5s');
    const expected = requestsFrom(scenarioOf(yaml), 5_000);
    assert.ok(expected.requests > 14_000 && expected.requests < 16_000, `${expected.requests} requests after 5 s at 1000/s`);
    const result = await run(yaml);
    for (const m of [result.metrics, result.baseline]) {
      assert.equal(m.requests, expected.requests);
      assert.equal(m.reads, expected.reads);
      assert.equal(m.hits + m.misses, m.reads);
      assert.equal(m.latency_ms?.count, expected.requests, 'one latency per measured request');
    }
    assert.equal(result.baseline.db.reads, expected.reads, 'the baseline reads the database once per measured read');
    assert.ok(result.timeseries.filter((point) => point.t_ms < 5_000).every((point) => point.requests_per_s === 0), 'no warm-up request in the time series');
  });

  it('a request count: the first N requests are not measured', async () => {
    const result = await run(TIMED.replace('rate: 1000/s', 'rate: 1000/s\n  warmup: 2500'));
    assert.equal(result.metrics.requests, 17_500);
    assert.equal(result.baseline.requests, 17_500);
    assert.equal(result.metrics.latency_ms?.count, 17_500);
  });

  it('makes a DB peak gate writable: the cold start breaks db.qps_peak < 500/s, the warm cache does not', async () => {
    const gated = `${TIMED}thresholds:\n  - db.qps_peak < 500/s\n`;
    const cold = await run(gated);
    const warm = await run(gated.replace('rate: 1000/s', 'rate: 1000/s\n  warmup: 5s'));
    assert.equal(cold.thresholds[0].pass, false, `cold-start peak ${cold.metrics.db.qps_peak}/s`);
    assert.equal(warm.thresholds[0].pass, true, `warm peak ${warm.metrics.db.qps_peak}/s`);
    assert.ok(warm.baseline.db.qps_peak! > 500, 'the baseline (no cache) still queries for every read');
    assert.ok(warm.metrics.hit_rate! > cold.metrics.hit_rate!, `warm ${warm.metrics.hit_rate} vs cold ${cold.metrics.hit_rate}`);
  });

  it('an untimed replay: the measured hits are the whole run’s less those of its first N requests', async () => {
    const untimed = (requests: string, warmup: string) =>
      `seed: 9\nworkload: { keys: 5k, requests: ${requests}, mix: { get: 95%, set: 5% }${warmup} }\ncache: { policy: lru, capacity: 500 }\n`;
    const whole = await run(untimed('30k', ''));
    const head = await run(untimed('10k', ''));
    const warm = await run(untimed('30k', ', warmup: 10k'));
    assert.equal(warm.metrics.requests, 20_000);
    assert.equal(warm.metrics.hits, whole.metrics.hits - head.metrics.hits);
    assert.equal(warm.metrics.reads, whole.metrics.reads - head.metrics.reads);
    assert.equal(warm.metrics.db.queries, whole.metrics.db.queries - head.metrics.db.queries);
    assert.equal(warm.baseline.db.reads, warm.metrics.reads);
    assert.equal(warm.metrics.cache?.peak_entries, 500, 'the cache itself was filled by the warm-up');
  });

  it('is deterministic', async () => {
    const yaml = TIMED.replace('rate: 1000/s', 'rate: 1000/s\n  warmup: 3s');
    assert.deepEqual((await run(yaml)).metrics, (await run(yaml)).metrics);
  });

  it('reads a duration or a number of requests, and says what is wrong with the rest', () => {
    const warmupOf = (value: string) => scenarioOf(TIMED.replace('rate: 1000/s', `rate: 1000/s\n  warmup: ${value}`)).workload.warmup;
    assert.deepEqual(warmupOf('30s'), { kind: 'duration', ms: 30_000 });
    assert.deepEqual(warmupOf('5k'), { kind: 'requests', requests: 5_000 });
    assert.deepEqual(warmupOf('1000'), { kind: 'requests', requests: 1_000 });
    assert.equal(warmupOf('0'), undefined);
    assert.match(loadError(TIMED.replace('rate: 1000/s', 'rate: 1000/s\n  warmup: soon')), /workload\.warmup: must be a duration like 30s or 5m, or a number of requests like 10000 or 10k; got "soon"/);
    assert.match(loadError(TIMED.replace('rate: 1000/s', 'rate: 1000/s\n  warmup: 20k')), /workload\.warmup: must be fewer than workload\.requests \(20000\)/);
    assert.match(
      loadError('workload: { keys: 10, requests: 100, warmup: 1s }\ncache: { capacity: 5 }\n'),
      /workload\.warmup: is a duration, and requests without a rate all arrive at time 0: give a number of requests/,
    );
    assert.match(loadError('workload: { keys: 10, duration: 10s, rate: 5/s, warmup: 10s }\n'), /must be shorter than workload\.duration \(10 s\)/);
  });
});
