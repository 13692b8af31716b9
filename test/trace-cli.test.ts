import { cachebench, repoRoot } from './support/cachebench-process.js';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';

// The real executable (bin/cachebench.js over dist/, which `npm test` compiles first) on every trace format.
const root = repoRoot;
const fixtures = join(root, 'test', 'fixtures');
const work = mkdtempSync(join(tmpdir(), 'cachebench-trace-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));


function scenario(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

function metrics(stdout: string) {
  return JSON.parse(stdout).runs[0].metrics;
}

describe('cachebench run on every trace format', () => {
  it("oracleGeneral (plain and gzipped) replays to libCacheSim's LRU count, like the CSV", () => {
    copyFileSync(join(fixtures, 'cloudphysics.oracleGeneral.bin'), join(work, 'cp.oracleGeneral.bin'));
    writeFileSync(join(work, 'cp.bin.gz'), gzipSync(readFileSync(join(fixtures, 'cloudphysics.oracleGeneral.bin'))));
    for (const trace of ['cp.oracleGeneral.bin', 'cp.bin.gz']) {
      const file = scenario(`${trace}.yaml`, `workload: { trace: ${trace} }\ncache: { policy: lru, capacity: 1000 }\n`);
      const result = cachebench(['run', file, '--json', '-']);
      assert.equal(result.code, 0, result.stderr);
      const m = metrics(result.stdout);
      assert.deepEqual([m.requests, m.hits], [113_872, 19_049]);
    }
  });

  it('a delimited trace through its column mapping, as the README writes it', () => {
    writeFileSync(join(work, 'x.tsv'), '10\tk1\tignored\t100\n11\tk2\tignored\t200\n12\tk1\tignored\t100\n');
    const file = scenario(
      'delimited.yaml',
      'workload: { trace: x.tsv, format: delimited, delimiter: "\\t", header: false, columns: { time: 0, key: 1, size: 3 }, time_unit: s }\ncache: { policy: lru, capacity: 10 }\n',
    );
    const result = cachebench(['run', file, '--json', '-']);
    assert.equal(result.code, 0, result.stderr);
    const m = metrics(result.stdout);
    assert.deepEqual([m.requests, m.hits, m.byte_hit_rate], [3, 1, 0.25]);
  });

  it('a broken line is exit 2 naming the line; --skip-bad-lines or skip_bad_lines: true skips it', () => {
    writeFileSync(join(work, 'broken.csv'), 'timestamp,key,op\n0,a,get\n1,a,gett\n2,a,get\n');
    const file = scenario('broken.yaml', 'workload: { trace: broken.csv }\ncache: { capacity: 10 }\n');
    const failed = cachebench(['run', file]);
    assert.equal(failed.code, 2);
    assert.match(failed.stderr, /broken\.csv:3: op "gett" is not one of get, set, delete \(line: 1,a,gett\)/);

    const skipped = cachebench(['run', file, '--skip-bad-lines', '--json', '-']);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.deepEqual([metrics(skipped.stdout).requests, metrics(skipped.stdout).hits], [2, 1]);

    const inFile = scenario(
      'broken-skip.yaml',
      'workload: { trace: broken.csv, skip_bad_lines: true }\ncache: { capacity: 10 }\n',
    );
    assert.equal(cachebench(['run', inFile]).code, 0);
  });

  it('a MONITOR log replays its accesses', () => {
    copyFileSync(join(fixtures, 'redis-monitor-sample.txt'), join(work, 'monitor.log'));
    const file = scenario('monitor.yaml', 'workload: { trace: monitor.log }\ncache: { policy: lru, capacity: 100 }\n');
    const result = cachebench(['run', file, '--json', '-']);
    assert.equal(result.code, 0, result.stderr);
    const m = metrics(result.stdout);
    assert.deepEqual([m.requests, m.reads, m.writes, m.deletes], [17, 7, 6, 4]);
  });
});
