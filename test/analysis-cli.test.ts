import { assertNoStack, cachebench, repoRoot } from './support/cachebench-process.js';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

// These run the real executable (bin/cachebench.js over dist/, which `npm test` compiles first).
const _root = repoRoot;
const work = mkdtempSync(join(tmpdir(), 'cachebench-analyze-'));
const fixture = 'test/fixtures/cloudphysics.csv';


function file(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}


describe('cachebench analyze (the real binary)', () => {
  it('--json - prints the analysis alone on stdout, with the golden Belady counts, the report on stderr', () => {
    const r = cachebench(['analyze', fixture, '--json', '-', '--sizes', '100,1k,5k,10k,25k', '--policies', 'lru,fifo']);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.equal(json.schema_version, 1);
    assert.equal(json.stats.requests, 113872);
    assert.equal(json.stats.distinct_keys, 48974);
    assert.equal(json.mrc.method, 'exact');
    const hits = (policy: string) =>
      json.simulated.filter((p: { policy: string }) => p.policy === policy).map((p: { hits: number }) => p.hits);
    assert.deepEqual(hits('belady'), [19862, 26847, 42561, 52029, 64898]);
    assert.deepEqual(hits('lru'), [13657, 19049, 22345, 34434, 43040]);
    assert.deepEqual(hits('fifo'), [12377, 18352, 22291, 34662, 41735]);
    assert.match(r.stderr, /miss-ratio curve \(exact LRU\)/);
    assert.match(r.stderr, /low reuse \/ personalised/);
  });

  it('writes --json to a file and prints the report on stdout: plain ASCII, no colour, when piped', () => {
    const out = join(work, 'analysis.json');
    const r = cachebench(['analyze', fixture, '--json', out, '--no-belady']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).schema_version, 1);
    assert.doesNotMatch(r.stdout, /\x1b\[/);
    assert.doesNotMatch(r.stdout, /[█▁▂▃▄▅▆▇]/);
    assert.match(r.stdout, /100% \|/);
  });

  it('FORCE_COLOR draws the chart in Unicode blocks; NO_COLOR keeps it ASCII', () => {
    const forced = cachebench(['analyze', fixture, '--no-belady'], { FORCE_COLOR: '1' });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /█/);
    const plain = cachebench(['analyze', fixture, '--no-belady'], { FORCE_COLOR: '1', NO_COLOR: '1' });
    assert.doesNotMatch(plain.stdout, /█|\x1b\[/);
  });

  it('SHARDS by rate or by size, and the verdict options', () => {
    const byRate = JSON.parse(cachebench(['analyze', fixture, '--sample-rate', '10%', '--json', '-']).stdout);
    assert.equal(byRate.mrc.method, 'shards-fixed-rate');
    assert.equal(byRate.mrc.sample_rate, 0.1);
    const bySize = JSON.parse(cachebench(['analyze', fixture, '--sample-size', '4k', '--json', '-']).stdout);
    assert.equal(bySize.mrc.method, 'shards-fixed-size');
    const r = cachebench(['analyze', fixture, '--target-hit-rate', '0.3', '--db-latency', '10ms', '--json', '-']);
    const verdict = JSON.parse(r.stdout).verdict;
    assert.equal(verdict.target_hit_rate, 0.3);
    assert.ok(verdict.smallest_cache.entries > 5000 && verdict.smallest_cache.entries < 25000);
    assert.ok(verdict.smallest_cache.bytes > 0);
    assert.equal(verdict.expected.db_latency_ms, 10);
  });

  it('exit 2 for a missing trace, a broken trace and bad flags — a message, never a stack trace', () => {
    const cases: [string[], RegExp][] = [
      [['analyze', join(work, 'missing.csv')], /not found/],
      [['analyze', file('broken.csv', 'timestamp,key,op\n1,a,get\n2,b,frobnicate\n')], /broken\.csv:3/],
      [['analyze', file('empty.csv', '')], /empty/],
      [['analyze', fixture, '--sample-rate', '2'], /--sample-rate/],
      [['analyze', fixture, '--exact', '--sample-size', '8k'], /--exact and --sample-size/],
      [['analyze', fixture, '--sizes', '10q'], /--sizes/],
      [['analyze', fixture, '--policies', 'lruu'], /did you mean "lru"/],
      [['analyze', fixture, '--target-hit-rate', '0'], /--target-hit-rate/],
      [['analyze', fixture, '--db-latency', '5'], /--db-latency/],
      [['analyze', fixture, '--json', join(work, 'no-such-dir', 'x.json')], /--json/],
    ];
    for (const [args, message] of cases) {
      const r = cachebench(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assertNoStack(r.stderr);
    }
  });

  it('--help states the latency and DB-load formulas', () => {
    const r = cachebench(['analyze', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /mean read latency = h·cache \+ \(1−h\)·\(cache \+ db\)/);
    assert.match(r.stdout, /DB reads\/s += \(1−h\) ×/);
  });
});
