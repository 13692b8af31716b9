import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matrixConclusions } from '../src/report/matrix-conclusions.js';
import { renderMatrixTable } from '../src/report/matrix-table.js';
import { formatThresholdActual, renderThresholdTable } from '../src/report/threshold-table.js';
import type { ThresholdResult } from '../src/result/run-result.js';
import { baselineMetrics, latency, runMetrics, runResult } from './support/run-metrics.js';

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
      name: 'policy=lru capacity=1000',
      params: { 'cache.policy': 'lru', 'cache.capacity': 1_000 },
      metrics: runMetrics({ hit_rate: 0.61, offload: 0.6, latency_ms: latency({ p99: 12.5 }) }),
      thresholds: [
        { expr: 'hit_rate >= 0.7', actual: 0.61, pass: false },
        { expr: 'errors == 0', actual: 0, pass: true },
      ],
    }),
    runResult({
      name: 'policy=lru capacity=10000',
      params: { 'cache.policy': 'lru', 'cache.capacity': 10_000 },
      metrics: runMetrics({ hit_rate: 0.912 }),
      thresholds: [
        { expr: 'hit_rate >= 0.7', actual: 0.912, pass: true },
        { expr: 'errors == 0', actual: 0, pass: true },
      ],
    }),
    runResult({
      name: 'policy=fifo capacity=10000',
      params: { 'cache.policy': 'fifo', 'cache.capacity': 10_000 },
      metrics: runMetrics({ hit_rate: 0.874, latency_ms: null }),
    }),
  ];
  const lines = (text: string) => text.split('\n');
  const rowsOf = (text: string) => lines(text).filter((line) => /^│/.test(line));

  it('has no ANSI escape codes when colour is off', () => {
    assert.doesNotMatch(renderMatrixTable(runs, { color: false }), ANSI);
  });

  it('shows the no-cache baseline once, first, then a row per run with only the varied parameters as columns', () => {
    const rows = rowsOf(renderMatrixTable(runs, { color: false }));
    assert.match(rows[0], /^│ policy\s+│ capacity\s+│ hit rate │\s+p99 │\s+DB qps │ DB peak │ stale rate │ peak bytes │ peak entries │ thresholds │$/);
    assert.match(rows[1], /^│ no cache │\s+│\s+– │\s+48 ms │ 5,000\/s │ 5,600\/s │\s+– │\s+– │\s+– │\s+– │$/);
    assert.match(rows[2], /^│ lru\s+│ 1000\s+│\s+61\.0% │\s+13 ms │\s+657\/s │ 1,234\/s │\s+0\.3% │\s+1 MB │\s+1,000 │ ✗ 1 failed │$/);
    assert.match(rows[3], /^│ lru\s+│ 10000\s+│\s+91\.2% │ 2\.1 ms │ .* │\s+✓ │$/);
    assert.match(rows[4], /^│ fifo\s+│ 10000\s+│\s+87\.4% │\s+– │ .* │\s+– │$/);
    assert.equal(rows.length, 5, 'the baseline is shown once');
    assert.doesNotMatch(rows.join('\n'), /params|cache\.policy=/, 'no run name repeated in a params column');
  });

  it('leaves out a parameter every run shares, and counts DB reads for untimed runs', () => {
    const untimed = (capacity: number, hitRate: number) =>
      runResult({ params: { 'cache.policy': 'lru', 'cache.capacity': capacity }, metrics: runMetrics({ hit_rate: hitRate, latency_ms: null, db: { ...runMetrics().db, qps_mean: null, qps_peak: null } }) });
    const text = renderMatrixTable([untimed(100, 0.3), untimed(200, 0.4)], { color: false });
    assert.match(rowsOf(text)[0], /^│ capacity │ hit rate │ DB reads │ stale rate │ peak bytes │ peak entries │$/);
    assert.doesNotMatch(text, /lru|p99|qps/);
  });

  it('shows one baseline row per workload when the matrix varies it, labelled with its value', () => {
    const sweep = [1_000, 2_000].flatMap((keys) =>
      [100, 200].map((capacity) =>
        runResult({ params: { 'workload.keys': keys, 'cache.capacity': capacity }, baseline: baselineMetrics({ requests: keys }) }),
      ),
    );
    const rows = rowsOf(renderMatrixTable(sweep, { color: false })).map((row) => row.split('│').slice(1, 3).map((cell) => cell.trim()));
    assert.deepEqual(rows, [['keys', 'capacity'], ['1000', 'no cache'], ['1000', '100'], ['1000', '200'], ['2000', 'no cache'], ['2000', '100'], ['2000', '200']]);
  });

  it('fits a one-axis capacity sweep with thresholds in 110 columns', () => {
    const sweep = ['16MB', '32MB', '512MB'].map((capacity) =>
      runResult({ params: { 'cache.capacity': capacity }, thresholds: [{ expr: 'db.qps_peak < 500/s', actual: 1459, pass: false }] }),
    );
    for (const line of lines(renderMatrixTable(sweep, { color: false }))) assert.ok(line.length <= 110, `${line.length} columns: ${line}`);
  });

  it('highlights the best hit rate when colour is on', () => {
    const text = renderMatrixTable(runs, { color: true });
    const best = lines(text).find((line) => line.includes('91.2%')) ?? '';
    const other = lines(text).find((line) => line.includes('87.4%')) ?? '';
    assert.match(best, /\x1b\[32m\x1b\[1m91\.2%/);
    assert.doesNotMatch(other, /\x1b\[32m\x1b\[1m87\.4%/);
  });

  it('highlights nothing for a single run', () => {
    assert.doesNotMatch(renderMatrixTable([runs[1]], { color: true }), /\x1b\[32m\x1b\[1m/);
  });

  it('names the runs when no parameter varies', () => {
    const text = renderMatrixTable([runResult({ name: 'a' }), runResult({ name: 'b' })], { color: false });
    assert.match(rowsOf(text)[0], /^│ run\s+│ hit rate/);
    assert.deepEqual(rowsOf(text).slice(1).map((row) => row.split('│')[1].trim()), ['no cache', 'a', 'b']);
  });
});

describe('matrixConclusions', () => {
  const sized = (capacity: unknown, hitRate: number, thresholds: ThresholdResult[] = [], params: Record<string, unknown> = {}) =>
    runResult({
      name: `capacity=${capacity}`,
      params: { ...params, 'cache.capacity': capacity },
      metrics: runMetrics({ hit_rate: hitRate, db: { ...runMetrics().db, qps_mean: 2000 * (1 - hitRate) } }),
      baseline: baselineMetrics({ db: { ...baselineMetrics().db, qps_mean: 2000 } }),
      thresholds,
    });
  const gate = (pass: boolean): ThresholdResult[] => [
    { expr: 'db.qps_peak < 500/s', actual: pass ? 400 : 812, pass },
    { expr: 'latency.p99 < 25ms', actual: 18, pass: true },
  ];

  it('says how many runs pass every threshold, and what failed in each failing run', () => {
    const c = matrixConclusions([sized('16MB', 0.5, gate(false)), sized('32MB', 0.7, gate(false)), sized('64MB', 0.8, gate(true))]);
    assert.equal(c.overall, '1 of 3 runs pass every threshold');
    assert.deepEqual(c.failures, ['✗ capacity=16MB: db.qps_peak < 500/s was 812/s', '✗ capacity=32MB: db.qps_peak < 500/s was 812/s']);
  });

  it('names the smallest capacity passing every threshold, with what it buys against the baseline and the memory it held', () => {
    const c = matrixConclusions([sized('256MB', 0.83, gate(true)), sized('64MB', 0.7, gate(false)), sized('128MB', 0.8, gate(true))]);
    assert.deepEqual(c.capacity, ['smallest capacity passing every threshold: 128MB — hit rate 80.0%, DB queries 2,000/s → 400/s, p99 48 ms → 2.1 ms, peak 1 MB in 1,000 entries']);
  });

  it('answers per group of the other varied parameters, and says when no size passes', () => {
    const runs = ['lru', 'fifo'].flatMap((policy) => [
      sized('1k', 0.4, gate(false), { 'cache.policy': policy }),
      sized('10k', 0.7, gate(policy === 'lru'), { 'cache.policy': policy }),
    ]);
    const c = matrixConclusions(runs);
    assert.equal(c.capacity.length, 2);
    assert.match(c.capacity[0], /^policy=lru: smallest capacity passing every threshold: 10k — /);
    assert.equal(c.capacity[1], 'policy=fifo: no capacity from 1k to 10k passes every threshold');
  });

  it('without thresholds, says where doubling the cache stops gaining a percentage point of hit rate', () => {
    const curve = [['1k', 0.5], ['2k', 0.6], ['4k', 0.65], ['8k', 0.655], ['16k', 0.658]] as const;
    const c = matrixConclusions(curve.map(([capacity, rate]) => sized(capacity, rate)));
    assert.equal(c.overall, null);
    assert.deepEqual(c.failures, []);
    assert.equal(c.capacity.length, 1);
    assert.match(c.capacity[0], /^hit rate flattens past capacity 4k \(65\.0%\): each doubling beyond it gains < 1 pp \(65\.8% at 16k\) — hit rate 65\.0%/);
  });

  it('measures the gain per doubling, not per step, and says when the curve still climbs', () => {
    // 1k → 16k is four doublings: +3 pp is 0.75 pp per doubling, flat.
    assert.match(matrixConclusions([sized('1k', 0.5), sized('16k', 0.53)]).capacity[0], /^hit rate flattens past capacity 1k /);
    assert.equal(
      matrixConclusions([sized('1k', 0.5), sized('2k', 0.52)]).capacity[0],
      'hit rate still climbs at the largest capacity: 1k → 2k gains 2 pp per doubling (50.0% → 52.0%)',
    );
  });

  it('draws no curve over sizes in entries and in bytes, nor without a varied capacity', () => {
    assert.deepEqual(matrixConclusions([sized('1k', 0.5), sized('64MB', 0.6)]).capacity, []);
    const policies = ['lru', 'fifo'].map((policy) => runResult({ params: { 'cache.policy': policy } }));
    assert.deepEqual(matrixConclusions(policies).capacity, []);
  });
});
