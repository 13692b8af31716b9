import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { run } from '../src/api/run.js';
import type { RunResult } from '../src/result/run-result.js';
import { renderRunJunit } from '../src/report/junit-report.js';
import { renderRunMarkdown } from '../src/report/run-markdown.js';
import { loadChartLibrary } from '../src/report/html/chart-library.js';
import { renderRunReportHtml } from '../src/report/html/run-report.js';
import { renderHuman } from '../src/cli/commands/run-command.js';
import { cachebench } from './support/cachebench-process.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachebench-approximate-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * A Zipf(0.8) workload over 100,000 keys with 5% sets. Which of the hottest keys a sample holds moves a
 * small miniature's estimate by a few points: a quarter of the keys keeps it within 0.02 here.
 */
const zipf = { keys: 100_000, distribution: { type: 'zipf', alpha: 0.8 }, requests: 400_000, mix: { get: 0.95, set: 0.05 } };
const capacities = [200, 2000, 10_000, 40_000];

function byParams(runs: RunResult[]): Map<string, RunResult> {
  return new Map(runs.map((r) => [JSON.stringify(r.params), r]));
}

describe('run --approximate: a capacity sweep by miniature simulation', () => {
  it('is the exact sweep when every key is sampled (rate 1), and says it was estimated', async () => {
    const scenario = { seed: 3, workload: { ...zipf, requests: 60_000 }, cache: { policy: 'lru', capacity: 100 }, matrix: { 'cache.capacity': [1000, 5000], 'cache.policy': ['lru', 's3fifo'] } };
    const exact = await run(scenario, { threads: 1 });
    const approximate = await run(scenario, { threads: 1, approximate: 1 });
    const exactRuns = byParams(exact.runs);
    for (const r of approximate.runs) {
      const e = exactRuns.get(JSON.stringify(r.params))!;
      assert.deepEqual(r.approximate, { method: 'miniature-simulation', sample_rate: 1, scaled_capacity: r.params['cache.capacity'] });
      assert.equal(r.metrics.hits, e.metrics.hits, r.name);
      assert.equal(r.metrics.db.reads, e.metrics.db.reads, r.name);
      assert.equal(r.metrics.byte_hit_rate, e.metrics.byte_hit_rate, r.name);
      assert.equal(r.metrics.cache?.evictions, e.metrics.cache?.evictions, r.name);
      assert.equal(r.metrics.reads, e.metrics.reads);
      assert.equal(r.metrics.offload, e.metrics.offload);
      assert.equal(e.approximate, undefined, 'an exact run carries no approximate mark');
    }
  });

  it('estimates each policy and capacity within 0.02 of the exact hit rate at 25% of keys, the workload counted exactly', async () => {
    const scenario = { seed: 11, workload: zipf, cache: { policy: 'lru', capacity: 100 }, matrix: { 'cache.capacity': capacities, 'cache.policy': ['lru', 'fifo', 's3fifo', 'arc'] } };
    const exact = byParams((await run(scenario, { threads: 1 })).runs);
    const approximate = await run(scenario, { threads: 2, approximate: 0.25 });
    for (const r of approximate.runs) {
      const e = exact.get(JSON.stringify(r.params))!;
      assert.equal(r.metrics.requests, e.metrics.requests);
      assert.equal(r.metrics.reads, e.metrics.reads);
      assert.equal(r.metrics.writes, e.metrics.writes);
      assert.equal(r.metrics.db.writes, e.metrics.db.writes);
      assert.equal(r.metrics.hits + r.metrics.misses, r.metrics.reads);
      assert.equal(r.metrics.db.reads, r.metrics.misses);
      assert.ok(Math.abs(r.metrics.hit_rate! - e.metrics.hit_rate!) <= 0.02, `${r.name}: ≈${r.metrics.hit_rate} vs ${e.metrics.hit_rate}`);
      assert.ok(Math.abs(r.metrics.byte_hit_rate! - e.metrics.byte_hit_rate!) <= 0.02, `${r.name}: bytes`);
      // Small caches sample more keys, to keep 100 entries; the others the asked 25%.
      const capacity = r.params['cache.capacity'] as number;
      assert.equal(r.approximate!.sample_rate, Math.max(0.25, 100 / capacity));
      assert.equal(r.approximate!.scaled_capacity, Math.round(capacity * r.approximate!.sample_rate));
      assert.equal(r.timeseries.length, 0, 'no time series: it would need every request');
      const peak = r.metrics.cache!.peak_entries;
      assert.ok(peak <= capacity * 1.05 && peak >= capacity * 0.9, `${r.name}: peak entries scaled back up (${peak})`);
    }
  });

  it('counts the reads no cache can hit (first reads) exactly: a workload of first reads has a hit rate of 0', async () => {
    const lines = ['timestamp,key,op,size'];
    for (let i = 0; i < 20_000; i++) lines.push(`${i},k${i},get,100`);
    const trace = path.join(dir, 'once.csv');
    fs.writeFileSync(trace, `${lines.join('\n')}\n`);
    const result = await run({ workload: { trace }, cache: { policy: 'lru', capacity: 100 }, matrix: { 'cache.capacity': [1000, 5000] } }, { approximate: 0.01 });
    for (const r of result.runs) {
      assert.equal(r.metrics.hits, 0);
      assert.equal(r.metrics.db.reads, 20_000);
    }
  });

  it('marks every output: thresholds, the matrix table and its legend, Markdown, JUnit', async () => {
    const scenario = {
      seed: 5,
      workload: { ...zipf, requests: 50_000 },
      cache: { policy: 'lru', capacity: 100 },
      matrix: { 'cache.capacity': [2000, 20_000] },
      thresholds: ['hit_rate >= 0.99'],
    };
    const result = await run(scenario, { approximate: 0.05 });
    for (const r of result.runs) {
      assert.equal(r.thresholds.length, 1);
      assert.match(r.thresholds[0].approximate!, /^miniature simulation, 5% of keys$/);
      assert.equal(r.thresholds[0].pass, false);
    }
    const human = renderHuman(result.runs, false);
    assert.match(human, /≈ \d+\.\d%/, 'hit rates marked in the table');
    assert.match(human, /≈: approximate, by miniature simulation \(5\.0% of keys sampled/);
    const markdown = renderRunMarkdown(result);
    assert.match(markdown, /≈: approximate, by miniature simulation/);
    assert.match(markdown, /≈ approximate: miniature simulation, 5\.0% of keys sampled, the cache scaled to 1,000 of 20,000/);
    const html = renderRunReportHtml(result, loadChartLibrary());
    assert.match(html, /<td>≈ \d+\.\d%<\/td>/, 'hit rates marked in the HTML matrix table');
    assert.match(html, /<p class="note">≈: approximate, by miniature simulation/);
    assert.match(html, /<p class="note">≈ approximate: miniature simulation, 5\.0% of keys sampled/);
    assert.match(html, /≈ \d+\.\d+% \(miniature simulation, 5% of keys\)/, 'thresholds marked');
    const junit = renderRunJunit(result);
    assert.match(junit, /actual: ≈ \d+\.\d+% \(miniature simulation, 5% of keys\)/);
  });

  it('is refused (exit 2) where it does not apply, saying why', () => {
    const write = (name: string, text: string) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      return file;
    };
    const untimed = 'workload:\n  keys: 1000\n  requests: 1000\ncache:\n  policy: lru\n  capacity: 100\n';
    const cases: [string, string[], RegExp][] = [
      [write('single.yaml', untimed), ['--approximate', '0.01'], /the run is all at capacity 100 entries: sweep the capacity, e\.g\. matrix: \{ cache\.capacity: \[1k, 10k, 100k\] \}/],
      [write('policies.yaml', `${untimed}matrix:\n  cache.policy: [lru, fifo]\n`), ['--approximate', '0.01'], /the runs are all at capacity 100 entries/],
      [
        write('timed.yaml', 'workload:\n  keys: 1000\n  requests: 1000\n  rate: 1000/s\ncache:\n  policy: lru\n  capacity: 100\nmatrix:\n  cache.capacity: [10, 100]\n'),
        ['--approximate', '0.01'],
        /is timed \(workload\.arrival: poisson; arrival: none replays without timing\)/,
      ],
      [write('sweep.yaml', `${untimed}matrix:\n  cache.capacity: [10, 100]\n`), ['--approximate', '2'], /--approximate: 2 is not a sampling rate; give the share of keys to sample, above 0 and at most 1, e\.g\. --approximate 0\.01/],
      [write('sweep2.yaml', `${untimed}matrix:\n  cache.capacity: [10, 100]\n`), ['--approximate', 'lots'], /--approximate: lots is not a sampling rate/],
    ];
    for (const [file, args, message] of cases) {
      const { code, stderr } = cachebench(['run', file, ...args]);
      assert.equal(code, 2, `${path.basename(file)}: ${stderr}`);
      assert.match(stderr, message, path.basename(file));
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    }
    // And where it applies, the command line runs it: every run's JSON says how it was estimated.
    const { code, stdout, stderr } = cachebench(['run', path.join(dir, 'sweep.yaml'), '--approximate', '0.5', '--json', '-']);
    assert.equal(code, 0, stderr);
    const runs = JSON.parse(stdout).runs as RunResult[];
    assert.deepEqual(
      runs.map((r) => r.approximate),
      [
        { method: 'miniature-simulation', sample_rate: 1, scaled_capacity: 10 },
        { method: 'miniature-simulation', sample_rate: 1, scaled_capacity: 100 },
      ],
    );
    assert.match(stderr, /≈: approximate, by miniature simulation \(100\.0% of keys sampled/);
  });
});
