import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assertNoStack, cachebench, repoRoot } from './support/cachebench-process.js';
import { embeddedCharts } from './support/html-report.js';

// The real executable (bin/cachebench.js over dist/, which `npm test` compiles first).
const work = mkdtempSync(join(tmpdir(), 'cachebench-html-cli-'));
const trace = join(repoRoot, 'test', 'fixtures', 'cloudphysics.csv');

const MATRIX = `name: html-matrix
seed: 7
workload:
  keys: 1k
  distribution: { type: zipf, alpha: 1.0 }
  requests: 5k
  rate: 1000/s
  mix: { get: 95%, set: 5% }
database:
  latency: { type: exponential, mean: 4ms }
  max_concurrency: 8
cache:
  policy: lru
  capacity: 100
  latency: 0.2ms
matrix:
  cache.capacity: [50, 200]
thresholds:
  - hit_rate >= 0.99
`;

/** The ids of a report's charts, from its embedded JSON. */
function chartIds(html: string): string[] {
  return embeddedCharts(html).map((chart) => chart.id);
}

describe('--html (the real binary)', () => {
  it('run --html writes the report of every run of a matrix, beside the exit code of the gate', () => {
    const scenario = join(work, 'matrix.yaml');
    writeFileSync(scenario, MATRIX);
    const report = join(work, 'matrix.html');
    const r = cachebench(['run', scenario, '--html', report]);
    assert.equal(r.code, 1, r.stderr); // the threshold fails: the report is still written
    const html = readFileSync(report, 'utf8');
    assert.match(html, /<title>cachebench: html-matrix<\/title>/);
    assert.match(html, /<h2>Matrix: 2 runs<\/h2>/);
    const ids = chartIds(html);
    assert.ok(ids.includes('matrix-hit-rate') && ids.includes('run-1-latency-distribution'), ids.join(' '));
  });

  it('analyze --html writes the miss-ratio curve report', () => {
    const report = join(work, 'analysis.html');
    const r = cachebench(['analyze', trace, '--sizes', '1k', '--no-belady', '--html', report]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(chartIds(readFileSync(report, 'utf8')), ['mrc-entries', 'mrc-bytes', 'working-set']);
  });

  it('a path that cannot be written is exit 2 naming it, before anything runs', () => {
    const scenario = join(work, 'matrix.yaml');
    writeFileSync(scenario, MATRIX);
    const bad = join(work, 'no-such-dir', 'report.html');
    for (const args of [['run', scenario, '--html', bad], ['analyze', trace, '--html', bad]]) {
      const r = cachebench(args);
      assert.equal(r.code, 2, args[0]);
      assert.equal(r.stderr, `cachebench: --html ${bad}: cannot write there (ENOENT)\n`);
      assert.equal(r.stdout, '', 'nothing ran');
      assertNoStack(r.stderr);
    }
    assert.equal(existsSync(bad), false);
  });

  it('--html - is refused: the report is a file', () => {
    const r = cachebench(['analyze', trace, '--html', '-']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--html: give a file name/);
  });
});
