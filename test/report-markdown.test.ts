import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { codeSpan, markdownTable, markdownText } from '../src/report/markdown-text.js';
import { renderRunMarkdown } from '../src/report/run-markdown.js';
import type { Result } from '../src/result/run-result.js';
import { cachebench, repoRoot } from './support/cachebench-process.js';
import { runResult } from './support/run-metrics.js';

/*
 * Snapshots: the expected Markdown is committed under test/fixtures/ and compared exactly. The results it is
 * rendered from come from deterministic runs of test/fixtures/report-scenario.yaml (commands at its top).
 * After a deliberate change to the Markdown, regenerate the expected files and review their diff:
 *   node bin/cachebench.js compare test/fixtures/report-baseline.result.json test/fixtures/report-current.result.json --markdown test/fixtures/report-compare.md
 *   node --import tsx -e "import('./src/report/run-markdown.ts').then(({ renderRunMarkdown }) => { const fs = require('node:fs'); fs.writeFileSync('test/fixtures/report-run.md', renderRunMarkdown(JSON.parse(fs.readFileSync('test/fixtures/report-current.result.json', 'utf8')))); })"
 */
const fixtures = join(repoRoot, 'test', 'fixtures');
const work = mkdtempSync(join(tmpdir(), 'cachebench-markdown-'));
const readFixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');

describe('Markdown summaries (snapshots)', () => {
  it('run --markdown of a matrix: gate line, overview, key metrics with and without cache, thresholds ✓/✗', () => {
    const result: Result = JSON.parse(readFixture('report-current.result.json'));
    assert.equal(renderRunMarkdown(result), readFixture('report-run.md'));
  });

  it('compare --markdown from the real binary: gate line, rules ✓/✗, key changes, every metric folded', () => {
    const out = join(work, 'compare.md');
    const r = cachebench([
      'compare',
      'test/fixtures/report-baseline.result.json',
      'test/fixtures/report-current.result.json',
      '--markdown',
      out,
    ]);
    assert.equal(r.code, 1, 'the scenario\'s rule "hit_rate -2%" is broken in both runs');
    assert.equal(readFileSync(out, 'utf8'), readFixture('report-compare.md'));
  });
});

describe('run --markdown from the real binary', () => {
  it('writes what the renderer makes of the JSON result of the same run', () => {
    const scenario = join(work, 'one.yaml');
    writeFileSync(
      scenario,
      'name: one\nseed: 4\nworkload: { keys: 1k, requests: 2k, rate: 1000/s }\ncache: { policy: lru, capacity: 100 }\nthresholds:\n  - hit_rate >= 0.2\n',
    );
    const json = join(work, 'one.json');
    const markdown = join(work, 'one.md');
    const r = cachebench(['run', scenario, '--json', json, '--markdown', markdown]);
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(markdown, 'utf8');
    assert.equal(text, renderRunMarkdown(JSON.parse(readFileSync(json, 'utf8'))));
    // A single run is titled by its scenario alone, with no run heading.
    assert.match(text, /^## cachebench: one\n\n✓ \*\*all 1 threshold passed\*\*\n\n\| metric \| with cache \| no cache \|/);
    assert.doesNotMatch(text, /^### /m);
    assert.match(text, /\| ✓ \| `hit_rate >= 0\.2` \| \d+\.\d% \|/);
  });
});

describe('Markdown text', () => {
  it('escapes punctuation and keeps user text on one line', () => {
    assert.equal(markdownText('a|b *c* _d_ <e> [f](g) `h` #i \\j'), 'a\\|b \\*c\\* \\_d\\_ \\<e\\> \\[f\\](g) \\`h\\` \\#i \\\\j');
    assert.equal(markdownText('one\ntwo\r\n three'), 'one two three');
  });

  it('code spans keep text literal: a longer fence around backticks, pipes escaped for tables', () => {
    assert.equal(codeSpan('latency.p99 < 5ms'), '`latency.p99 < 5ms`');
    assert.equal(codeSpan('a`b'), '``a`b``');
    assert.equal(codeSpan('`x`'), '`` `x` ``');
    assert.equal(codeSpan('a|b'), '`a\\|b`');
  });

  it('a run name with pipes and newlines cannot break a table (the newline shows as \\n)', () => {
    const name = 'policy=a|b\nnext';
    const result: Result = {
      schema_version: 1,
      scenario: { name: 'x' },
      runs: [runResult({ name, thresholds: [] }), runResult({ name: 'plain', thresholds: [{ expr: 'hit_rate >= 0.5', actual: 0.9, pass: true }] })],
    };
    const text = renderRunMarkdown(result);
    assert.match(text, /^✓ \*\*all 1 threshold passed\*\* over 2 runs$/m);
    assert.match(text, /^### policy=a\\\|b\\\\nnext$/m);
    const row = text.split('\n').find((line) => line.startsWith('| policy=a'));
    assert.equal(row, '| policy=a\\|b\\\\nnext | 91.2% | 2.1 ms | 657/s | 1,234/s | 0.3% | 1 MB | 1,000 | – |');
    const columns = (line: string) => line.split(/(?<!\\)\|/).length;
    assert.equal(columns(row ?? ''), columns('| run | hit rate | p99 | DB qps | DB peak | stale rate | peak bytes | peak entries | thresholds |'));
    assert.equal(markdownTable(['a', 'b'], ['left', 'right'], [['1', '2']]), '| a | b |\n| :-- | --: |\n| 1 | 2 |');
  });

  it('says so when there are no thresholds', () => {
    const text = renderRunMarkdown({ schema_version: 1, scenario: { name: 'bare' }, runs: [runResult({ name: 'bare' })] });
    assert.match(text, /^## cachebench: bare\n\nNo thresholds\.\n/);
  });
});

describe('a partial result in Markdown', () => {
  it('says so, with the reason, on the result and on the run that stopped', () => {
    const run = { ...runResult(), name: 'big', partial: true as const, partial_reason: 'interrupted (SIGINT) after 4,096 requests' };
    const text = renderRunMarkdown({ schema_version: 1, partial: true, partial_reason: 'interrupted (SIGINT) after 4,096 requests during run 2 of 2', scenario: { name: 'x' }, runs: [runResult(), run] });
    assert.match(text, /⚠ \*\*partial result\*\*: interrupted \(SIGINT\) after 4,096 requests during run 2 of 2\n/);
    assert.match(text, /### big\n\n⚠ partial: interrupted \(SIGINT\) after 4,096 requests\n/);
    assert.doesNotMatch(renderRunMarkdown({ schema_version: 1, scenario: { name: 'x' }, runs: [runResult()] }), /partial/);
  });
});
