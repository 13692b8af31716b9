import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CompareRuleError, parseCompareRule } from '../src/compare/compare-rule.js';
import { compareResults, metricChange, rulePasses, type SourcedRule } from '../src/compare/compare-results.js';
import { readResultFile } from '../src/result/result-file.js';
import { pairRuns } from '../src/compare/run-pairing.js';
import { InputError } from '../src/errors.js';
import { renderComparison } from '../src/report/comparison-table.js';
import type { Result, RunResult } from '../src/result/run-result.js';
import { latency, runMetrics, runResult } from './support/run-metrics.js';

const work = mkdtempSync(join(tmpdir(), 'cachebench-compare-'));

function result(runs: RunResult[], scenario: unknown = { name: 'prices', compare: [] }): Result {
  return { schema_version: 1, scenario, runs };
}

/** A run whose hit rate and p99 are what the test is about. */
function run(name: string, hitRate: number | null, p99: number | null = 2): RunResult {
  return runResult({ name, metrics: runMetrics({ hit_rate: hitRate, latency_ms: latency({ p99 }) }) });
}

function rules(...texts: string[]): SourcedRule[] {
  return texts.map((text, index) => ({ rule: parseCompareRule(text, index), source: 'flag' as const }));
}

/** The verdict of one rule on a baseline and current value of its metric. */
function verdict(text: string, baseline: number | null, current: number | null): boolean {
  const rule = parseCompareRule(text, 0);
  return rulePasses(rule, metricChange(rule.metric.name, baseline, current));
}

describe('compare rule grammar', () => {
  it('reads the sign as the direction and the unit as the kind of limit', () => {
    const cases: [string, { metric: string; direction: string; mode: string; limit: number }][] = [
      ['hit_rate -2%', { metric: 'hit_rate', direction: 'drop', mode: 'relative', limit: 0.02 }],
      ['latency.p99 +10%', { metric: 'latency.p99', direction: 'rise', mode: 'relative', limit: 0.1 }],
      ['latency.p99 +5ms', { metric: 'latency.p99', direction: 'rise', mode: 'absolute', limit: 5 }],
      ['latency.p50 +500us', { metric: 'latency.p50', direction: 'rise', mode: 'absolute', limit: 0.5 }],
      ['hit_rate -0.02', { metric: 'hit_rate', direction: 'drop', mode: 'absolute', limit: 0.02 }],
      ['hit_rate -1.5pp', { metric: 'hit_rate', direction: 'drop', mode: 'absolute', limit: 0.015 }],
      ['db.queries +1k', { metric: 'db.queries', direction: 'rise', mode: 'absolute', limit: 1000 }],
      ['db.qps_peak +50/s', { metric: 'db.qps_peak', direction: 'rise', mode: 'absolute', limit: 50 }],
      ['db.qps_peak +50', { metric: 'db.qps_peak', direction: 'rise', mode: 'absolute', limit: 50 }],
      ['errors +0', { metric: 'errors', direction: 'rise', mode: 'absolute', limit: 0 }],
      ['  hit_rate-0.5%  ', { metric: 'hit_rate', direction: 'drop', mode: 'relative', limit: 0.005 }],
      ['staleness.stale_rate + 1.1%', { metric: 'staleness.stale_rate', direction: 'rise', mode: 'relative', limit: 0.011 }],
    ];
    for (const [text, expected] of cases) {
      const rule = parseCompareRule(text, 0);
      assert.deepEqual(
        { metric: rule.metric.name, direction: rule.direction, mode: rule.mode, limit: rule.limit },
        expected,
        text,
      );
      assert.equal(rule.rule, text);
    }
  });

  it('rejects malformed rules with what is wrong and what would be valid', () => {
    const cases: [string, RegExp][] = [
      ['', /empty.*e\.g\. "hit_rate -2%"/],
      ['hit_rate', /no limit after "hit_rate"/],
      ['hit_rate 2%', /needs a sign: -2% .* or \+2%/],
      ['hit_rate >= 0.8', /that is a threshold/],
      ['hit_ratio -2%', /unknown metric "hit_ratio" \(did you mean hit_rate\?\); valid metrics: .*latency\.\{mean/],
      ['hit_rate -', /no limit after "-"; write a relative limit like -5%/],
      ['hit_rate --2%', /second sign/],
      ['hit_rate -x%', /"x%" is not a percentage/],
      ['latency.p99 +5', /latency\.p99 is a duration.*write a unit.*or a relative limit like \+5%/],
      ['latency.p99 +5pp', /percentage points \(pp\) apply only to ratio metrics, and latency\.p99 is a duration/],
      ['hit_rate -2', /hit_rate is a ratio.*did you mean 0\.02 \(2%\)\?\); or a relative limit like -5%/],
      ['db.queries +1.5', /db\.queries is a count/],
      ['-2%', /no metric before the sign/],
    ];
    for (const [text, message] of cases) {
      assert.throws(
        () => parseCompareRule(text, 3),
        (error: unknown) => {
          assert.ok(error instanceof CompareRuleError, text);
          assert.ok(error instanceof InputError, 'a bad rule is invalid input (exit 2)');
          assert.equal(error.index, 3);
          assert.match(error.message, message, text);
          return true;
        },
      );
    }
  });
});

describe('compare rule verdicts', () => {
  it('a relative drop limit: broken only beyond the limit, a change exactly at it passes', () => {
    assert.equal(verdict('hit_rate -2%', 0.5, 0.49), true, 'exactly -2% (0.49 / 0.5 is not exact in binary)');
    assert.equal(verdict('hit_rate -2%', 0.5, 0.4899), false, '-2.02%');
    assert.equal(verdict('hit_rate -2%', 0.5, 0.495), true, '-1%');
    assert.equal(verdict('hit_rate -2%', 0.5, 0.9), true, 'a rise never breaks a drop rule');
    assert.equal(verdict('hit_rate -0%', 0.5, 0.5), true, 'no change');
    assert.equal(verdict('hit_rate -0%', 0.5, 0.4999), false, 'any drop breaks -0%');
  });

  it('a relative rise limit, in the other direction', () => {
    assert.equal(verdict('latency.p99 +10%', 10, 11), true, 'exactly +10%');
    assert.equal(verdict('latency.p99 +10%', 10, 11.01), false, '+10.1%');
    assert.equal(verdict('latency.p99 +10%', 10, 3), true, 'a drop never breaks a rise rule');
    assert.equal(verdict('latency.p99 +10%', 2.1, 2.31), true, 'exactly +10% of a value with no exact binary form');
  });

  it('absolute limits in the metric unit: ms, a fraction, percentage points, a count', () => {
    assert.equal(verdict('latency.p99 +5ms', 20, 25), true, 'exactly +5 ms');
    assert.equal(verdict('latency.p99 +5ms', 20, 25.001), false);
    assert.equal(verdict('hit_rate -0.02', 0.7, 0.68), true, 'exactly -0.02');
    assert.equal(verdict('hit_rate -0.02', 0.7, 0.6799), false);
    assert.equal(verdict('hit_rate -1pp', 0.7, 0.69), true, 'exactly -1 percentage point');
    assert.equal(verdict('hit_rate -1pp', 0.7, 0.6899), false);
    assert.equal(verdict('db.queries +1k', 5000, 6000), true);
    assert.equal(verdict('db.queries +1k', 5000, 6001), false);
    assert.equal(verdict('errors +0', 0, 0), true);
    assert.equal(verdict('errors +0', 0, 1), false);
  });

  it('a metric without samples on either side breaks its rule', () => {
    assert.equal(verdict('latency.p99 +10%', null, 5), false);
    assert.equal(verdict('latency.p99 +10%', 5, null), false);
    assert.equal(verdict('latency.p99 -10%', null, null), false);
  });

  it('against a baseline of 0, any rise is unbounded: a rise rule breaks, a drop rule does not', () => {
    assert.equal(verdict('errors +50%', 0, 3), false);
    assert.equal(verdict('errors -50%', 0, 3), true);
    assert.equal(verdict('errors +50%', 0, 0), true);
    const change = metricChange('errors', 0, 3);
    assert.equal(change.relative_change, null, 'no relative change against 0 in the JSON');
    assert.equal(change.change, 3);
  });
});

describe('pairing runs', () => {
  it('pairs by name in the current order and reports the rest', () => {
    const pairing = pairRuns(
      [{ name: 'a' }, { name: 'b' }, { name: 'old' }],
      [{ name: 'b' }, { name: 'new' }, { name: 'a' }],
    );
    assert.deepEqual(
      pairing.pairs.map((p) => [p.baseline.name, p.current.name]),
      [
        ['b', 'b'],
        ['a', 'a'],
      ],
    );
    assert.deepEqual(pairing.onlyBaseline.map((r) => r.name), ['old']);
    assert.deepEqual(pairing.onlyCurrent.map((r) => r.name), ['new']);
  });

  it('a single run in each file pairs whatever the names', () => {
    const pairing = pairRuns([{ name: 'prices' }], [{ name: 'prices-v2' }]);
    assert.equal(pairing.pairs.length, 1);
    assert.deepEqual([pairing.onlyBaseline, pairing.onlyCurrent], [[], []]);
  });
});

describe('compareResults', () => {
  const baseline = { file: 'base.json', result: result([run('lru', 0.5), run('fifo', 0.4), run('gone', 0.3)]) };

  it('passes exactly when every rule holds in every paired run', () => {
    const current = { file: 'cur.json', result: result([run('lru', 0.49), run('fifo', 0.38), run('added', 0.1)]) };
    const comparison = compareResults(baseline, current, rules('hit_rate -2%'));
    assert.equal(comparison.pass, false, 'fifo dropped by 5%');
    assert.deepEqual(
      comparison.runs.map((r) => [r.name, r.rules[0].pass]),
      [
        ['lru', true],
        ['fifo', false],
      ],
    );
    assert.deepEqual(comparison.unpaired, { baseline: ['gone'], current: ['added'] });
    assert.equal(compareResults(baseline, current, rules('hit_rate -5%')).pass, true, 'fifo exactly at -5%');
    assert.equal(compareResults(baseline, current, []).pass, true, 'no rules, no failure');
  });

  it('lists every metric with a value on either side, with absolute and relative change', () => {
    const current = { file: 'cur.json', result: result([run('lru', 0.55, null)]) };
    const comparison = compareResults({ file: 'b', result: result([run('lru', 0.5, 2)]) }, current, []);
    const [pair] = comparison.runs;
    const hitRate = pair.metrics.find((m) => m.metric === 'hit_rate');
    assert.ok(hitRate);
    assert.equal(hitRate.baseline, 0.5);
    assert.equal(hitRate.current, 0.55);
    assert.ok(Math.abs((hitRate.change ?? 0) - 0.05) < 1e-12);
    assert.ok(Math.abs((hitRate.relative_change ?? 0) - 0.1) < 1e-12);
    const p99 = pair.metrics.find((m) => m.metric === 'latency.p99');
    assert.deepEqual(p99, { metric: 'latency.p99', baseline: 2, current: null, change: null, relative_change: null });
    assert.ok(pair.metrics.length > 50, 'every catalogue metric the runs have');
  });

  it('nothing paired is invalid input naming both files and their runs', () => {
    const current = { file: 'cur.json', result: result([run('x', 0.5), run('y', 0.5)]) };
    assert.throws(() => compareResults(baseline, current, []), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /no run of cur\.json has the name of a run of base\.json/);
      assert.match(error.message, /base\.json: runs "lru", "fifo", "gone"; cur\.json: runs "x", "y"/);
      return true;
    });
  });
});

describe('readResultFile', () => {
  function file(name: string, text: string): string {
    const path = join(work, name);
    writeFileSync(path, text);
    return path;
  }

  it('reads a result written by run --json', () => {
    const path = file('ok.json', JSON.stringify(result([run('lru', 0.5)])));
    assert.equal(readResultFile(path).runs[0].name, 'lru');
  });

  it('names the file and the problem: missing, not JSON, not a result, another schema version, bad metrics', () => {
    const cases: [string, string | null, RegExp][] = [
      ['missing.json', null, /missing\.json: no such file/],
      ['text.json', 'hello', /text\.json: not JSON \(.*\); expected the JSON that `cachebench run --json` writes/],
      ['list.json', '[1, 2]', /list\.json: not a cachebench result \(the JSON is a list\)/],
      ['other.json', '{"name": "x"}', /other\.json: not a cachebench result \(no schema_version and runs\)/],
      ['v2.json', '{"schema_version": 2, "runs": []}', /v2\.json: schema_version 2 is not supported; this cachebench reads schema_version 1 .*newer/],
      ['v0.json', '{"schema_version": "0", "runs": []}', /v0\.json: schema_version "0" is not supported/],
      ['comparison.json', '{"kind": "cachebench-comparison", "schema_version": 1, "runs": []}', /comparison\.json: is the output of `cachebench compare --json`/],
      ['noname.json', '{"schema_version": 1, "runs": [{"metrics": {}}]}', /noname\.json: runs\[0\]: "name" must be a string/],
      ['nometrics.json', '{"schema_version": 1, "runs": [{"name": "a"}]}', /nometrics\.json: runs\[0\] \("a"\): "metrics" must be an object/],
      [
        'truncated.json',
        '{"schema_version": 1, "runs": [{"name": "a", "metrics": {"requests": 1}}]}',
        /truncated\.json: runs\[0\] \("a"\): metrics lack what latency\.reads\.mean is read from/,
      ],
    ];
    for (const [name, text, message] of cases) {
      const path = text === null ? join(work, name) : file(name, text);
      assert.throws(() => readResultFile(path), (error: unknown) => {
        assert.ok(error instanceof InputError, name);
        assert.match(error.message, message);
        return true;
      });
    }
    const wrongType = result([run('a', 0.5)]);
    (wrongType.runs[0].metrics as unknown as Record<string, unknown>).hit_rate = 'high';
    assert.throws(() => readResultFile(file('type.json', JSON.stringify(wrongType))), /type\.json: runs\[0\] \("a"\): metric hit_rate is "high", expected a number or null/);
  });
});

describe('renderComparison', () => {
  const comparison = compareResults(
    { file: 'base.json', result: result([run('lru', 0.5, 2), run('gone', 0.5)]) },
    { file: 'cur.json', result: result([run('lru', 0.6, 3)]) },
    rules('hit_rate -2%', 'latency.p99 +10%'),
  );

  it('shows values, changes, rule verdicts and unpaired runs, with no colour codes when colour is off', () => {
    const text = renderComparison(comparison, { color: false });
    assert.doesNotMatch(text, /\x1b\[/);
    assert.match(text, /baseline base\.json \(2 runs\) → current cur\.json \(1 run\)/);
    assert.match(text, /│ hit_rate +│ +50\.0% │ +60\.0% │ +\+10\.0 pp │ +\+20\.0% │/);
    assert.match(text, /│ latency\.p99 +│ +2\.0 ms │ +3\.0 ms │ +\+1\.0 ms │ +\+50\.0% │/);
    assert.match(text, /✓ │ hit_rate -2% +│ hit_rate rose by 20\.0% \(50\.0% → 60\.0%\) +│ a drop of at most 2% /);
    assert.match(text, /✗ │ latency\.p99 \+10% +│ latency\.p99 rose by 50\.0% \(2\.0 ms → 3\.0 ms\) +│ a rise of at most 10% /);
    assert.match(text, /1 of 2 rules broken/);
    assert.match(text, /only in base\.json \(not compared\): gone/);
  });

  it('colours by direction: a higher hit rate is green, a higher latency red, a workload count plain', () => {
    const text = renderComparison(comparison, { color: true });
    const row = (metric: string) => text.split('\n').find((line) => line.includes(`│ ${metric} `)) ?? '';
    const green = '\x1b[32m';
    const red = '\x1b[31m';
    assert.ok(row('hit_rate').includes(`${green}+10.0 pp`), row('hit_rate'));
    assert.ok(row('latency.p99').includes(`${red}+1.0 ms`), row('latency.p99'));
    assert.ok(!row('requests').includes('\x1b['), row('requests'));
  });
});
