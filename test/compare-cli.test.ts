import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Result, RunResult } from '../src/result/run-result.js';
import { assertNoStack, cachebench } from './support/cachebench-process.js';
import { latency, runMetrics, runResult } from './support/run-metrics.js';

// `cachebench compare` as a CI gate, through the real executable (bin/cachebench.js over dist/).
const work = mkdtempSync(join(tmpdir(), 'cachebench-compare-cli-'));

function resultFile(name: string, runs: RunResult[], compare: string[] = []): string {
  const path = join(work, name);
  const result: Result = { schema_version: 1, scenario: { name: 'prices', compare }, runs };
  writeFileSync(path, JSON.stringify(result));
  return path;
}

function run(name: string, hitRate: number, p99: number): RunResult {
  return runResult({ name, metrics: runMetrics({ hit_rate: hitRate, latency_ms: latency({ p99 }) }) });
}

const baseline = resultFile('baseline.json', [run('lru', 0.5, 10), run('fifo', 0.4, 20)]);

describe('cachebench compare: the gate', () => {
  it('exits 0 when a change is exactly at the limit and 1 just beyond it, for a drop rule', () => {
    const atLimit = resultFile('drop-at.json', [run('lru', 0.49, 10), run('fifo', 0.392, 20)]);
    const beyond = resultFile('drop-beyond.json', [run('lru', 0.4899, 10), run('fifo', 0.4, 20)]);
    const pass = cachebench(['compare', baseline, atLimit, '--fail-on', 'hit_rate -2%']);
    assert.equal(pass.code, 0, pass.stderr);
    assert.match(pass.stdout, /all 1 rule passed/);
    const fail = cachebench(['compare', baseline, beyond, '--fail-on', 'hit_rate -2%']);
    assert.equal(fail.code, 1, fail.stderr);
    assert.match(fail.stdout, /✗ │ hit_rate -2%/);
    assert.match(fail.stdout, /rules broken in 1 of 2 compared runs: lru/);
  });

  it('exits 0 at the limit and 1 beyond it for a rise rule, relative and absolute', () => {
    const atLimit = resultFile('rise-at.json', [run('lru', 0.5, 11), run('fifo', 0.4, 22)]);
    const beyond = resultFile('rise-beyond.json', [run('lru', 0.5, 10), run('fifo', 0.4, 22.01)]);
    assert.equal(cachebench(['compare', baseline, atLimit, '--fail-on', 'latency.p99 +10%']).code, 0);
    assert.equal(cachebench(['compare', baseline, beyond, '--fail-on', 'latency.p99 +10%']).code, 1);
    assert.equal(cachebench(['compare', baseline, atLimit, '--fail-on', 'latency.p99 +2ms']).code, 0, 'fifo rose exactly 2 ms');
    assert.equal(cachebench(['compare', baseline, beyond, '--fail-on', 'latency.p99 +2ms']).code, 1, 'fifo rose 2.01 ms');
    // Rules only look one way: a big improvement breaks nothing.
    const better = resultFile('better.json', [run('lru', 0.9, 1), run('fifo', 0.9, 1)]);
    assert.equal(cachebench(['compare', baseline, better, '--fail-on', 'hit_rate -0%', '--fail-on', 'latency.p99 +0%']).code, 0);
  });

  it('without rules it only reports, and exits 0 however much changed', () => {
    const worse = resultFile('worse.json', [run('lru', 0.1, 100), run('fifo', 0.1, 100)]);
    const r = cachebench(['compare', baseline, worse]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /│ hit_rate +│ +50\.0% │ +10\.0% │ +-40\.0 pp │ +-80\.0% │/);
    assert.doesNotMatch(r.stdout, /rule/);
  });

  it('reports unpaired runs without failing for them; nothing paired is exit 2', () => {
    const partial = resultFile('partial.json', [run('lru', 0.5, 10), run('sieve', 0.1, 10)]);
    const r = cachebench(['compare', baseline, partial, '--fail-on', 'hit_rate -2%']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /only in .*baseline\.json \(not compared\): fifo/);
    assert.match(r.stdout, /only in .*partial\.json \(not compared\): sieve/);
    const none = resultFile('none.json', [run('x', 0.5, 10), run('y', 0.5, 10)]);
    const nothing = cachebench(['compare', baseline, none]);
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /nothing to compare/);
  });

  it('reads the rules the current result carries in its scenario (compare:), beside --fail-on', () => {
    const carrying = resultFile('carrying.json', [run('lru', 0.45, 10), run('fifo', 0.4, 20)], ['hit_rate -5%']);
    const r = cachebench(['compare', baseline, carrying, '--fail-on', 'latency.p99 +10%']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /✓ │ latency\.p99 \+10% /);
    assert.match(r.stdout, /✗ │ hit_rate -5% \(scenario\)/);
    const bad = resultFile('carrying-bad.json', [run('lru', 0.5, 10)], ['hit_rate 5%']);
    const invalid = cachebench(['compare', baseline, bad]);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /carrying-bad\.json: scenario\.compare\[0\]: invalid compare rule "hit_rate 5%": the limit needs a sign/);
  });

  it('--json - prints the comparison alone on stdout and the table on stderr', () => {
    const beyond = resultFile('json-beyond.json', [run('lru', 0.4, 10), run('fifo', 0.4, 20)]);
    const r = cachebench(['compare', baseline, beyond, '--fail-on', 'hit_rate -2%', '--json', '-']);
    assert.equal(r.code, 1, r.stderr);
    const comparison = JSON.parse(r.stdout);
    assert.equal(comparison.kind, 'cachebench-comparison');
    assert.equal(comparison.pass, false);
    assert.deepEqual(comparison.rules, ['hit_rate -2%']);
    const lru = comparison.runs.find((entry: { name: string }) => entry.name === 'lru');
    assert.equal(lru.rules[0].pass, false);
    assert.equal(lru.rules[0].direction, 'drop');
    assert.equal(lru.rules[0].mode, 'relative');
    assert.equal(lru.rules[0].limit, 0.02);
    assert.ok(Math.abs(lru.rules[0].relative_change + 0.2) < 1e-12);
    assert.match(r.stderr, /│ metric +│ +baseline │ +current │/);

    const path = join(work, 'comparison.json');
    assert.equal(cachebench(['compare', baseline, beyond, '--json', path]).code, 0);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).pass, true);
  });

  it('colours a terminal (FORCE_COLOR) and never when piped, with NO_COLOR or --no-color', () => {
    const worse = resultFile('colour.json', [run('lru', 0.4, 12), run('fifo', 0.4, 20)]);
    assert.doesNotMatch(cachebench(['compare', baseline, worse]).stdout, /\x1b\[/);
    assert.match(cachebench(['compare', baseline, worse], { FORCE_COLOR: '1' }).stdout, /\x1b\[31m/);
    assert.doesNotMatch(cachebench(['compare', baseline, worse], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout, /\x1b\[/);
    assert.doesNotMatch(cachebench(['compare', baseline, worse, '--no-color'], { FORCE_COLOR: '1' }).stdout, /\x1b\[/);
  });
});

describe('cachebench compare: invalid input is exit 2 with a message, never a stack', () => {
  it('a malformed --fail-on rule names the rule and what is valid', () => {
    const cases: [string, RegExp][] = [
      ['hit_rate 2%', /--fail-on "hit_rate 2%": the limit needs a sign: -2% .* or \+2%.*e\.g\. "hit_rate -2%", "latency\.p99 \+10%"/],
      ['latency.p99 +5', /--fail-on "latency\.p99 \+5": latency\.p99 is a duration.*or a relative limit like \+5%/],
      ['hit_rat -2%', /unknown metric "hit_rat" \(did you mean hit_rate\?\)/],
      ['hit_rate >= 0.7', /that is a threshold/],
    ];
    for (const [rule, message] of cases) {
      const r = cachebench(['compare', baseline, baseline, '--fail-on', rule]);
      assert.equal(r.code, 2, rule);
      assert.match(r.stderr, message);
      assertNoStack(r.stderr);
      assert.equal(r.stdout, '', 'nothing compared');
    }
  });

  it('a missing file, a file that is not a result, another schema version: each names the file', () => {
    const notJson = join(work, 'notes.json');
    writeFileSync(notJson, 'not json at all');
    const notResult = join(work, 'package.json');
    writeFileSync(notResult, '{"name": "cachebench"}');
    const future = join(work, 'future.json');
    writeFileSync(future, JSON.stringify({ schema_version: 2, scenario: {}, runs: [] }));
    const cases: [string[], RegExp][] = [
      [['compare', join(work, 'absent.json'), baseline], /absent\.json: no such file/],
      [['compare', baseline, join(work, 'absent.json')], /absent\.json: no such file/],
      [['compare', baseline, notJson], /notes\.json: not JSON/],
      [['compare', notResult, baseline], /package\.json: not a cachebench result/],
      [['compare', baseline, future], /future\.json: schema_version 2 is not supported; this cachebench reads schema_version 1/],
    ];
    for (const [args, message] of cases) {
      const r = cachebench(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
      assertNoStack(r.stderr);
    }
  });

  it('report flags need a file name; a path that cannot be written is exit 2', () => {
    const dash = cachebench(['compare', baseline, baseline, '--markdown', '-']);
    assert.equal(dash.code, 2);
    assert.match(dash.stderr, /--markdown -: give a file name/);
    const nowhere = cachebench(['compare', baseline, baseline, '--junit', join(work, 'missing-dir', 'x.xml')]);
    assert.equal(nowhere.code, 2);
    assert.match(nowhere.stderr, /--junit .*x\.xml: cannot write there \(ENOENT\)/);
  });
});

describe('the scenario compare: block', () => {
  const scenario = (rules: string) => {
    const path = join(work, `scenario-${rules.length}.yaml`);
    writeFileSync(
      path,
      `name: gate
seed: 5
workload:
  keys: 1k
  requests: 2k
  mix: { get: 90%, set: 10% }
cache:
  policy: lru
  capacity: 100
compare:
${rules}`,
    );
    return path;
  };

  it('validate checks its rules and points at a bad one in the file', () => {
    const good = cachebench(['validate', scenario('  - hit_rate -2%\n  - db.reads +5%\n')]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /valid — 1 run, 0 thresholds, 2 compare rules/);
    const bad = cachebench(['validate', scenario('  - hit_rate -2%\n  - db.reads 5%\n')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /scenario-\d+\.yaml:12:5 compare\[1\]: invalid compare rule "db\.reads 5%": the limit needs a sign/);
    assertNoStack(bad.stderr);
    const notText = cachebench(['validate', scenario('  - 5\n')]);
    assert.equal(notText.code, 2);
    assert.match(notText.stderr, /compare\[0\]: must be a compare rule like "hit_rate -2%"/);
  });

  it('run refuses a bad rule before running, and carries good ones to compare through the JSON', () => {
    const bad = cachebench(['run', scenario('  - hit_rate two\n')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /compare\[0\]: invalid compare rule "hit_rate two"/);

    const file = scenario('  - hit_rate -1%\n');
    const before = join(work, 'gate-before.json');
    const after = join(work, 'gate-after.json');
    assert.equal(cachebench(['run', file, '--json', before]).code, 0);
    assert.equal(cachebench(['run', file, '--set', 'cache.capacity=50', '--json', after]).code, 0);
    assert.deepEqual(JSON.parse(readFileSync(after, 'utf8')).scenario.compare, ['hit_rate -1%']);
    const same = cachebench(['compare', before, before]);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /✓ │ hit_rate -1% \(scenario\)/);
    const smaller = cachebench(['compare', before, after]);
    assert.equal(smaller.code, 1, 'half the cache loses more than 1% of the hit rate');
    assert.match(smaller.stdout, /✗ │ hit_rate -1% \(scenario\) │ hit_rate dropped by/);
  });
});
