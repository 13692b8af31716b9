import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AnalyzeOptions, analyzeTrace } from '../src/analysis/analyze-trace.js';
import type { TraceAnalysis } from '../src/analysis/trace-analysis.js';
import { serializeAnalysis } from '../src/report/analysis-json.js';
import { renderAnalysisReport } from '../src/report/analysis-report.js';
import { renderMissRatioChart } from '../src/report/miss-ratio-chart.js';
import { createWorkload } from '../src/workload/create-workload.js';
import { type ArrayTrace, arraySource, readCloudPhysics, streamSource } from './support/analysis-source.js';

const OPTIONS: AnalyzeOptions = {
  trace: { path: 'hand-built', format: 'csv' },
  method: { kind: 'exact' },
  sizes: null,
  policies: [],
  belady: true,
  verdict: { targetHitRate: 0.8, dbLatencyMs: 5, cacheLatencyMs: 0.2 },
};

function analyze(trace: ArrayTrace, options: Partial<AnalyzeOptions> = {}): TraceAnalysis {
  return analyzeTrace(arraySource(trace), { ...OPTIONS, ...options });
}

describe('trace characterisation on hand-built traces', () => {
  // a b c a b b, 10 ms apart
  const abc = analyze({ keys: [0, 1, 2, 0, 1, 1], times: [0, 10, 20, 30, 40, 50] });

  it('counts requests, keys, the op mix and one-hit wonders', () => {
    const s = abc.stats;
    assert.equal(s.requests, 6);
    assert.equal(s.distinct_keys, 3);
    assert.deepEqual(s.op_mix, { get: 1, set: 0, delete: 0 });
    assert.deepEqual(s.one_hit_wonders, { keys: 1, share_of_keys: 1 / 3, share_of_requests: 1 / 6 });
    assert.equal(s.duration_ms, 50);
    assert.equal(s.request_rate_per_s, 120);
  });

  it('reuse distance: distinct keys between a read and the previous access of its key', () => {
    // a: {b, c} = 2; b: {c, a} = 2; b: {} = 0
    const d = abc.stats.reuse_distance;
    assert.equal(d.reuses, 3);
    assert.deepEqual(d.percentiles, { p50: 2, p90: 2, p99: 2, max: 2 });
    assert.deepEqual(
      d.log2_buckets.map((b) => [b.from, b.to, b.count]),
      [
        [0, 0, 1],
        [1, 1, 0],
        [2, 3, 2],
      ],
    );
    // LRU hits: distance < size
    const hitsAt = (size: number) => abc.mrc.points.find((p) => p.size === size)?.hit_rate;
    assert.equal(hitsAt(1), 1 / 6);
    assert.equal(hitsAt(2), 1 / 6);
    assert.equal(hitsAt(3), 3 / 6);
    assert.equal(abc.mrc.max_hit_rate, 3 / 6);
  });

  it('reuse time in requests and in ms', () => {
    assert.deepEqual(abc.stats.reuse_time.requests.percentiles, { p50: 3, p90: 3, p99: 3, max: 3 });
    assert.equal(abc.stats.reuse_time.ms.percentiles.max, 30);
    // Percentiles are bin lower bounds: within 1/128 below the value.
    assert.ok(Math.abs((abc.stats.reuse_time.ms.percentiles.p50 ?? 0) - 30) <= 30 / 128);
    assert.equal(abc.stats.reuse_time.ms.samples, 3);
  });

  it('a write invalidates: the next read of the key is cold', () => {
    const a = analyze({ keys: [0, 0, 0, 0], ops: ['get', 'get', 'set', 'get'] });
    assert.equal(a.stats.reuse_distance.reuses, 1);
    assert.equal(a.mrc.max_hit_rate, 1 / 3);
  });

  it('writes overwritten before a read', () => {
    const a = analyze({ keys: [5, 5, 5, 5, 5, 6], ops: ['set', 'set', 'get', 'set', 'delete', 'get'] });
    assert.deepEqual(a.stats.writes, { keys_with_writes: 1, writes: 4, overwritten_before_read: 2, overwrite_share: 0.5 });
    assert.equal(a.stats.sets, 3);
    assert.equal(a.stats.deletes, 1);
  });

  it('object sizes per key and weighted by bytes', () => {
    // 9 keys of 100 bytes, 1 key of 10,000: most keys are small, most bytes are in the large one
    const keys = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const a = analyze({ keys, sizes: keys.map((k) => (k === 9 ? 10_000 : 100)) });
    const sizes = a.stats.object_sizes;
    assert.equal(sizes.has_sizes, true);
    assert.equal(sizes.footprint_bytes, 10_900);
    assert.ok(Math.abs((sizes.per_key.percentiles.p50 ?? 0) - 100) <= 1);
    assert.ok(Math.abs((sizes.bytes_weighted.p50 ?? 0) - 10_000) <= 10_000 / 128);
    assert.equal(sizes.per_key.mean, 1090);
  });

  it('working set: distinct keys per window and cumulative', () => {
    const keys = Array.from({ length: 300 }, (_, i) => i % 10);
    const ws = analyze({ keys }).stats.working_set;
    // 300 requests: the narrowest power-of-two width with at most 128 windows is 4
    assert.equal(ws.window_requests, 4);
    assert.equal(ws.windows.length, 75);
    assert.deepEqual(
      ws.windows.slice(0, 3).map((w) => [w.start_request, w.requests, w.distinct_keys, w.cumulative_distinct_keys]),
      [
        [0, 4, 4, 4],
        [4, 4, 4, 8],
        [8, 4, 4, 10],
      ],
    );
    assert.equal(ws.windows[74].cumulative_distinct_keys, 10);
    assert.equal(ws.windows[0].start_ms, 0);
    assert.equal(ws.windows[0].end_ms, 4);
  });

  it('working-set counts agree with a direct count at every window width', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => ((i * 7919) % 613) ^ (i >> 6));
    const ws = analyze({ keys }).stats.working_set;
    for (const w of ws.windows) {
      const direct = new Set(keys.slice(w.start_request, w.start_request + w.requests)).size;
      assert.equal(w.distinct_keys, direct, `window at ${w.start_request}`);
    }
  });
});

describe('popularity: fitted Zipf α', () => {
  for (const alpha of [0.8, 1.2]) {
    it(`recovers α = ${alpha} within ±0.05 from a generated Zipf trace`, () => {
      const make = () =>
        createWorkload(
          {
            kind: 'synthetic',
            keys: 100_000,
            distribution: { type: 'zipf', alpha },
            requests: 1_000_000,
            duration: null,
            arrival: { type: 'none' },
            mix: { get: 1, set: 0, delete: 0 },
            value_size: { type: 'fixed', size: 1 },
          },
          11,
        );
      const a = analyzeTrace(streamSource(make), { ...OPTIONS, belady: false, method: { kind: 'shards-fixed-rate', rate: 0.1 } });
      const zipf = a.stats.popularity.zipf;
      assert.ok(zipf !== null);
      assert.ok(Math.abs(zipf.alpha - alpha) <= 0.05, `α ${zipf.alpha}`);
      assert.ok(zipf.r_squared > 0.99);
    });
  }

  it('reports no fit when too few keys repeat', () => {
    assert.equal(analyze({ keys: [0, 1, 2, 3] }).stats.popularity.zipf, null);
  });
});

describe('verdict', () => {
  const finding = (a: TraceAnalysis, id: string) => a.verdict.findings.find((f) => f.id === id);

  it('all-unique keys: low reuse, and no cache reaches the target', () => {
    const a = analyze({ keys: Array.from({ length: 1000 }, (_, i) => i) });
    assert.equal(finding(a, 'low-reuse')?.applies, true);
    assert.match(finding(a, 'low-reuse')?.evidence ?? '', /100% of keys are requested once/);
    assert.equal(a.verdict.smallest_cache, null);
    assert.equal(a.verdict.max_hit_rate, 0);
    assert.match(a.verdict.summary, /out of reach even with an unbounded cache/);
    assert.equal(a.verdict.expected.mean_latency_ms, 5.2);
  });

  it('a write-heavy mix that changes faster than it is read', () => {
    const keys: number[] = [];
    const ops: string[] = [];
    for (let i = 0; i < 400; i++) {
      keys.push(i % 20, i % 20, i % 20);
      ops.push('set', 'set', 'get');
    }
    const a = analyze({ keys, ops });
    assert.equal(finding(a, 'write-heavy')?.applies, true);
    assert.match(finding(a, 'write-heavy')?.evidence ?? '', /67% of requests are writes/);
    assert.equal(finding(a, 'changes-faster-than-read')?.applies, true);
    assert.equal(a.stats.writes.overwrite_share, 0.5);
    assert.equal(finding(a, 'large-objects')?.applies, false);
  });

  it('large objects', () => {
    const a = analyze({ keys: [0, 1, 0, 1], sizes: [1 << 20, 1 << 20, 1 << 20, 1 << 20] });
    assert.equal(finding(a, 'large-objects')?.applies, true);
  });

  it('the smallest cache reaching the target, with expected latency and DB load', () => {
    // 10 keys in a loop, 1 ms apart: LRU hits nothing below 10 entries and everything but the first pass at 10
    const keys = Array.from({ length: 10_000 }, (_, i) => i % 10);
    const a = analyze({ keys, sizes: keys.map(() => 100) });
    const v = a.verdict;
    assert.equal(v.smallest_cache?.entries, 10);
    assert.equal(v.smallest_cache?.hit_rate, 0.999);
    // Byte distances are binned 0.8% wide: 10 × 100 bytes, within a bin.
    assert.ok(Math.abs((v.smallest_cache?.bytes ?? 0) - 1000) <= 1000 / 128, `bytes ${v.smallest_cache?.bytes}`);
    assert.ok(Math.abs(v.expected.mean_latency_ms - (0.2 + 0.001 * 5)) < 1e-12);
    const readRate = 10_000 / 9.999;
    assert.ok(Math.abs((v.expected.db_reads_per_s ?? 0) - 0.001 * readRate) < 1e-9);
    assert.equal(v.expected.db_reads_per_s_no_cache, a.stats.read_rate_per_s);
    assert.equal(finding(a, 'low-reuse')?.applies, false);
    assert.match(v.summary, /An LRU cache of 10 entries \(\d+ B\) reaches 99\.9% hits/);
  });
});

describe('analysis report', () => {
  const analysis = analyzeTrace(arraySource(readCloudPhysics()), { ...OPTIONS, sizes: [{ value: 1000, unit: 'entries' }] });

  it('the chart is plain ASCII without Unicode, and uses blocks with it', () => {
    const ascii = renderMissRatioChart(analysis.mrc, { color: false, unicode: false });
    assert.match(ascii, /^[\x20-\x7e\n→]*$/); // the axis caption's arrow aside, printable ASCII
    assert.match(ascii, /#/);
    assert.match(ascii, /100% \|/);
    const unicode = renderMissRatioChart(analysis.mrc, { color: false, unicode: true });
    assert.match(unicode, /█/);
    assert.match(unicode, /└─/);
  });

  it('has no colour codes without colour, and names the verdict', () => {
    const text = renderAnalysisReport(analysis, { color: false, unicode: false });
    assert.doesNotMatch(text, /\x1b\[/);
    assert.match(text, /miss-ratio curve \(exact LRU\)/);
    assert.match(text, /1k .* 16\.7% .* 23\.6% \(26,847\)/);
    assert.match(text, /mean read latency = h·cache \+ \(1−h\)·\(cache \+ db\)/);
    assert.match(renderAnalysisReport(analysis, { color: true, unicode: true }), /\x1b\[/);
  });

  it('the JSON has schema_version 1 and no NaN or Infinity', () => {
    const json = JSON.parse(serializeAnalysis(analysis));
    assert.equal(json.schema_version, 1);
    assert.equal(json.mrc.method, 'exact');
    assert.ok(json.mrc.points.length > 50);
    assert.ok(json.mrc.bytes.points.length > 10);
  });
});
