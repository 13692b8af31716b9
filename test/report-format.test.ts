import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serializeResult } from '../src/report/json-result.js';
import {
  formatCount,
  formatDuration,
  formatPercent,
  formatPercentInProse,
  formatRate,
  MISSING,
} from '../src/report/number-format.js';
import type { Result } from '../src/result/run-result.js';
import { runMetrics, runResult } from './support/run-metrics.js';

describe('number formats', () => {
  const durations: Array<[ms: number | null, text: string]> = [
    [null, '–'],
    [0, '0 ms'],
    [0.0025, '2.5 µs'],
    [0.85, '850 µs'],
    [0.9996, '1.0 ms'],
    [2.1, '2.1 ms'],
    [2.14, '2.1 ms'],
    [9.96, '10 ms'],
    [48, '48 ms'],
    [999.6, '1.0 s'],
    [1_800, '1.8 s'],
    [45_000, '45 s'],
    [90_000, '1.5 min'],
  ];
  for (const [ms, text] of durations) {
    it(`duration ${ms} ms → ${text}`, () => assert.equal(formatDuration(ms), text));
  }

  const percents: Array<[ratio: number | null, table: string]> = [
    [null, '–'],
    [0, '0.0%'],
    [0.912, '91.2%'],
    [0.003, '0.3%'],
    [0.00072, '0.072%'],
    [0.0095, '0.95%'],
    [0.0004, '0.04%'],
    [1, '100.0%'],
    [-0.03, '-3.0%'],
  ];
  for (const [ratio, text] of percents) {
    it(`percent ${ratio} → ${text}`, () => assert.equal(formatPercent(ratio), text));
  }

  const prose: Array<[ratio: number, text: string]> = [
    [0.912, '91%'],
    [0.003, '0.3%'],
    [0.00072, '0.072%'],
    [0.0095, '0.95%'],
    [0.05, '5%'],
    [0.9996, '99.9%'],
    [0.996, '99.6%'],
    [1, '100%'],
    [0, '0%'],
    [-0.25, '-25%'],
  ];
  for (const [ratio, text] of prose) {
    it(`prose percent ${ratio} → ${text}`, () => assert.equal(formatPercentInProse(ratio), text));
  }

  it('formats counts with thousands separators', () => {
    assert.equal(formatCount(1_234_567), '1,234,567');
    assert.equal(formatCount(0), '0');
    assert.equal(formatCount(null), MISSING);
  });

  it('formats rates per second', () => {
    assert.equal(formatRate(4_981.4), '4,981/s');
    assert.equal(formatRate(12.46), '12.5/s');
    assert.equal(formatRate(null), MISSING);
  });

  it('prints non-finite numbers as missing', () => {
    assert.equal(formatDuration(Number.NaN), MISSING);
    assert.equal(formatPercent(Number.POSITIVE_INFINITY), MISSING);
  });
});

describe('serializeResult', () => {
  const result: Result = {
    schema_version: 1,
    scenario: { name: 'product-prices', seed: 42 },
    runs: [runResult({ metrics: runMetrics({ hit_rate: Number.NaN, byte_hit_rate: Number.POSITIVE_INFINITY }) })],
  };

  it('writes 2-space indented JSON with a trailing newline', () => {
    const text = serializeResult(result);
    assert.ok(text.endsWith('}\n'));
    assert.match(text, /^\{\n {2}"schema_version": 1,\n/);
  });

  it('writes non-finite numbers as null and round-trips everything else', () => {
    const parsed = JSON.parse(serializeResult(result));
    assert.equal(parsed.runs[0].metrics.hit_rate, null);
    assert.equal(parsed.runs[0].metrics.byte_hit_rate, null);
    assert.equal(parsed.runs[0].metrics.latency_ms.p99, 2.1);
    assert.deepEqual(parsed.scenario, { name: 'product-prices', seed: 42 });
    assert.doesNotMatch(serializeResult(result), /NaN|Infinity/);
  });
});
