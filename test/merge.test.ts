import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { InputError } from '../src/errors.js';
import { HistogramUnion } from '../src/merge/histogram-union.js';
import { type MergeInput, mergeResults } from '../src/merge/merge-results.js';
import { mergeRedisViews } from '../src/merge/merge-redis-view.js';
import { mergeTimeseries } from '../src/merge/merge-timeseries.js';
import { LatencyHistogram } from '../src/metrics/latency-histogram.js';
import { RandomSource } from '../src/random/random-source.js';
import type { RedisView, Result, RunMetrics, RunResult } from '../src/result/run-result.js';
import { assertNoStack, cachebench } from './support/cachebench-process.js';
import { latency, runMetrics } from './support/run-metrics.js';

const work = mkdtempSync(join(tmpdir(), 'cachebench-merge-'));

/** Latencies (ms) spread over five decades, like a cache's hits and a database's misses and stalls. */
function samples(count: number, seed: number): number[] {
  const random = RandomSource.derive(seed, 'merge-test');
  return Array.from({ length: count }, () => {
    const u = random.nextFloat();
    return u < 0.7 ? 0.05 + random.nextFloat() * 0.5 : u < 0.99 ? 2 + random.nextFloat() * 40 : 100 + random.nextFloat() * 4000;
  });
}

function histogramOf(values: number[]): LatencyHistogram {
  const h = new LatencyHistogram(3);
  for (const v of values) h.recordMs(v);
  return h;
}

const SCENARIO = { name: 'prices', file: '/machine-a/prices.yaml', seed: 1, workload: { kind: 'synthetic', keys: 1000, path: undefined }, thresholds: ['hit_rate >= 0.8', 'latency.p99 < 1s'] };

/** One shard's result: its metrics scaled by `factor`, its own histogram of `values`. */
function shardResult(index: number, count: number, values: number[], metrics: Partial<RunMetrics> = {}, scenario: unknown = SCENARIO): Result {
  const h = histogramOf(values);
  const summary = { count: h.count, mean: h.meanMs(), p50: h.percentileMs(50), p90: h.percentileMs(90), p99: h.percentileMs(99), p999: h.percentileMs(99.9), max: h.maxMs() };
  const run: RunResult = {
    name: 'prices',
    params: {},
    metrics: runMetrics({ latency_ms: summary, ...metrics }),
    baseline: runMetrics({ latency_ms: summary, cache: null, hits: 0, hit_rate: 0, offload: null }),
    thresholds: [],
    histograms: { latency_us: h.encode(), baseline_latency_us: h.encode() },
    timeseries_window_ms: 1000,
    timeseries: [],
  };
  return { schema_version: 1, scenario, shard: { index, count }, runs: [run] };
}

function inputs(results: Result[]): MergeInput[] {
  return results.map((result, i) => ({ source: `shard-${i}.json`, result }));
}

describe('the union of encoded histograms', () => {
  it('percentiles equal those of one histogram that recorded every sample (so within HDR precision of the samples)', () => {
    const all = samples(40_000, 1);
    const parts = [0, 1, 2, 3].map((p) => all.filter((_, i) => i % 4 === p));
    const union = new HistogramUnion();
    for (const part of parts) union.add(histogramOf(part).encode());
    const one = histogramOf(all);
    assert.equal(union.count, all.length);
    const sorted = [...all].sort((a, b) => a - b);
    for (const p of [1, 50, 90, 99, 99.9, 99.99, 100]) {
      // The same buckets and the same rank rule: the very number the unsharded run would report…
      assert.equal(union.percentileMs(p, one.maxMs()), one.percentileMs(p), `p${p}`);
      // …which is the exact sample's value to within 0.1% (3 significant digits, µs).
      const exact = sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1];
      const merged = union.percentileMs(p, one.maxMs())!;
      assert.ok(Math.abs(merged - exact) <= exact * 0.001 + 0.001, `p${p}: ${merged} vs the sample ${exact}`);
    }
    // The re-encoding is the union itself: decoded, every bucket holds the sum of the parts' counts.
    const decoded = decodeFromCompressedBase64(union.encode(), 64);
    const reference = decodeFromCompressedBase64(one.encode(), 64);
    assert.equal(decoded.totalCount, reference.totalCount);
    for (const p of [10, 50, 75, 99, 99.9]) assert.equal(decoded.getValueAtPercentile(p), reference.getValueAtPercentile(p), `p${p}`);
    union.destroy();
  });

  it('uneven shards (one nearly empty, one empty) change nothing', () => {
    const all = samples(10_000, 2);
    const union = new HistogramUnion();
    union.add(histogramOf(all.slice(0, 3)).encode());
    union.add('');
    union.add(histogramOf(all.slice(3)).encode());
    const one = histogramOf(all);
    for (const p of [50, 99, 99.9]) assert.equal(union.percentileMs(p, one.maxMs()), one.percentileMs(p));
  });
});

describe('merging shard results', () => {
  it('sums every counter exactly and recomputes rates from the sums', () => {
    const a = shardResult(0, 2, samples(3000, 3), { requests: 1000, reads: 900, hits: 800, misses: 100, hit_rate: 800 / 900, duration_ms: 2000 });
    const b = shardResult(1, 2, samples(5000, 4), { requests: 3000, reads: 2000, hits: 1000, misses: 1000, hit_rate: 0.5, duration_ms: 2500 });
    const merged = mergeResults(inputs([a, b]));
    const m = merged.runs[0].metrics;
    const [ma, mb] = [a.runs[0].metrics, b.runs[0].metrics];
    assert.equal(m.requests, 4000);
    assert.equal(m.reads, 2900);
    assert.equal(m.hits, 1800);
    assert.equal(m.hit_rate, 1800 / 2900);
    assert.equal(m.db.queries, ma.db.queries + mb.db.queries);
    assert.equal(m.db.qps_mean, m.db.queries / 2.5, 'summed queries over the longest duration');
    assert.equal(m.db.qps_peak, ma.db.qps_peak! + mb.db.qps_peak!, 'the sum of peaks: an upper bound');
    assert.equal(m.staleness.stale_reads, ma.staleness.stale_reads + mb.staleness.stale_reads);
    assert.equal(m.staleness.stale_rate, m.staleness.stale_reads / m.reads);
    assert.equal(m.cache?.evictions, ma.cache!.evictions + mb.cache!.evictions);
    assert.equal(m.herd.max_concurrent_fetches_per_key, Math.max(ma.herd.max_concurrent_fetches_per_key, mb.herd.max_concurrent_fetches_per_key));
    assert.equal(m.latency_ms?.count, 8000);
    assert.equal(m.latency_ms?.max, Math.max(ma.latency_ms!.max!, mb.latency_ms!.max!));
    const exactMean = (ma.latency_ms!.mean! * 3000 + mb.latency_ms!.mean! * 5000) / 8000;
    assert.ok(Math.abs(m.latency_ms!.mean! - exactMean) < 1e-9);
    assert.equal(m.offload, 1 - m.db.reads / merged.runs[0].baseline.db.reads);
    assert.deepEqual(merged.merged, { count: 2, indexes: [0, 1], forced: false });
    assert.equal(merged.shard, undefined);
  });

  it('checks the scenario’s thresholds again on the merged metrics', () => {
    // Each shard alone passes hit_rate >= 0.8; together they do not.
    const a = shardResult(0, 2, samples(100, 5), { reads: 100, hits: 100, misses: 0, hit_rate: 1 });
    const b = shardResult(1, 2, samples(100, 6), { reads: 300, hits: 150, misses: 150, hit_rate: 0.5 });
    const run = mergeResults(inputs([a, b])).runs[0];
    assert.deepEqual(run.thresholds[0], { expr: 'hit_rate >= 0.8', actual: 250 / 400, pass: false });
    assert.equal(run.thresholds[1].pass, true);
  });

  it('allows each machine its own path to the scenario file and trace', () => {
    const elsewhere = { ...SCENARIO, file: '/machine-b/checkout/prices.yaml', workload: { ...SCENARIO.workload, path: '/b/trace.csv' } };
    assert.doesNotThrow(() => mergeResults(inputs([shardResult(0, 2, [1]), shardResult(1, 2, [1], {}, elsewhere)])));
  });

  const refusals: [string, () => Result[], RegExp][] = [
    [
      'a result that is not a shard',
      () => {
        const plain = shardResult(1, 2, [1]);
        delete plain.shard;
        return [shardResult(0, 2, [1]), plain];
      },
      /^shard-1\.json: not a shard result \(no "shard": it was run without --shard i\/N\)/m,
    ],
    [
      'a different scenario',
      () => [shardResult(0, 2, [1]), shardResult(1, 2, [1], {}, { ...SCENARIO, seed: 2 })],
      /^shard-1\.json: not a shard of the same scenario as shard-0\.json \(scenario\.seed: 2 instead of 1\)/m,
    ],
    [
      'other shard counts',
      () => [shardResult(0, 2, [1]), shardResult(1, 3, [1])],
      /^shard-1\.json: shard 1\/3, but shard-0\.json is shard 0\/2; the shards of one run share their count/m,
    ],
    ['a repeated shard', () => [shardResult(0, 2, [1]), shardResult(0, 2, [1])], /^shard-1\.json: shard 0\/2 again \(shard-0\.json is that shard too\)/m],
    ['a missing shard', () => [shardResult(0, 3, [1]), shardResult(2, 3, [1])], /^shard 1\/3 missing \(got 0\/3 from shard-0\.json, 2\/3 from shard-1\.json\)/m],
  ];
  for (const [what, make, message] of refusals) {
    it(`refuses ${what} (an InputError naming the file), unless forced`, () => {
      assert.throws(
        () => mergeResults(inputs(make())),
        (error: unknown) => error instanceof InputError && message.test(error.message) && /\(--force merges them anyway\)$/.test(error.message),
      );
      const forced = mergeResults(inputs(make()), { force: true });
      assert.equal(forced.merged?.forced, true);
      assert.equal(forced.runs[0].metrics.requests, make().reduce((sum, r) => sum + r.runs[0].metrics.requests, 0));
    });
  }

  it('never merges results of different runs, even forced', () => {
    const other = shardResult(1, 2, [1]);
    other.runs[0].name = 'policy=fifo';
    assert.throws(() => mergeResults(inputs([shardResult(0, 2, [1]), other]), { force: true }), /shard-1\.json: its runs \(policy=fifo\) are not those of shard-0\.json \(prices\)/);
  });

  it('a latency summary without a histogram (by kind) keeps exact counts, means and maxima, and bounds its percentiles', () => {
    const a = shardResult(0, 2, [1], { latency_by_kind_ms: { reads: latency({ count: 10, mean: 1, p99: 5, max: 9 }), writes: null, hits: null, misses: null } });
    const b = shardResult(1, 2, [1], { latency_by_kind_ms: { reads: latency({ count: 30, mean: 2, p99: 7, max: 8 }), writes: null, hits: null, misses: null } });
    const reads = mergeResults(inputs([a, b])).runs[0].metrics.latency_by_kind_ms.reads!;
    assert.equal(reads.count, 40);
    assert.equal(reads.mean, (10 * 1 + 30 * 2) / 40);
    assert.equal(reads.max, 9);
    assert.equal(reads.p99, 7);
  });
});

describe('merging time series', () => {
  const point = (t_ms: number, requests_per_s: number, hit_rate: number | null, db_qps: number, p99_ms: number | null) => ({
    t_ms,
    requests_per_s,
    hit_rate,
    db_qps,
    p99_ms,
    stale_rate: hit_rate === null ? null : 0,
  });

  it('sums rates window by window and weights hit rates by requests', () => {
    const merged = mergeTimeseries([
      { windowMs: 1000, points: [point(0, 100, 0.5, 50, 3), point(1000, 200, 1, 0, 2)] },
      { windowMs: 1000, points: [point(0, 300, 0.9, 30, 5)] },
    ]);
    assert.equal(merged.windowMs, 1000);
    assert.deepEqual(merged.points, [point(0, 400, (100 * 0.5 + 300 * 0.9) / 400, 80, 5), point(1000, 200, 1, 0, 2)]);
  });

  it('re-bins a shard whose long run doubled its window', () => {
    const merged = mergeTimeseries([
      { windowMs: 1000, points: [point(0, 10, null, 1, null), point(1000, 30, null, 3, null), point(2000, 50, null, 5, null)] },
      { windowMs: 2000, points: [point(0, 100, null, 10, null), point(2000, 100, null, 10, null)] },
    ]);
    assert.equal(merged.windowMs, 2000);
    assert.deepEqual(
      merged.points.map((p) => [p.t_ms, p.requests_per_s, p.db_qps]),
      [
        [0, 100 + 20, 10 + 2],
        [2000, 100 + 25, 10 + 2.5],
      ],
    );
  });
});

describe('merging Redis’s view of shards against one server', () => {
  const view = (prefix: string, before: number, after: number, hits: number, delta: number): RedisView => ({
    target: 'redis://127.0.0.1:7000',
    prefix,
    info_before: { keyspace_hits: before, keyspace_misses: before, total_commands_processed: before * 10 },
    info_after: { keyspace_hits: after, keyspace_misses: after, total_commands_processed: after * 10 },
    delta: { keyspace_hits: delta, keyspace_misses: delta, evicted_keys: 0, expired_keys: 0, used_memory: 0, total_commands_processed: delta * 10 },
    client: { gets: hits * 2, hits, misses: hits, errors: 0 },
    config_applied: null,
    keys_deleted: hits,
  });

  it('takes the INFO delta from the earliest shard’s start to the latest shard’s end, and sums the client counts', () => {
    // Overlapping shards: each server-wide delta holds the other's traffic, so they must not be summed.
    const merged = mergeRedisViews([view('p:shard-0-of-2:', 100, 180, 30, 80), view('p:shard-1-of-2:', 120, 200, 40, 80)]);
    assert.equal(merged.delta.keyspace_hits, 100);
    assert.equal(merged.delta.total_commands_processed, 1000);
    assert.deepEqual(merged.client, { gets: 140, hits: 70, misses: 70, errors: 0 });
    assert.equal(merged.keys_deleted, 70);
    assert.equal(merged.prefix, 'p:shard-0-of-2:, p:shard-1-of-2:');
    assert.equal(merged.delta_unknown, undefined);
  });

  it('shards that straddle a restart of the server (different run_ids) merge to unknown deltas, saying why', () => {
    const a = view('p:shard-0-of-2:', 100, 180, 30, 80);
    const b = view('p:shard-1-of-2:', 120, 200, 40, 80);
    a.info_before.run_id = 'r1';
    a.info_after.run_id = 'r1';
    b.info_before.run_id = 'r1';
    // b's end is after the restart: its counters started again from 0, and are the "latest" by none of them.
    b.info_after = { keyspace_hits: 5, keyspace_misses: 5, total_commands_processed: 50, run_id: 'r2' };
    const merged = mergeRedisViews([a, b]);
    assert.deepEqual(Object.values(merged.delta), [null, null, null, null, null, null]);
    assert.match(merged.delta_unknown ?? '', /Redis restarted/);
  });
});

describe('cachebench merge (the real binary)', () => {
  function writeResult(name: string, result: Result): string {
    const file = join(work, name);
    writeFileSync(file, JSON.stringify(result));
    return file;
  }

  it('exit 2 naming the file for a missing shard, a bad file or not JSON; --force merges anyway', () => {
    const a = writeResult('a.json', shardResult(0, 3, new Array(100).fill(1)));
    const b = writeResult('b.json', shardResult(1, 3, new Array(100).fill(2)));
    const missing = cachebench(['merge', a, b]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /shard 2\/3 missing \(got 0\/3 from .*a\.json, 1\/3 from .*b\.json\)/);
    assertNoStack(missing.stderr);
    const garbage = join(work, 'garbage.json');
    writeFileSync(garbage, '{ not json');
    const notJson = cachebench(['merge', a, garbage]);
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /garbage\.json: not JSON/);
    const absent = cachebench(['merge', a, join(work, 'absent.json')]);
    assert.equal(absent.code, 2);
    assert.match(absent.stderr, /absent\.json: no such file/);
    const forced = cachebench(['merge', a, b, '--force', '--json', join(work, 'forced.json')]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /merged 2 shards of 3 \(--force\)/);
    const written = JSON.parse(readFileSync(join(work, 'forced.json'), 'utf8')) as Result;
    assert.deepEqual(written.merged, { count: 3, indexes: [0, 1], forced: true });
    assert.equal(written.runs[0].metrics.latency_ms?.count, 200);
  });

  it('exit 1 when a threshold fails on the merged metrics', () => {
    const a = writeResult('t0.json', shardResult(0, 2, [1], { reads: 100, hits: 10, misses: 90, hit_rate: 0.1 }));
    const b = writeResult('t1.json', shardResult(1, 2, [1], { reads: 100, hits: 10, misses: 90, hit_rate: 0.1 }));
    const r = cachebench(['merge', a, b, '--json', '-']);
    assert.equal(r.code, 1, r.stderr);
    const result = JSON.parse(r.stdout) as Result;
    assert.equal(result.runs[0].thresholds[0].pass, false);
    assert.match(r.stderr, /✗/);
  });
});
