import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../src/errors.js';
import { METRIC_CATALOG, METRIC_NAMES } from '../src/thresholds/metric-catalog.js';
import { joinAlternatives, listMetricNames, suggestMetricNames } from '../src/thresholds/metric-name-suggestion.js';
import { compare, evaluateThresholds } from '../src/thresholds/threshold-evaluation.js';
import { parseThresholds, ThresholdError } from '../src/thresholds/threshold-parser.js';
import { parseScenarioThresholds } from '../src/cli/scenario-thresholds.js';
import { parseScenarioText } from '../src/scenario/load.js';
import { latency, runMetrics } from './support/run-metrics.js';

describe('metric catalogue', () => {
  it('covers every metric the brief names', () => {
    const expected = [
      'requests', 'reads', 'writes', 'errors', 'hits', 'misses', 'hit_rate', 'byte_hit_rate', 'offload',
      ...['mean', 'p50', 'p90', 'p99', 'p999', 'max'].flatMap((s) =>
        ['latency', 'latency.reads', 'latency.writes', 'latency.hits', 'latency.misses'].map((p) => `${p}.${s}`),
      ),
      'db.queries', 'db.reads', 'db.writes', 'db.qps_mean', 'db.qps_peak', 'db.max_inflight', 'db.timeouts',
      'db.queue_wait.mean', 'db.queue_wait.p50', 'db.queue_wait.p99', 'db.queue_wait.max',
      'herd.duplicate_fetches', 'herd.max_concurrent_fetches_per_key',
      'staleness.stale_reads', 'staleness.stale_rate', 'staleness.age.p50', 'staleness.age.p99',
      'staleness.age.max', 'staleness.budget_violations',
      'cache.evictions', 'cache.expirations', 'cache.peak_entries', 'cache.peak_bytes',
    ];
    for (const name of expected) assert.ok(METRIC_CATALOG.has(name), `missing ${name}`);
  });

  it('reads each metric from its RunMetrics field', () => {
    const metrics = runMetrics();
    const read = (name: string) => METRIC_CATALOG.get(name)?.read(metrics);
    assert.equal(read('hit_rate'), 0.912);
    assert.equal(read('latency.p99'), 2.1);
    assert.equal(read('latency.misses.p99'), 48);
    assert.equal(read('latency.hits.p99'), 0.85);
    assert.equal(read('db.qps_peak'), 1_234);
    assert.equal(read('db.queue_wait.p99'), 3.5);
    assert.equal(read('herd.max_concurrent_fetches_per_key'), 3);
    assert.equal(read('staleness.age.p99'), 1_800);
    assert.equal(read('cache.peak_bytes'), 1_048_576);
  });

  it('gives null for metrics without samples', () => {
    const metrics = runMetrics({ latency_ms: null, cache: null, hit_rate: null });
    for (const name of ['latency.p99', 'cache.evictions', 'hit_rate']) {
      assert.equal(METRIC_CATALOG.get(name)?.read(metrics), null, name);
    }
  });

  it('gives every metric a kind and a description', () => {
    for (const metric of METRIC_CATALOG.values()) {
      assert.ok(['ratio', 'duration', 'count', 'rate'].includes(metric.kind), metric.name);
      assert.ok(metric.description.length > 0, metric.name);
    }
  });
});

describe('parseThresholds: valid forms', () => {
  const cases: Array<[expr: string, metric: string, op: string, value: number]> = [
    ['hit_rate >= 0.8', 'hit_rate', '>=', 0.8],
    ['hit_rate>=0.8', 'hit_rate', '>=', 0.8],
    ['  hit_rate   >=   80%  ', 'hit_rate', '>=', 0.8],
    ['offload >= 90%', 'offload', '>=', 0.9],
    ['offload >= 0', 'offload', '>=', 0],
    ['staleness.stale_rate < 0.1%', 'staleness.stale_rate', '<', 0.001],
    ['latency.p99 < 20ms', 'latency.p99', '<', 20],
    ['latency.p99 < 20 ms', 'latency.p99', '<', 20],
    ['latency.hits.p50 <= 500us', 'latency.hits.p50', '<=', 0.5],
    ['latency.hits.p50 <= 500µs', 'latency.hits.p50', '<=', 0.5],
    ['staleness.age.p99 <= 2s', 'staleness.age.p99', '<=', 2_000],
    ['latency.max < 1m', 'latency.max', '<', 60_000],
    ['latency.max < 1.1s', 'latency.max', '<', 1_100],
    ['staleness.age.max == 0', 'staleness.age.max', '==', 0],
    ['db.qps_peak < 500', 'db.qps_peak', '<', 500],
    ['db.qps_peak < 500/s', 'db.qps_peak', '<', 500],
    ['db.qps_mean < 2.5k/s', 'db.qps_mean', '<', 2_500],
    ['db.qps_mean < 2k', 'db.qps_mean', '<', 2_000],
    ['db.qps_mean < 0.5', 'db.qps_mean', '<', 0.5],
    ['db.qps_mean < 300/m', 'db.qps_mean', '<', 5],
    ['db.qps_peak == 0', 'db.qps_peak', '==', 0],
    ['db.qps_peak > 0/s', 'db.qps_peak', '>', 0],
    ['errors == 0', 'errors', '==', 0],
    ['db.queries < 10k', 'db.queries', '<', 10_000],
    ['db.queries < 1.1k', 'db.queries', '<', 1_100],
    ['db.queries < 1_000_000', 'db.queries', '<', 1_000_000],
    ['requests >= 1M', 'requests', '>=', 1_000_000],
    ['cache.evictions != 0', 'cache.evictions', '!=', 0],
  ];
  for (const [expr, metric, op, value] of cases) {
    it(expr, () => {
      const [parsed] = parseThresholds([expr]);
      assert.equal(parsed.expr, expr);
      assert.equal(parsed.metric.name, metric);
      assert.equal(parsed.op, op);
      assert.equal(parsed.value, value);
    });
  }

  it('keeps the index of each expression', () => {
    const parsed = parseThresholds(['errors == 0', 'hit_rate > 0.5']);
    assert.deepEqual(
      parsed.map((p) => p.index),
      [0, 1],
    );
  });
});

describe('parseThresholds: errors', () => {
  const cases: Array<[expr: string, ...messageParts: RegExp[]]> = [
    // syntax
    ['', /empty/, /metric op value/],
    ['hit_rate 0.8', /no comparison operator/, /< <= > >= == !=/],
    ['>= 0.8', /no metric before the operator/],
    ['latency p99 < 20ms', /"latency p99" is not a metric name/],
    ['hit_rate = 0.8', /"=" is not a comparison operator/, /did you mean ==\?/],
    ['hit_rate => 0.8', /did you mean >=\?/],
    ['hit_rate <> 0.8', /did you mean !=\?/],
    ['hit_rate >>= 0.8', /">>=" is not a comparison operator/, /use one of < <= > >= == !=/],
    ['hit_rate >=', /no value after ">="/, /hit_rate is a ratio: expected a fraction from 0 to 1 like 0\.8/],
    // unknown metrics: suggestion by edit distance, by tail, and the valid list
    ['hit_ratio >= 0.8', /unknown metric "hit_ratio"/, /did you mean hit_rate\?/, /valid metrics: requests, reads/],
    ['latency.p95 < 20ms', /did you mean latency.p90 or latency.p99\?/],
    ['p99 < 20ms', /did you mean latency.p99, /],
    ['db.qps < 500', /did you mean db.qps_mean or db.qps_peak\?/],
    ['Hit_Rate >= 0.8', /did you mean hit_rate\?/],
    ['throughput_of_everything > 5', /unknown metric/, /latency\.\{mean,p50,p90,p99,p999,max\}/],
    // values against the metric's kind: the kind is named, with what would be valid
    ['hit_rate < 20ms', /hit_rate is a ratio, so the value must be a fraction from 0 to 1 .* or a percentage/, /got "20ms"/],
    ['hit_rate >= 80', /got "80" \(did you mean 0\.8 \(80%\)\?\)$/],
    ['hit_rate >= high', /got "high"/],
    ['offload > -0.1', /offload is a ratio/, /got "-0.1"/],
    ['latency.p99 < 20', /latency.p99 is a duration, so the value must be a duration like 500us, 5ms/, /write a unit/],
    ['latency.p99 < 20%', /is a duration/, /got "20%"/],
    ['latency.p99 < 20parsecs', /is a duration/, /got "20parsecs"/],
    ['latency.p99 < -5ms', /not negative/],
    ['errors < 10ms', /errors is a count, so the value must be a count like .*10k/, /got "10ms"/],
    ['errors < 2.5', /a count is a whole number/],
    ['errors < 1m', /write M for a million/],
    ['db.queries < 10,000', /got "10,000"/],
    ['db.qps_peak < 5%', /db.qps_peak is a rate, so the value must be a rate like 5000\/s/, /got "5%"/],
    ['db.qps_peak < 500/fortnight', /is a rate/],
  ];
  for (const [expr, ...messageParts] of cases) {
    it(JSON.stringify(expr), () => {
      assert.throws(
        () => parseThresholds(['errors == 0', expr]),
        (error: unknown) => {
          assert.ok(error instanceof ThresholdError);
          assert.ok(error instanceof InputError, 'a bad threshold is invalid input');
          assert.equal(error.exitCode, 2);
          assert.equal(error.index, 1);
          assert.equal(error.expression, expr);
          assert.ok(error.message.startsWith(`invalid threshold "${expr}": `), error.message);
          for (const part of messageParts) assert.match(error.message, part);
          return true;
        },
      );
    });
  }
});

describe('metric name suggestion', () => {
  it('suggests nothing when no name is close', () => {
    assert.deepEqual(suggestMetricNames('zzzzzzzzzzzz', METRIC_NAMES), []);
  });

  it('suggests the direct statistics of a bare prefix', () => {
    assert.deepEqual(suggestMetricNames('staleness.age', METRIC_NAMES), [
      'staleness.age.p50',
      'staleness.age.p99',
      'staleness.age.max',
    ]);
  });

  it('joins alternatives for prose', () => {
    assert.equal(joinAlternatives(['a']), 'a');
    assert.equal(joinAlternatives(['a', 'b', 'c']), 'a, b or c');
  });

  it('folds shared prefixes in the listing', () => {
    assert.equal(listMetricNames(['a', 'x.p50', 'x.p99', 'y.z']), 'a, x.{p50,p99}, y.z');
  });
});

describe('compare', () => {
  const cases: Array<[actual: number, op: '<' | '<=' | '>' | '>=' | '==' | '!=', bound: number, expected: boolean]> = [
    [1, '<', 2, true],
    [2, '<', 2, false],
    [3, '<', 2, false],
    [1, '<=', 2, true],
    [2, '<=', 2, true],
    [3, '<=', 2, false],
    [3, '>', 2, true],
    [2, '>', 2, false],
    [1, '>', 2, false],
    [3, '>=', 2, true],
    [2, '>=', 2, true],
    [1, '>=', 2, false],
    [2, '==', 2, true],
    [1, '==', 2, false],
    [1, '!=', 2, true],
    [2, '!=', 2, false],
    // floating-point quotients that equal the typed bound
    [0.1 + 0.2, '<=', 0.3, true],
    [0.1 + 0.2, '==', 0.3, true],
    [0.1 + 0.2, '>', 0.3, false],
  ];
  for (const [actual, op, bound, expected] of cases) {
    it(`${actual} ${op} ${bound} is ${expected}`, () => assert.equal(compare(actual, op, bound), expected));
  }
});

describe('evaluateThresholds', () => {
  it('reports actual values in the unit of comparison and passes or fails each', () => {
    const parsed = parseThresholds([
      'hit_rate >= 0.8',
      'hit_rate >= 95%',
      'latency.p99 < 20ms',
      'latency.p99 < 1ms',
      'staleness.age.p99 <= 1.8s',
      'db.qps_peak < 1k/s',
      'errors == 0',
    ]);
    assert.deepEqual(evaluateThresholds(parsed, runMetrics()), [
      { expr: 'hit_rate >= 0.8', actual: 0.912, pass: true },
      { expr: 'hit_rate >= 95%', actual: 0.912, pass: false },
      { expr: 'latency.p99 < 20ms', actual: 2.1, pass: true },
      { expr: 'latency.p99 < 1ms', actual: 2.1, pass: false },
      { expr: 'staleness.age.p99 <= 1.8s', actual: 1_800, pass: true },
      { expr: 'db.qps_peak < 1k/s', actual: 1_234, pass: false },
      { expr: 'errors == 0', actual: 0, pass: true },
    ]);
  });

  it('passes at the boundary for <= and >=, fails it for < and >', () => {
    const metrics = runMetrics({ hit_rate: 7 / 10, latency_ms: latency({ p99: 20 }) });
    const results = evaluateThresholds(
      parseThresholds(['hit_rate >= 70%', 'hit_rate > 0.7', 'latency.p99 <= 20ms', 'latency.p99 < 20ms', 'hit_rate == 0.7']),
      metrics,
    );
    assert.deepEqual(
      results.map((r) => r.pass),
      [true, false, true, false, true],
    );
  });

  it('fails a metric without samples, whatever the operator', () => {
    const metrics = runMetrics({ latency_ms: null, hit_rate: null, cache: null });
    const results = evaluateThresholds(
      parseThresholds(['latency.p99 < 1h', 'latency.p99 != 0', 'hit_rate >= 0', 'cache.evictions >= 0']),
      metrics,
    );
    for (const result of results) {
      assert.equal(result.actual, null, result.expr);
      assert.equal(result.pass, false, result.expr);
    }
  });

  it('treats a non-finite value as no samples', () => {
    const results = evaluateThresholds(parseThresholds(['hit_rate < 1']), runMetrics({ hit_rate: Number.NaN }));
    assert.deepEqual(results, [{ expr: 'hit_rate < 1', actual: null, pass: false }]);
  });
});

describe('a gate on staleness.budget_violations', () => {
  const scenario = (extra: string) =>
    `name: budget\nworkload: { keys: 100, requests: 1000, distribution: { type: uniform } }\ncache: { policy: lru, capacity: 10 }\n${extra}thresholds:\n  - hit_rate > 0\n  - staleness.budget_violations == 0\n`;

  it('is refused when no run sets max_staleness (it would pass on a 0 that measured nothing)', () => {
    assert.throws(
      () => parseScenarioThresholds(parseScenarioText(scenario(''), 'budget.yaml', [], '.')),
      (error: InputError) => {
        assert.equal(error.exitCode, 2);
        assert.match(error.message, /budget\.yaml:\d+:\d+ thresholds\[1\]: .*max_staleness/);
        return true;
      },
    );
  });

  it('is accepted with max_staleness, in the scenario or in one matrix run', () => {
    assert.equal(parseScenarioThresholds(parseScenarioText(scenario('max_staleness: 5s\n'), 'budget.yaml', [], '.')).length, 2);
    const swept = scenario('matrix:\n  max_staleness: [none, 2s]\n');
    assert.equal(parseScenarioThresholds(parseScenarioText(swept, 'budget.yaml', [], '.')).length, 2);
  });
});
