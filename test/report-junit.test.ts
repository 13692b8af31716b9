import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseCompareRule } from '../src/compare/compare-rule.js';
import { compareResults } from '../src/compare/compare-results.js';
import { renderComparisonJunit, renderRunJunit } from '../src/report/junit-report.js';
import type { Result } from '../src/result/run-result.js';
import { cachebench, repoRoot } from './support/cachebench-process.js';
import { runResult } from './support/run-metrics.js';

const work = mkdtempSync(join(tmpdir(), 'cachebench-junit-'));
const fixture = (name: string): Result => JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', name), 'utf8'));

interface Attributes {
  [name: `@_${string}`]: string;
}
interface TestCase extends Attributes {
  failure?: Attributes & { '#text': string };
  error?: Attributes & { '#text': string };
  skipped?: Attributes;
  'system-out'?: string;
}
interface TestSuite extends Attributes {
  properties?: { property: Attributes[] };
  testcase?: TestCase[];
}
interface JunitDocument {
  testsuites: Attributes & { testsuite?: TestSuite[] };
}

/**
 * Parses JUnit XML after checking what a lenient parser lets through: only XML 1.0 characters, every `&`
 * an entity, no `<` inside an attribute value.
 */
function parseJunit(xml: string): JunitDocument {
  assert.equal(XMLValidator.validate(xml), true, 'well-formed');
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'));
  assert.doesNotMatch(xml, /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u, 'only XML 1.0 characters');
  assert.doesNotMatch(xml, /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/, 'every & starts an entity');
  for (const [, value] of xml.matchAll(/="([^"]*)"/g)) assert.ok(!value.includes('<'), `no < in attribute ${value}`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    htmlEntities: true,
    parseAttributeValue: false,
    isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
  });
  return parser.parse(xml) as JunitDocument;
}

describe('run --junit', () => {
  const result = fixture('report-current.result.json');

  it('one suite per run, one case per threshold, failures counted at both levels', () => {
    const doc = parseJunit(renderRunJunit(result));
    const suites = doc.testsuites.testsuite ?? [];
    assert.equal(doc.testsuites['@_name'], 'cachebench run report-fixture');
    assert.deepEqual(
      suites.map((suite) => [suite['@_name'], suite['@_tests'], suite['@_failures']]),
      [
        ['policy=lru', '2', '0'],
        ['policy=fifo', '2', '1'],
      ],
    );
    assert.equal(doc.testsuites['@_tests'], '4');
    assert.equal(doc.testsuites['@_failures'], '1');
    assert.equal(doc.testsuites['@_errors'], '0');
    assert.deepEqual(suites[1].properties?.property, [{ '@_name': 'cache.policy', '@_value': 'fifo' }]);

    const cases = suites[1].testcase ?? [];
    assert.deepEqual(
      cases.map((c) => [c['@_name'], c['@_classname'], c.failure !== undefined]),
      [
        ['hit_rate >= 0.5', 'policy=fifo', true],
        ['latency.p99 < 25ms', 'policy=fifo', false],
      ],
    );
    const failure = cases[0].failure;
    assert.ok(failure);
    assert.equal(failure['@_type'], 'threshold');
    assert.equal(failure['@_message'], 'actual: 47.4%; expected: hit_rate >= 0.5');
    assert.match(failure['#text'], /threshold hit_rate >= 0\.5 failed in run policy=fifo: the metric is 0\.47\d+ \(47\.4%\)/);
  });

  it('a metric with no samples fails with that said; a run without thresholds is an empty suite', () => {
    const doc = parseJunit(
      renderRunJunit({
        schema_version: 1,
        scenario: { name: 'untimed' },
        runs: [
          runResult({ name: 'a', thresholds: [{ expr: 'latency.p99 < 5ms', actual: null, pass: false }] }),
          runResult({ name: 'b', thresholds: [] }),
        ],
      }),
    );
    const [a, b] = doc.testsuites.testsuite ?? [];
    assert.equal(a.testcase?.[0].failure?.['@_message'], 'actual: no samples; expected: latency.p99 < 5ms');
    assert.equal(b['@_tests'], '0');
    assert.equal(b.testcase, undefined);
  });

  it('escapes whatever a run name or expression holds; control characters become visible escapes', () => {
    const name = `a<b> & "c" 'd'\nline two\ttab\u0001bell`;
    const xml = renderRunJunit({
      schema_version: 1,
      scenario: { name: '<&>' },
      runs: [runResult({ name, params: { 'cache.policy': `x"<&>` }, thresholds: [{ expr: 'latency.p99 < 5ms', actual: 7, pass: false }] })],
    });
    const doc = parseJunit(xml);
    const [suite] = doc.testsuites.testsuite ?? [];
    assert.equal(doc.testsuites['@_name'], 'cachebench run <&>');
    assert.equal(suite['@_name'], `a<b> & "c" 'd'\\nline two\\ttab\\x01bell`);
    assert.equal(suite.properties?.property[0]['@_value'], `x"<&>`);
    const failure = suite.testcase?.[0].failure;
    assert.equal(failure?.['@_message'], 'actual: 7.0 ms; expected: latency.p99 < 5ms');
    assert.match(failure?.['#text'] ?? '', /in run a<b> & "c" 'd'\\nline two\\ttab\\x01bell: the metric is 7 \(7\.0 ms\)/);
  });
});

describe('run --junit of a run that stopped early', () => {
  const thresholds = [{ expr: 'hit_rate >= 0.5', actual: 0.912, pass: true }];
  const reason = 'interrupted (SIGINT) after 4,096 requests';

  it('names the suite partial, says why in properties, an errored "run completed" case and its system-out', () => {
    const stopped = runResult({ name: 'big', thresholds, partial: true, partial_reason: reason });
    const doc = parseJunit(
      renderRunJunit({
        schema_version: 1,
        partial: true,
        partial_reason: `${reason} during run 2 of 2`,
        scenario: { name: 'x' },
        runs: [runResult({ name: 'small', thresholds }), stopped],
      }),
    );
    assert.equal(doc.testsuites['@_name'], 'cachebench run x (partial)');
    assert.equal(doc.testsuites['@_tests'], '3');
    assert.equal(doc.testsuites['@_failures'], '0');
    assert.equal(doc.testsuites['@_errors'], '1', 'a stopped run is no pass');
    const [small, big] = doc.testsuites.testsuite ?? [];
    assert.deepEqual([small['@_name'], small['@_errors'], small.properties], ['small', '0', undefined]);
    assert.deepEqual([big['@_name'], big['@_tests'], big['@_errors']], ['big (partial)', '2', '1']);
    assert.deepEqual(big.properties?.property, [
      { '@_name': 'partial', '@_value': 'true' },
      { '@_name': 'partial_reason', '@_value': reason },
    ]);
    const [threshold, completed] = big.testcase ?? [];
    assert.equal(threshold['@_name'], 'hit_rate >= 0.5');
    assert.equal(threshold.error, undefined);
    assert.equal(completed['@_name'], 'run completed');
    assert.equal(completed['@_classname'], 'big');
    assert.equal(completed.error?.['@_type'], 'partial');
    assert.equal(completed.error?.['@_message'], `the run stopped early: ${reason}`);
    assert.match(completed.error?.['#text'] ?? '', /the thresholds above, cover only the requests until then/);
    assert.equal(completed['system-out'], `partial run: ${reason} (the result: ${reason} during run 2 of 2)`);
  });

  it('a matrix that stopped between runs gets a suite of its own saying the rest did not run', () => {
    const doc = parseJunit(
      renderRunJunit({
        schema_version: 1,
        partial: true,
        partial_reason: 'interrupted (SIGTERM) after run 1 of 3',
        scenario: { name: 'x' },
        runs: [runResult({ name: 'first', thresholds })],
      }),
    );
    assert.equal(doc.testsuites['@_errors'], '1');
    const suites = doc.testsuites.testsuite ?? [];
    assert.deepEqual(
      suites.map((suite) => [suite['@_name'], suite['@_errors']]),
      [
        ['first', '0'],
        ['unfinished runs (partial)', '1'],
      ],
    );
    const unfinished = suites[1].testcase?.[0];
    assert.equal(unfinished?.error?.['@_message'], 'the result is partial: interrupted (SIGTERM) after run 1 of 3');
    assert.equal(unfinished?.['system-out'], 'partial result: interrupted (SIGTERM) after run 1 of 3');
  });

  it('a complete result has no error and says nothing of partial', () => {
    const xml = renderRunJunit({ schema_version: 1, scenario: { name: 'x' }, runs: [runResult({ thresholds })] });
    assert.equal(parseJunit(xml).testsuites['@_errors'], '0');
    assert.doesNotMatch(xml, /partial|<error|system-out/);
  });
});

describe('compare --junit', () => {
  const baseline = fixture('report-baseline.result.json');
  const current = fixture('report-current.result.json');
  const rule = (text: string, index: number) => ({ rule: parseCompareRule(text, index), source: 'flag' as const });

  it('one suite per compared run, one case per rule, failures giving actual against allowed', () => {
    const comparison = compareResults({ file: 'base.json', result: baseline }, { file: 'cur.json', result: current }, [
      rule('hit_rate -2%', 0),
      rule('latency.p99 +10%', 1),
    ]);
    const doc = parseJunit(renderComparisonJunit(comparison));
    const suites = doc.testsuites.testsuite ?? [];
    assert.equal(doc.testsuites['@_tests'], '4');
    assert.equal(doc.testsuites['@_failures'], '2', 'the hit rate dropped in both runs');
    assert.deepEqual(
      suites.map((suite) => [suite['@_name'], suite['@_tests'], suite['@_failures']]),
      [
        ['policy=lru', '2', '1'],
        ['policy=fifo', '2', '1'],
      ],
    );
    const failure = suites[0].testcase?.[0].failure;
    assert.equal(failure?.['@_type'], 'compare-rule');
    assert.equal(failure?.['@_message'], 'actual: hit_rate dropped by 6.0% (55.7% → 52.3%); expected: a drop of at most 2%');
    assert.equal(suites[0].testcase?.[1].failure, undefined);
  });

  it("an unpaired run's rules are skipped cases, so every rule shows up", () => {
    const renamed: Result = { ...current, runs: [current.runs[0], { ...current.runs[1], name: 'policy=sieve' }] };
    const comparison = compareResults({ file: 'base.json', result: baseline }, { file: 'cur.json', result: renamed }, [rule('hit_rate -10%', 0)]);
    const doc = parseJunit(renderComparisonJunit(comparison));
    assert.deepEqual(
      (doc.testsuites.testsuite ?? []).map((suite) => [suite['@_name'], suite['@_tests'], suite['@_failures'], suite['@_skipped']]),
      [
        ['policy=lru', '1', '0', '0'],
        ['policy=sieve', '1', '0', '1'],
        ['policy=fifo', '1', '0', '1'],
      ],
    );
    assert.equal(doc.testsuites['@_skipped'], '2');
    const skipped = doc.testsuites.testsuite?.[1].testcase?.[0].skipped;
    assert.equal(skipped?.['@_message'], 'no run named policy=sieve in base.json');
  });
});

describe('--junit from the real binary', () => {
  it('run and compare write JUnit whose failures match the exit code', () => {
    const scenario = join(work, 'junit.yaml');
    writeFileSync(
      scenario,
      'name: junit\nseed: 2\nworkload: { keys: 500, requests: 2k }\ncache: { policy: lru, capacity: 50 }\nthresholds:\n  - hit_rate >= 0.1\n  - hit_rate >= 0.99\n',
    );
    const json = join(work, 'junit.json');
    const runXml = join(work, 'run.xml');
    const r = cachebench(['run', scenario, '--json', json, '--junit', runXml]);
    assert.equal(r.code, 1, r.stderr);
    const runDoc = parseJunit(readFileSync(runXml, 'utf8'));
    assert.equal(runDoc.testsuites['@_tests'], '2');
    assert.equal(runDoc.testsuites['@_failures'], '1');

    const compareXml = join(work, 'compare.xml');
    const c = cachebench(['compare', json, json, '--fail-on', 'hit_rate -0%', '--fail-on', 'latency.p99 +10%', '--junit', compareXml]);
    assert.equal(c.code, 1, 'an untimed run has no latency: that rule is broken');
    const compareDoc = parseJunit(readFileSync(compareXml, 'utf8'));
    assert.equal(compareDoc.testsuites['@_tests'], '2');
    assert.equal(compareDoc.testsuites['@_failures'], '1');
    assert.equal(
      compareDoc.testsuites.testsuite?.[0].testcase?.[1].failure?.['@_message'],
      'actual: latency.p99 has no samples in the baseline or the current run; expected: a rise of at most 10%',
    );
  });
});
