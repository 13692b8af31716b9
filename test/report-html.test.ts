import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AnalyzeOptions, analyzeTrace } from '../src/analysis/analyze-trace.js';
import { LatencyHistogram } from '../src/metrics/latency-histogram.js';
import { renderAnalysisReportHtml } from '../src/report/html/analysis-report.js';
import { loadChartLibrary } from '../src/report/html/chart-library.js';
import type { ChartSpec } from '../src/report/html/chart-spec.js';
import { escapeHtml, jsonForScriptTag } from '../src/report/html/html-text.js';
import { decodePercentileCurve } from '../src/report/html/latency-distribution-chart.js';
import { renderRunReportHtml } from '../src/report/html/run-report.js';
import type { Result, RunResult, TimeseriesPoint } from '../src/result/run-result.js';
import { arraySource, readCloudPhysics } from './support/analysis-source.js';
import { embeddedCharts, serverCounterTable } from './support/html-report.js';
import { withPatternFields } from './support/pattern-fields.js';
import { baselineMetrics, latency, liveRunResult, runMetrics, runResult } from './support/run-metrics.js';

const library = loadChartLibrary();
const HOSTILE = '</script><script>alert(1)</script><!--';

function page(runs: RunResult[], scenario: unknown = { name: 'product-prices' }): string {
  const result: Result = { schema_version: 1, scenario, runs };
  return renderRunReportHtml(result, library);
}


function chart(html: string, id: string): ChartSpec {
  const found = embeddedCharts(html).find((spec) => spec.id === id);
  assert.ok(found, `chart ${id}`);
  return found;
}

function seriesLabels(spec: ChartSpec): string[] {
  return spec.series.map((s) => s.label);
}

function points(n: number): TimeseriesPoint[] {
  return Array.from({ length: n }, (_, i) => ({
    t_ms: i * 1000,
    requests_per_s: 500,
    hit_rate: 0.5 + i / (4 * n),
    db_qps: 250 - i,
    p99_ms: 20 + (i % 5),
    stale_rate: i % 3 === 0 ? 0.01 : 0,
  }));
}

function encoded(values: number[]): string {
  const histogram = new LatencyHistogram();
  for (const ms of values) histogram.recordMs(ms);
  return histogram.encode();
}

/** A timed run: time series, percentiles and histograms on both sides. */
function timedRun(overrides: Partial<RunResult> = {}): RunResult {
  return runResult({
    timeseries: points(30),
    histograms: {
      latency_us: encoded(Array.from({ length: 1000 }, (_, i) => 0.3 + (i % 100) / 10)),
      baseline_latency_us: encoded(Array.from({ length: 1000 }, (_, i) => 4 + (i % 100) / 2)),
    },
    thresholds: [
      { expr: 'hit_rate >= 0.8', actual: 0.912, pass: true },
      { expr: 'latency.p99 < 2ms', actual: 2.1, pass: false },
    ],
    ...overrides,
  });
}

describe('HTML text escaping', () => {
  it('escapes the five HTML-special characters', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('JSON for a script tag has no <, > or & and parses back to the same value, keys included', () => {
    const value = { [HOSTILE]: [HOSTILE, 'a & b', '\u2028'], n: Number.POSITIVE_INFINITY, ok: 1.5 };
    const json = jsonForScriptTag(value);
    assert.doesNotMatch(json, /[<>&\u2028]/);
    assert.deepEqual(JSON.parse(json), { [HOSTILE]: [HOSTILE, 'a & b', '\u2028'], n: null, ok: 1.5 });
  });
});

describe('renderRunReportHtml', () => {
  it('is one self-contained page: uPlot and the styles inline, nothing fetched', () => {
    const html = page([timedRun()]);
    assert.ok(html.startsWith('<!DOCTYPE html>'));
    assert.ok(html.includes(library.script), 'uPlot inlined');
    assert.ok(html.includes(library.css), "uPlot's styles inlined");
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!github\.com\/leeoniya)/);
  });

  it('a name, a matrix key or a threshold containing </script> cannot break the page', () => {
    const run = timedRun({
      name: HOSTILE,
      params: { [HOSTILE]: HOSTILE, 'cache.policy': 'lru' },
      thresholds: [{ expr: `hit_rate >= 0.5 ${HOSTILE}`, actual: 0.9, pass: true }],
    });
    const html = page([run, { ...run, params: { 'cache.policy': HOSTILE } }], { name: HOSTILE });
    // Exactly the page's own three scripts (data, uPlot, drawing) open and close.
    assert.equal(html.match(/<script/gi)?.length, 3);
    assert.equal(html.match(/<\/script/gi)?.length, 3);
    assert.equal(html.match(/<!--/g), null);
    assert.match(html, /<title>cachebench: &lt;\/script&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;&lt;!--<\/title>/);
    assert.match(html, /<h2>&lt;\/script&gt;/);
    // The data still carries the names as they are, for the charts' labels.
    const bars = chart(html, 'matrix-hit-rate');
    assert.deepEqual(bars.x.categories, [`${HOSTILE} · lru`, HOSTILE]);
  });

  it('one run: summary cards, thresholds, the verdict and every chart of a timed run', () => {
    const html = page([timedRun()]);
    for (const label of ['hit rate', 'latency p99', 'DB offload', 'stale rate', 'thresholds']) {
      assert.match(html, new RegExp(`<div class="label">${label}</div>`), label);
    }
    assert.match(html, /<div class="card fail"><div class="label">thresholds<\/div><div class="value">fail<\/div><div class="detail">1 of 2 failed/);
    assert.match(html, /<div class="value">91\.2%<\/div>/);
    assert.match(html, /<code>latency\.p99 &lt; 2ms<\/code><\/td><td>2\.1 ms<\/td><td class="status-fail">/);
    assert.match(html, /the cache cuts DB reads by 91%/);
    assert.deepEqual(
      embeddedCharts(html).map((spec) => spec.id),
      ['run-0-hit-rate', 'run-0-p99', 'run-0-db', 'run-0-staleness', 'run-0-traffic', 'run-0-latency-percentiles', 'run-0-latency-distribution'],
    );
    for (const spec of embeddedCharts(html)) assert.match(html, new RegExp(`id="${spec.id}"`), `an element for ${spec.id}`);
    assert.doesNotMatch(html, /id="matrix"/);
  });

  it('without the optional fields: no tier series, in-flight axis, errors, fault shading or their cards', () => {
    const html = page([timedRun()]);
    assert.deepEqual(seriesLabels(chart(html, 'run-0-hit-rate')), ['hit rate']);
    const db = chart(html, 'run-0-db');
    assert.equal(db.y2, undefined);
    assert.deepEqual(seriesLabels(db), ['queries/s', 'no cache (mean)']);
    assert.deepEqual(seriesLabels(chart(html, 'run-0-traffic')), ['requests/s']);
    for (const spec of embeddedCharts(html)) assert.deepEqual(spec.shaded ?? [], [], spec.id);
    for (const card of ['L1 hit rate', 'L2 hit rate', 'invalidation messages', 'lost writes', 'errors']) {
      assert.doesNotMatch(html, new RegExp(`<div class="label">${card}</div>`), card);
    }
    assert.doesNotMatch(html, /<h3>Fault windows<\/h3>/);
  });

  it('with the optional fields: per-tier hit rates, DB in flight, errors/s, shaded faults and their cards', () => {
    const run = withPatternFields(timedRun());
    const html = page([run]);
    const hitRate = chart(html, 'run-0-hit-rate');
    assert.equal(hitRate.title, 'Hit rate over time, per tier');
    assert.deepEqual(seriesLabels(hitRate), ['any tier', 'L1 (per node)', 'L2 (shared)']);
    assert.deepEqual(hitRate.series[1].values.slice(0, 2), [0.3, Number((0.5 + 1 / 120) * 0.6).toPrecision(4)].map(Number));
    const db = chart(html, 'run-0-db');
    assert.equal(db.title, 'Database queries/s and in-flight');
    assert.equal(db.y2?.unit, 'count');
    assert.deepEqual(db.series.find((s) => s.axis === 'right')?.values.slice(0, 3), [2, 3, 4]);
    const traffic = chart(html, 'run-0-traffic');
    assert.deepEqual(seriesLabels(traffic), ['requests/s', 'errors/s']);
    // Every time chart shades both fault windows, in seconds of the run's clock.
    const expected = [
      { from: 6, to: 9, label: 'cache-down', detail: 'L2 unreachable' },
      { from: 18, to: 21, label: 'db-slow', detail: 'db latency × 5' },
    ];
    for (const id of ['run-0-hit-rate', 'run-0-p99', 'run-0-db', 'run-0-staleness', 'run-0-traffic']) {
      assert.deepEqual(chart(html, id).shaded, expected, id);
    }
    assert.deepEqual(chart(html, 'run-0-latency-distribution').shaded, undefined);
    assert.match(html, /<div class="label">L1 hit rate<\/div><div class="value">40\.0%<\/div>/);
    assert.match(html, /<div class="label">L2 hit rate<\/div><div class="value">50\.0%<\/div>/);
    assert.match(html, /<div class="card fail"><div class="label">invalidation messages<\/div><div class="value">900<\/div><div class="detail">sent; 880 received, 20 lost/);
    assert.match(html, /<div class="card fail"><div class="label">lost writes<\/div><div class="value">7<\/div>/);
    assert.match(html, /<h3>Fault windows<\/h3>[\s\S]*<td>cache-down<\/td><td>6\.0 s<\/td><td>9\.0 s<\/td><td>L2 unreachable<\/td>/);
  });

  it('a run without timing: hit rate and traffic over time only, and a note saying why', () => {
    const untimedMetrics = {
      ...runMetrics(),
      latency_ms: null,
      latency_by_kind_ms: { reads: null, writes: null, hits: null, misses: null },
      db: { ...runMetrics().db, qps_mean: null, qps_peak: null },
      staleness: { ...runMetrics().staleness, stale_reads: 0, stale_rate: 0 },
    };
    const run = runResult({
      metrics: untimedMetrics,
      baseline: { ...baselineMetrics(), latency_ms: null },
      timeseries: points(10).map((p) => ({ ...p, p99_ms: null, db_qps: 0, stale_rate: 0 })),
    });
    const html = page([run]);
    assert.deepEqual(
      embeddedCharts(html).map((spec) => spec.id),
      ['run-0-hit-rate', 'run-0-traffic'],
    );
    assert.match(html, /replayed hit ratios without timing/);
    assert.match(html, /not timed \(hit-ratio replay\)/);
  });

  it('a matrix over policies: a row per run, and a bar chart per metric that differs between the runs', () => {
    const runs = [0.5, 0.7, 0.9].map((hitRate, i) =>
      timedRun({
        name: `policy=${['lru', 'fifo', 'sieve'][i]}`,
        params: { 'cache.policy': ['lru', 'fifo', 'sieve'][i] },
        metrics: runMetrics({ hit_rate: hitRate, latency_ms: latency({ p99: 10 - i }), db: { ...runMetrics().db, reads: 1000 * (3 - i) } }),
        baseline: { ...baselineMetrics(), latency_ms: latency({ p99: 480 }) },
      }),
    );
    const html = page(runs);
    assert.match(html, /<h2>Matrix: 3 runs<\/h2>/);
    for (let i = 0; i < 3; i++) {
      assert.match(html, new RegExp(`<a href="#run-${i}">policy=${['lru', 'fifo', 'sieve'][i]}</a></td><td><code>cache.policy=`));
      assert.match(html, new RegExp(`<section id="run-${i}">`));
    }
    // Hit rate, p99 and DB reads differ; stale rate, errors and memory are the same in every run: a note says so.
    assert.deepEqual(
      embeddedCharts(html).map((spec) => spec.id).filter((id) => id.startsWith('matrix')),
      ['matrix-hit-rate', 'matrix-p99', 'matrix-db-reads'],
    );
    assert.match(html, /<p class="note">The same in every run: [^<]*stale rate 0\.3%[^<]*errors 0/);
    const hitRate = chart(html, 'matrix-hit-rate');
    assert.equal(hitRate.kind, 'bars');
    assert.deepEqual(hitRate.x.categories, ['lru', 'fifo', 'sieve']);
    assert.deepEqual(hitRate.series.map((s) => s.values), [[0.5, 0.7, 0.9]]);
    // The baseline's p99 (480 ms) would flatten bars of 8–10 ms: left off, and given in the caption.
    const p99 = chart(html, 'matrix-p99');
    assert.deepEqual(seriesLabels(p99), ['latency p99']);
    assert.match(p99.caption, /Without the cache \(not drawn, to keep the scale\): 480 ms/);
    // The baseline's DB reads (10,000) are within 10 times of the cache's: drawn beside them.
    const reads = chart(html, 'matrix-db-reads');
    assert.deepEqual(seriesLabels(reads), ['with cache', 'no cache']);
    assert.deepEqual(reads.series.map((s) => s.values), [[3000, 2000, 1000], [10_000, 10_000, 10_000]]);
    // The matrix charts come first, then each run's own.
    assert.equal(embeddedCharts(html).length, 3 + 3 * 7);
  });

  it('a matrix over capacity: a line per policy across the sizes, the no-cache baseline dashed', () => {
    const cell = (policy: string, capacity: string, hitRate: number) =>
      timedRun({
        name: `policy=${policy} capacity=${capacity}`,
        params: { 'cache.policy': policy, 'cache.capacity': capacity },
        metrics: runMetrics({ hit_rate: hitRate, db: { ...runMetrics().db, reads: Math.round(10_000 * (1 - hitRate)) } }),
      });
    const runs = [cell('lru', '1k', 0.2), cell('lru', '10k', 0.5), cell('lru', '100k', 0.8), cell('fifo', '1k', 0.1), cell('fifo', '100k', 0.7)];
    const html = page(runs);
    const hitRate = chart(html, 'matrix-hit-rate');
    assert.equal(hitRate.kind, 'lines');
    assert.equal(hitRate.title, 'Hit rate by capacity');
    assert.deepEqual(hitRate.x.values, [1000, 10_000, 100_000]);
    assert.deepEqual([hitRate.x.unit, hitRate.x.log, hitRate.x.min, hitRate.x.max], ['entries', true, 1000, 100_000]);
    assert.deepEqual(seriesLabels(hitRate), ['lru', 'fifo']);
    assert.deepEqual(hitRate.series.map((s) => s.values), [[0.2, 0.5, 0.8], [0.1, null, 0.7]]);
    assert.ok(hitRate.series.every((s) => s.markers && s.spanGaps));
    const reads = chart(html, 'matrix-db-reads');
    assert.deepEqual(seriesLabels(reads), ['lru', 'fifo', 'no cache']);
    assert.deepEqual(reads.series[2], { label: 'no cache', color: reads.series[2].color, style: 'dashed', values: [10_000, 10_000, 10_000] });
  });

  it('hit rates near 100% everywhere are charted as miss rates', () => {
    const runs = [0.99, 0.999].map((hitRate, i) => timedRun({ name: `r${i}`, params: { 'cache.stampede.protection': ['none', 'lock'][i] }, metrics: runMetrics({ hit_rate: hitRate }) }));
    const miss = chart(page(runs), 'matrix-miss-rate');
    assert.equal(miss.title, 'Miss rate per run');
    assert.deepEqual(miss.series[0].values, [0.01, 0.001]);
  });

  it('a matrix whose runs do not differ still charts the hit rate, and says what was the same', () => {
    const untimed = runMetrics({ latency_ms: null });
    const runs = [1, 2].map((i) => runResult({ name: `r${i}`, params: { 'cache.capacity': i }, metrics: untimed, baseline: { ...baselineMetrics(), latency_ms: null } }));
    const html = page(runs);
    const ids = embeddedCharts(html).map((spec) => spec.id);
    assert.deepEqual(ids.filter((id) => id.startsWith('matrix')), ['matrix-hit-rate']);
    assert.match(html, /The same in every run: hit rate 91\.2%, DB reads 880/);
  });
});

describe('charts of one run', () => {
  it('a run without timing charts its hit rate against requests, merging windows to about 200 points', () => {
    // A trace's clock bunches requests: 1,000 in one window, then windows of 1 request at 0% or 100%.
    const timeseries: TimeseriesPoint[] = [
      { t_ms: 0, requests_per_s: 1000, hit_rate: 0.5, db_qps: 0, p99_ms: null, stale_rate: 0 },
      ...Array.from({ length: 1000 }, (_, i) => ({ t_ms: (i + 1) * 1000, requests_per_s: 1, hit_rate: i % 2, db_qps: 0, p99_ms: null, stale_rate: 0 })),
    ];
    const run = runResult({ metrics: runMetrics({ latency_ms: null }), baseline: { ...baselineMetrics(), latency_ms: null }, timeseries });
    const hitRate = chart(page([run]), 'run-0-hit-rate');
    assert.equal(hitRate.title, 'Hit rate along the replay');
    assert.equal(hitRate.x.label, 'requests');
    // 2,000 requests, a point per 10: the burst is one point, then each point merges ten windows (half hits).
    assert.equal(hitRate.x.values[0], 1000);
    assert.equal(hitRate.x.values[1], 1010);
    assert.equal(hitRate.x.values.at(-1), 2000);
    assert.equal(hitRate.x.values.length, 101);
    assert.ok(hitRate.series[0].values.every((v) => v === 0.5), hitRate.series[0].values.join(' '));
    assert.equal(hitRate.shaded, undefined);
  });

  it('the percentile bars rise from a decade under the smallest, and in-flight queries stay faint', () => {
    const run = timedRun({ metrics: runMetrics({ latency_ms: latency({ p50: 0.11, mean: 0.5 }) }) });
    const html = page([run]);
    const percentiles = chart(html, 'run-0-latency-percentiles');
    assert.equal(percentiles.y.min, 0.01);
    const db = chart(html, 'run-0-db');
    assert.equal(db.series.find((s) => s.label === 'in flight (max)')?.faint, undefined, 'no in-flight column in these points');
    const withInflight = page([withPatternFields(timedRun())]);
    assert.equal(chart(withInflight, 'run-0-db').series.find((s) => s.label === 'in flight (max)')?.faint, true);
    // No request failed: no errors/s line or axis.
    assert.deepEqual(seriesLabels(chart(html, 'run-0-traffic')), ['requests/s']);
  });
});

describe('latency distribution from the HDR histograms', () => {
  it('decodes the percentile curve: from the minimum to the maximum, at every twentieth of a nine', () => {
    const curve = decodePercentileCurve(encoded(Array.from({ length: 1000 }, (_, i) => i + 1)));
    assert.ok(curve);
    assert.equal(curve.count, 1000);
    // 1,000 requests resolve three nines (99.9%): 61 points, 0 to 3.
    assert.equal(curve.nines.length, 61);
    assert.equal(curve.nines[20], 1);
    assert.equal(curve.nines[60], 3);
    // Within HDR's 3 significant digits: p0 = 1 ms, p90 = 900 ms, p99 = 990 ms, max = 1000 ms.
    const near = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) <= expected * 0.002, `${actual} ≈ ${expected}`);
    near(curve.ms[0], 1);
    near(curve.ms[20], 900);
    near(curve.ms[40], 990);
    near(curve.ms[60], 1000);
    assert.equal(decodePercentileCurve(''), null);
  });

  it('charts both sides against percentile, on log axes, and is left out without timing', () => {
    const html = page([timedRun()]);
    const spec = chart(html, 'run-0-latency-distribution');
    assert.equal(spec.x.unit, 'nines');
    assert.equal(spec.y.log, true);
    assert.deepEqual(seriesLabels(spec), ['with cache', 'no cache']);
    const [withCache, noCache] = spec.series.map((s) => s.values as number[]);
    assert.equal(withCache.length, spec.x.values.length);
    assert.ok(withCache.every((v, i) => i === 0 || v >= withCache[i - 1]), 'a percentile curve never falls');
    assert.ok(noCache[noCache.length - 1] > withCache[withCache.length - 1]);
    const untimed = page([runResult()]);
    assert.ok(!embeddedCharts(untimed).some((c) => c.id === 'run-0-latency-distribution'));
  });
});

describe('renderAnalysisReportHtml', () => {
  const options: AnalyzeOptions = {
    trace: { path: `traces/${HOSTILE}.csv`, format: 'csv' },
    method: { kind: 'exact' },
    sizes: [
      { value: 100, unit: 'entries' },
      { value: 1000, unit: 'entries' },
      { value: 1_048_576, unit: 'bytes' },
    ],
    policies: ['fifo'],
    belady: true,
    verdict: { targetHitRate: 0.8, dbLatencyMs: 5, cacheLatencyMs: 0.2 },
  };
  const analysis = analyzeTrace(arraySource(readCloudPhysics()), options);
  const html = renderAnalysisReportHtml(analysis, library);

  it('draws the miss-ratio curve with the replayed policies and Belady as points at their sizes', () => {
    const spec = chart(html, 'mrc-entries');
    assert.equal(spec.x.log, true);
    const xs = spec.x.values;
    assert.ok(xs.every((x, i) => x > 0 && (i === 0 || x > xs[i - 1])), 'sorted, distinct, positive sizes');
    assert.deepEqual(seriesLabels(spec), ['LRU (curve)', 'unbounded', 'fifo', 'Belady (optimal)']);
    for (const [label, policy] of [['fifo', 'fifo'], ['Belady (optimal)', 'belady']]) {
      const series = spec.series.find((s) => s.label === label)!;
      assert.equal(series.style, 'points');
      for (const size of [100, 1000]) {
        const simulated = analysis.simulated.find((p) => p.policy === policy && p.size === size && p.unit === 'entries')!;
        assert.equal(series.values[xs.indexOf(size)], Number(simulated.hit_rate.toPrecision(4)), `${label} at ${size}`);
      }
      assert.equal(series.values.filter((v) => v !== null).length, 2);
    }
  });

  it('adds the byte curve (the trace has sizes) and the working set', () => {
    assert.deepEqual(embeddedCharts(html).map((spec) => spec.id), ['mrc-entries', 'mrc-bytes', 'working-set']);
    assert.deepEqual(seriesLabels(chart(html, 'mrc-bytes')).slice(0, 2), ['hit rate', 'byte hit rate']);
  });

  it('shows the verdict, the findings, the sizes table, and escapes the trace path', () => {
    assert.match(html, /<p class="verdict">A hit rate of 80% is out of reach/);
    assert.match(html, /low reuse \/ personalised: 43% of keys are requested once/);
    assert.match(html, /<div class="label">best possible hit rate<\/div><div class="value">57\.0%<\/div>/);
    assert.match(html, /<th>size<\/th><th>LRU \(curve\)<\/th><th>fifo<\/th><th>belady<\/th>/);
    assert.match(html, /<td>1k<\/td><td>16\.7%<\/td>/);
    assert.equal(html.match(/<\/script/gi)?.length, 3);
    assert.match(html, /<h1>cachebench analyze: traces\/&lt;\/script&gt;/);
  });
});

describe('a partial result in the HTML report', () => {
  it('says so, with the reason, before any number, and on the run that stopped', () => {
    const run = { ...runResult(), partial: true as const, partial_reason: 'interrupted (SIGTERM) after 8,192 requests' };
    const html = renderRunReportHtml({ schema_version: 1, partial: true, partial_reason: 'interrupted (SIGTERM) after 8,192 requests', scenario: { name: 'x' }, runs: [run] }, loadChartLibrary());
    assert.match(html, /<p class="note partial">Partial result: interrupted \(SIGTERM\) after 8,192 requests<\/p>/);
    assert.match(html, /<p class="note">Partial run: interrupted \(SIGTERM\) after 8,192 requests; its numbers cover the requests until then\.<\/p>/);
    assert.ok(html.indexOf('Partial result') < html.indexOf('<section'), 'before the runs');
  });
});

describe("a live run's server counters in the HTML report", () => {
  it("sets Redis's INFO deltas and PostgreSQL's pg_stat_* deltas beside the client's counts, the live baseline's too", () => {
    const html = page([liveRunResult()]);
    assert.match(html, /<h3>The client's counts beside the servers'<\/h3>/);
    const redis = serverCounterTable(html, 'Redis redis://127.0.0.1:6390/0');
    assert.deepEqual(redis.head, ['counter', 'client', 'server']);
    assert.deepEqual(redis.rows.get('GET hits (keyspace_hits)'), ['9,120', '9,124']);
    assert.deepEqual(redis.rows.get('GET misses (keyspace_misses)'), ['880', '882']);
    assert.deepEqual(redis.rows.get('commands (total_commands_processed)'), ['10,000 GETs', '12,345']);
    assert.deepEqual(redis.rows.get('failed commands'), ['3', '–']);
    assert.deepEqual(redis.rows.get('evictions (evicted_keys)'), ['–', '77']);
    assert.deepEqual(redis.rows.get('expirations (expired_keys)'), ['–', '5']);
    assert.deepEqual(redis.rows.get('used memory after the run (change)'), ['–', '2 MB (+1 MB)']);

    const postgres = serverCounterTable(html, 'PostgreSQL postgres://app:***@127.0.0.1:5432/app');
    assert.deepEqual(postgres.head, ['counter', 'client', 'server', 'no cache: client', 'no cache: server']);
    assert.deepEqual(postgres.rows.get('read queries (pg_stat_statements calls)'), ['880', '878', '10,000', '10,001']);
    assert.deepEqual(postgres.rows.get('write queries'), ['500', '499', '500', '501']);
    assert.deepEqual(postgres.rows.get('failed queries'), ['2', '–', '0', '–']);
    assert.deepEqual(postgres.rows.get('transactions committed (xact_commit)'), ['–', '1,391', '–', '10,512']);
    assert.deepEqual(postgres.rows.get('transactions rolled back (xact_rollback)'), ['–', '4', '–', '0']);
    assert.deepEqual(postgres.rows.get('blocks hit in shared buffers (blks_hit)'), ['–', '3,990', '–', '30,000']);
    assert.deepEqual(postgres.rows.get('blocks read (blks_read)'), ['–', '10', '–', '0']);
    const section = html.slice(html.indexOf("<h3>The client's counts"), html.indexOf('</section>'));
    assert.doesNotMatch(section, /unavailable|unknown|not recorded/);
  });

  it('says a counter is unavailable, with the reason, instead of printing the 0 the result holds', () => {
    const live = liveRunResult();
    const db = live.database!;
    const html = page([
      liveRunResult({
        redis: {
          ...live.redis!,
          info_after: {},
          info_error: 'connect ECONNREFUSED 127.0.0.1:6390',
          delta: { keyspace_hits: 0, keyspace_misses: 0, evicted_keys: 0, expired_keys: 0, used_memory: 0, total_commands_processed: 0 },
        },
        database: { ...db, server: { database: db.server!.database, statements: null, statements_unavailable: 'pg_stat_statements must be loaded via shared_preload_libraries' } },
      }),
    ]);
    const redis = serverCounterTable(html, 'Redis redis://127.0.0.1:6390/0');
    for (const label of ['GET hits (keyspace_hits)', 'GET misses (keyspace_misses)', 'commands (total_commands_processed)']) {
      assert.equal(redis.rows.get(label)?.[1], 'unavailable', label);
    }
    assert.match(html, /<td class="unavailable">unavailable<\/td>/);
    assert.match(html, /<p class="note">Redis&#39;s counters are unavailable: INFO could not be read after the run: connect ECONNREFUSED 127\.0\.0\.1:6390\.<\/p>/);
    const postgres = serverCounterTable(html, 'PostgreSQL postgres://app:***@127.0.0.1:5432/app');
    assert.deepEqual(postgres.rows.get('read queries (pg_stat_statements calls)'), ['880', 'unavailable', '10,000', '10,001']);
    assert.deepEqual(postgres.rows.get('transactions committed (xact_commit)'), ['–', '1,391', '–', '10,512']);
    assert.match(html, /<p class="note">pg_stat_statements unavailable \(pg_stat_statements must be loaded via shared_preload_libraries\): the statement counts are unavailable/);
  });

  it('a run that is not live has no such section', () => {
    assert.doesNotMatch(page([timedRun()]), /server-counters|beside the servers/);
  });
});
