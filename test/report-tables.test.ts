import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderMatrixTable } from '../src/report/matrix-table.js';
import { formatThresholdActual, renderThresholdTable } from '../src/report/threshold-table.js';
import type { ThresholdResult } from '../src/result/run-result.js';
import { latency, runMetrics, runResult } from './support/run-metrics.js';

const ANSI = /\x1b/;

describe('renderThresholdTable', () => {
  const results: ThresholdResult[] = [
    { expr: 'hit_rate >= 0.8', actual: 0.912, pass: true },
    { expr: 'latency.p99 < 1ms', actual: 2.1, pass: false },
    { expr: 'latency.hits.p99 < 1ms', actual: null, pass: false },
    { expr: 'db.qps_peak < 2k/s', actual: 1_234, pass: true },
    { expr: 'db.queries < 10k', actual: 1_380, pass: true },
    { expr: 'staleness.age.p99 <= 2s', actual: 1_800, pass: true },
  ];

  it('has no ANSI escape codes when colour is off', () => {
    assert.doesNotMatch(renderThresholdTable(results, { color: false }), ANSI);
  });

  it('colours the marks when colour is on', () => {
    assert.match(renderThresholdTable(results, { color: true }), ANSI);
  });

  it('marks each expression and shows its actual value in its unit', () => {
    const lines = renderThresholdTable(results, { color: false }).split('\n');
    const row = (expr: string) => lines.find((line) => line.includes(expr)) ?? '';
    assert.match(row('hit_rate >= 0.8'), /✓.*91\.2%/);
    assert.match(row('latency.p99 < 1ms'), /✗.*2\.1 ms/);
    assert.match(row('latency.hits.p99 < 1ms'), /✗.*no samples/);
    assert.match(row('db.qps_peak < 2k/s'), /✓.*1,234\/s/);
    assert.match(row('db.queries < 10k'), /✓.*1,380/);
    assert.match(row('staleness.age.p99 <= 2s'), /✓.*1\.8 s/);
  });

  it('ends with a tally', () => {
    const text = renderThresholdTable(results, { color: false });
    assert.match(text, /\n2 of 6 thresholds failed$/);
    assert.match(renderThresholdTable([results[0]], { color: false }), /\nall 1 threshold passed$/);
  });

  it('renders nothing without thresholds', () => {
    assert.equal(renderThresholdTable([], { color: false }), '');
  });

  it('shows a plain number for a metric it does not know', () => {
    assert.equal(formatThresholdActual('retired_metric < 5', 3.5), '3.5');
  });
});

describe('renderMatrixTable', () => {
  const runs = [
    runResult({
      name: 'lru-1k',
      params: { 'cache.policy': 'lru', 'cache.capacity': 1_000 },
      metrics: runMetrics({ hit_rate: 0.61, offload: 0.6, latency_ms: latency({ p99: 12.5 }) }),
      thresholds: [
        { expr: 'hit_rate >= 0.7', actual: 0.61, pass: false },
        { expr: 'errors == 0', actual: 0, pass: true },
      ],
    }),
    runResult({
      name: 'lru-10k',
      params: { 'cache.policy': 'lru', 'cache.capacity': 10_000 },
      metrics: runMetrics({ hit_rate: 0.912 }),
      thresholds: [
        { expr: 'hit_rate >= 0.7', actual: 0.912, pass: true },
        { expr: 'errors == 0', actual: 0, pass: true },
      ],
    }),
    runResult({
      name: 'fifo-10k',
      params: { 'cache.policy': 'fifo', 'cache.capacity': 10_000 },
      metrics: runMetrics({ hit_rate: 0.874, latency_ms: null }),
    }),
  ];

  it('has no ANSI escape codes when colour is off', () => {
    assert.doesNotMatch(renderMatrixTable(runs, { color: false }), ANSI);
  });

  it('has a row per run with its parameters and key metrics', () => {
    const lines = renderMatrixTable(runs, { color: false }).split('\n');
    const row = (name: string) => lines.find((line) => line.includes(` ${name} `)) ?? '';
    assert.match(row('lru-1k'), /cache\.policy=lru cache\.capacity=1000 .* 61\.0% .* 13 ms .* 880 .* 60\.0% .* 0\.3% .* 1\/2 ✗/);
    assert.match(row('lru-10k'), /91\.2% .* 2\.1 ms .* 2\/2 ✓/);
    assert.match(row('fifo-10k'), /87\.4% .* – .* – /);
  });

  it('highlights the best hit rate when colour is on', () => {
    const text = renderMatrixTable(runs, { color: true });
    const best = text.split('\n').find((line) => line.includes('lru-10k')) ?? '';
    const other = text.split('\n').find((line) => line.includes('fifo-10k')) ?? '';
    assert.match(best, /\x1b\[32m\x1b\[1m91\.2%/);
    assert.doesNotMatch(other, /\x1b\[32m\x1b\[1m87\.4%/);
  });

  it('highlights nothing for a single run', () => {
    assert.doesNotMatch(renderMatrixTable([runs[1]], { color: true }), /\x1b\[32m/);
  });

  it('omits the params column when no run has parameters', () => {
    const text = renderMatrixTable([runResult()], { color: false });
    assert.doesNotMatch(text, /params/);
  });
});
