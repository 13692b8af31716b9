import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { analyzeTrace } from '../src/analysis/analyze-trace.js';
import { MiniatureSimulation } from '../src/analysis/miniature-simulation.js';
import { type CacheSize, PolicyReplay } from '../src/analysis/policy-replay.js';
import { traceAnalysisSource } from '../src/analysis/trace-source.js';
import { renderAnalysisReport } from '../src/report/analysis-report.js';
import { AccessBatch, OP_GET, OP_SET } from '../src/workload/access-event.js';
import { openTraceReader } from '../src/workload/trace/trace-reader.js';

const CLOUDPHYSICS = fileURLToPath(new URL('./fixtures/cloudphysics.csv', import.meta.url));
const POLICIES = ['lru', 'fifo', 's3fifo', 'arc', 'twoq', 'sieve'];

/** The trace in memory, as the batches a reader hands out. */
function batchesOf(file: string): AccessBatch[] {
  const reader = openTraceReader(file, 'auto');
  const batches: AccessBatch[] = [];
  for (;;) {
    const batch = new AccessBatch(8192);
    const n = reader.read(batch, batch.capacity);
    if (n === 0) break;
    batch.length = n;
    batches.push(batch);
  }
  reader.close();
  return batches;
}

const batches = batchesOf(CLOUDPHYSICS);
const distinctKeys = 48_974;
/** 10 log-spaced sizes from 1% of the distinct keys to all of them. */
const SIZES: CacheSize[] = Array.from({ length: 10 }, (_, i) => ({ value: Math.round(10 ** (Math.log10(distinctKeys / 100) + (i * 2) / 9)), unit: 'entries' }));

function exactHitRates(policies: string[], sizes: CacheSize[]): Map<string, number> {
  const replay = new PolicyReplay(policies, sizes, distinctKeys);
  for (const batch of batches) replay.observe(batch, batch.length);
  return new Map(replay.finish().map((p) => [`${p.policy}@${p.size}`, p.hit_rate]));
}

function miniatureCurves(policies: string[], sizes: CacheSize[], rate: number) {
  const mini = new MiniatureSimulation(policies, sizes, rate, distinctKeys);
  for (const batch of batches) mini.observe(batch, batch.length);
  return mini.finish();
}

describe('miniature simulation (Waldspurger et al., ATC 2017)', () => {
  it('is the exact replay when every key is sampled', () => {
    const exact = exactHitRates(POLICIES, SIZES);
    for (const curve of miniatureCurves(POLICIES, SIZES, 1)) {
      for (const point of curve.points) {
        assert.equal(point.sample_rate, 1);
        assert.equal(point.hit_rate, exact.get(`${curve.policy}@${point.size}`), `${curve.policy} at ${point.size}`);
      }
    }
  });

  it('approximates every policy within a mean absolute error of 0.01 on cloudphysics, sampling 10% of keys', () => {
    const exact = exactHitRates(POLICIES, SIZES);
    const curves = miniatureCurves(POLICIES, SIZES, 0.1);
    assert.deepEqual(
      curves.map((c) => c.policy),
      POLICIES,
    );
    for (const curve of curves) {
      assert.equal(curve.points.length, 10);
      const errors = curve.points.map((p) => Math.abs(p.hit_rate - exact.get(`${curve.policy}@${p.size}`)!));
      const mae = errors.reduce((sum, e) => sum + e, 0) / errors.length;
      assert.ok(mae <= 0.01, `${curve.policy}: mean absolute error ${mae.toFixed(4)} (errors ${errors.map((e) => e.toFixed(3)).join(' ')})`);
      // Caches really are scaled down (small ones less, to keep 100 entries).
      for (const point of curve.points) assert.ok(point.scaled_size < point.size && point.scaled_size >= 49, `${point.size} → ${point.scaled_size}`);
    }
  });

  it('draws each policy asked for beside the LRU curve in analyze --policies --sample-rate, marked approximate', () => {
    const analysis = analyzeTrace(traceAnalysisSource(CLOUDPHYSICS, 'auto'), {
      trace: { path: 'cloudphysics.csv', format: 'auto' },
      method: { kind: 'shards-fixed-rate', rate: 0.1 },
      sizes: [{ value: 1000, unit: 'entries' }],
      policies: ['s3fifo', 'arc'],
      belady: false,
      verdict: { targetHitRate: 0.8, dbLatencyMs: 5, cacheLatencyMs: 0.2 },
    });
    assert.deepEqual(
      analysis.approximate.map((c) => [c.policy, c.method, c.sample_rate]),
      [
        ['s3fifo', 'miniature-simulation', 0.1],
        ['arc', 'miniature-simulation', 0.1],
      ],
    );
    assert.equal(analysis.simulated.length, 0, 'no exact replays when sampling is asked for');
    const curve = analysis.approximate[0].points;
    // From where a miniature cache at 10% holds 100 entries (1,000 entries) to the distinct keys, 6 a decade.
    assert.ok(curve.length >= 10 && curve[0].size === 1000 && curve[curve.length - 1].size === 48_974, curve.map((p) => p.size).join(' '));
    for (let i = 1; i < curve.length; i++) assert.ok(curve[i].size > curve[i - 1].size);
    const report = renderAnalysisReport(analysis, { color: false, unicode: false });
    assert.match(report, /s3fifo ≈ .* arc ≈/);
    assert.match(report, /≈: approximate, by miniature simulation \(10\.0% of keys sampled, caches scaled down alike; a cache under 1,000 entries samples more keys, to keep 100\)/);
  });

  it('counts cold reads exactly, whichever keys the sample holds: reads after a write miss at every size', () => {
    // 20,000 keys, each read, written, then read twice: half the reads are cold (the first, and the one after
    // the write), the last read of each key hits at any size. The sample (1%) holds about 200 keys, not exactly.
    const keys = 20_000;
    const batch = new AccessBatch(4 * keys);
    for (let k = 0; k < keys; k++) {
      for (const [j, op] of [OP_GET, OP_SET, OP_GET, OP_GET].entries()) {
        batch.key[4 * k + j] = k;
        batch.op[4 * k + j] = op;
        batch.size[4 * k + j] = 100;
      }
    }
    batch.length = 4 * keys;
    const mini = new MiniatureSimulation(['lru', 'fifo'], [{ value: 10_000, unit: 'entries' }, { value: 1_000_000, unit: 'bytes' }], 0.01, keys);
    mini.observe(batch, batch.length);
    for (const curve of mini.finish()) {
      for (const point of curve.points) {
        assert.ok(point.sampled_reads !== 0.01 * 3 * keys, 'the sample is not exactly 1% of the reads (else the test proves nothing)');
        assert.ok(Math.abs(point.hit_rate - 1 / 3) < 1e-12, `${curve.policy} at ${point.size} ${point.unit}: ${point.hit_rate}`);
        assert.ok(Math.abs(point.byte_hit_rate - 1 / 3) < 1e-12, `${curve.policy} at ${point.size} ${point.unit}: ${point.byte_hit_rate}`);
      }
    }
  });
});
