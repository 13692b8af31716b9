import { assertNoStack, cachebench, repoRoot } from './support/cachebench-process.js';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

// These run the real executable (bin/cachebench.js over dist/, which `npm test` compiles first).
const root = repoRoot;
const work = mkdtempSync(join(tmpdir(), 'cachebench-cli-'));
const fixtureTrace = join(root, 'test', 'fixtures', 'cloudphysics.csv');


function scenarioFile(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

const SMALL = `name: small
seed: 3
workload:
  keys: 2k
  distribution: { type: zipf, alpha: 1.0 }
  requests: 20k
  rate: 2000/s
  mix: { get: 95%, set: 5% }
database:
  latency: { type: exponential, mean: 5ms }
  max_concurrency: 8
cache:
  policy: lru
  capacity: 200
  ttl: 30s
  latency: 0.2ms
`;


describe('cachebench run (the real binary)', () => {
  it('runs a scenario: summary, verdict, exit 0, no colour codes when piped', () => {
    const r = cachebench(['run', scenarioFile('small.yaml', `${SMALL}thresholds:\n  - hit_rate >= 0.3\n`)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /with cache/);
    assert.match(r.stdout, /no cache/);
    assert.match(r.stdout, /the cache cuts DB reads by \d+%/);
    assert.match(r.stdout, /✓/);
    assert.doesNotMatch(r.stdout, /\x1b\[/);
  });

  it('colours a terminal (FORCE_COLOR) and never with NO_COLOR or --no-color', () => {
    const file = scenarioFile('small.yaml', SMALL);
    assert.match(cachebench(['run', file], { FORCE_COLOR: '1' }).stdout, /\x1b\[/);
    assert.doesNotMatch(cachebench(['run', file], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout, /\x1b\[/);
    assert.doesNotMatch(cachebench(['run', file, '--no-color'], { FORCE_COLOR: '1' }).stdout, /\x1b\[/);
  });

  it('--json - prints only JSON on stdout (integer hits, misses, reads) and the summary on stderr', () => {
    const r = cachebench(['run', scenarioFile('small.yaml', SMALL), '--json', '-']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.schema_version, 1);
    const m = result.runs[0].metrics;
    for (const field of ['hits', 'misses', 'reads']) assert.ok(Number.isInteger(m[field]), field);
    assert.equal(m.hits + m.misses, m.reads);
    assert.equal(result.runs[0].baseline.hits, 0);
    assert.ok(m.latency_ms.p99 > 0);
    assert.ok(result.runs[0].timeseries.length >= 10);
    assert.match(r.stderr, /with cache/);
  });

  it('the same scenario and seed give the same JSON, run after run', () => {
    const file = scenarioFile('small.yaml', SMALL);
    const a = cachebench(['run', file, '--json', '-']);
    const b = cachebench(['run', file, '--json', '-']);
    assert.equal(a.stdout, b.stdout);
  });

  it("DESIGN.md's second contract example with --set gives FIFO at 10,000 entries (libCacheSim's count)", () => {
    const file = scenarioFile('contract2.yaml', `workload:\n  trace: ${fixtureTrace}\ncache:\n  policy: lru\n  capacity: 1000\n`);
    const r = cachebench(['run', file, '--set', 'cache.policy=fifo', '--set', 'cache.capacity=10000', '--json', '-']);
    assert.equal(r.code, 0, r.stderr);
    const run = JSON.parse(r.stdout).runs[0];
    assert.equal(run.metrics.hits, 34662);
    assert.equal(run.metrics.requests, 113872);
    assert.equal(run.metrics.latency_ms, null);
  });

  it("DESIGN.md's first contract example runs as written", () => {
    const r = cachebench(['validate', join(root, 'scenarios', 'product-prices.yaml')]);
    assert.equal(r.code, 0, r.stderr);
  });

  it('a failed threshold is exit 1 with a ✗ table', () => {
    const r = cachebench(['run', scenarioFile('gate.yaml', `${SMALL}thresholds:\n  - hit_rate >= 0.99\n  - latency.p99 < 1s\n`)]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /✗ │ hit_rate >= 0.99/);
    assert.match(r.stdout, /✓ │ latency.p99 < 1s/);
  });

  it('a metric with no samples fails its threshold', () => {
    const file = scenarioFile('nosamples.yaml', `workload:\n  trace: ${fixtureTrace}\ncache: { capacity: 1000 }\nthresholds:\n  - latency.p99 < 10ms\n`);
    const r = cachebench(['run', file]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /no samples/);
  });

  it('a matrix prints one comparison table and writes one JSON entry per run', () => {
    const out = join(work, 'matrix.json');
    const file = scenarioFile(
      'matrix.yaml',
      `workload:\n  trace: ${fixtureTrace}\ncache: { capacity: 1000 }\nmatrix:\n  cache.policy: [lru, fifo, sieve]\n  cache.capacity: [100, 1000]\n`,
    );
    const r = cachebench(['run', file, '--json', out]);
    assert.equal(r.code, 0, r.stderr);
    const runs = JSON.parse(readFileSync(out, 'utf8')).runs;
    assert.equal(runs.length, 6);
    assert.deepEqual(
      runs.map((run: { metrics: { hits: number } }) => run.metrics.hits),
      [13657, 19049, 12377, 18352, 15742, 19897],
    );
    // One compact row per run: its varied parameters as columns, after the baseline's row.
    assert.match(r.stdout, /│ policy\s+│ capacity\s+│ hit rate │/);
    assert.match(r.stdout, /│ no cache │\s+│\s+– │/);
    assert.match(r.stdout, /│ sieve\s+│ 1000\s+│/);
    assert.doesNotMatch(r.stdout, /policy=sieve capacity=1000/);
  });

  it('every example scenario in scenarios/ is valid', () => {
    const files = readdirSync(join(root, 'scenarios'), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.yaml'));
    assert.ok(files.length >= 15);
    for (const name of files) {
      const r = cachebench(['validate', join(root, 'scenarios', name)]);
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    }
  });

  it("the README's quickstart output is what the quickstart prints", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const start = readme.indexOf('```\nquickstart\n') + 4;
    const block = readme.slice(start, readme.indexOf('```', start)).trim();
    const r = cachebench(['run', join(root, 'scenarios', 'quickstart.yaml'), '--no-color']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), block);
  });

  it('the example scenarios report what the README says', () => {
    const quickstart = JSON.parse(cachebench(['run', join(root, 'scenarios', 'quickstart.yaml'), '--json', '-']).stdout).runs[0];
    assert.equal(quickstart.metrics.requests, 599_407);
    assert.ok(quickstart.thresholds.every((t: { pass: boolean }) => t.pass));
    const staleness = cachebench(['run', join(root, 'scenarios', 'write-staleness.yaml'), '--json', '-']);
    assert.equal(staleness.code, 1);
    const passes = JSON.parse(staleness.stdout).runs.map((run: { thresholds: { pass: boolean }[] }) => run.thresholds[0].pass);
    assert.deepEqual(passes, [false, true, true]); // ttl-only, delete, update
  });

  it('validate checks without running', () => {
    const r = cachebench(['validate', scenarioFile('small.yaml', SMALL)]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /valid/);
  });

  it('validate rejects every trace run rejects before running (missing, empty, a folder, only a header), with the same message', () => {
    const dir = mkdtempSync(join(work, 'validate-traces-'));
    writeFileSync(join(dir, 'empty.csv'), '');
    writeFileSync(join(dir, 'header.csv'), 'timestamp,key,op,size\n');
    mkdirSync(join(dir, 'folder.csv'));
    writeFileSync(join(dir, 'good.csv'), 'timestamp,key,op,size\n0,a,get,1\n');
    for (const trace of ['missing.csv', 'empty.csv', 'folder.csv', 'header.csv']) {
      // A matrix whose second run reads the bad trace: it fails before the first run, too.
      const scenario = join(dir, `${trace}.yaml`);
      writeFileSync(scenario, `workload:\n  trace: good.csv\ncache: { capacity: 10 }\nmatrix:\n  workload.trace: [good.csv, ${trace}]\n`);
      const validated = cachebench(['validate', scenario]);
      const ran = cachebench(['run', scenario]);
      assert.equal(validated.code, 2, `${trace}: ${validated.stdout}`);
      assert.equal(ran.code, 2, trace);
      assert.match(validated.stderr, new RegExp(trace.replace('.', '\\.')));
      assert.equal(validated.stderr, ran.stderr, trace);
      assert.equal(ran.stdout, '', `${trace}: no run started`);
      assertNoStack(validated.stderr);
    }
  });
});

describe('bad input: exit 2, a message naming the place, no stack trace', () => {
  const cases: { name: string; file?: string; text?: string; args?: string[]; expect: RegExp[] }[] = [
    { name: 'malformed YAML', text: 'workload:\n  keys: 10\n   requests: [\n', expect: [/bad\.yaml:\d+/] },
    { name: 'wrong type', text: SMALL.replace('requests: 20k', 'requests: lots'), expect: [/bad\.yaml:6:\d+/, /workload\.requests/] },
    { name: 'zero capacity', text: SMALL.replace('capacity: 200', 'capacity: 0'), expect: [/cache\.capacity/] },
    { name: 'negative capacity', text: SMALL.replace('capacity: 200', 'capacity: -5'), expect: [/cache\.capacity/, /-5/] },
    { name: 'unknown policy', text: SMALL.replace('policy: lru', 'policy: lruu'), expect: [/cache\.policy/, /lru/] },
    { name: 'unknown field', text: SMALL.replace('policy: lru', 'polcy: lru'), expect: [/cache\.polcy/, /did you mean `policy`/] },
    { name: 'wrong unit', text: SMALL.replace('ttl: 30s', 'ttl: 30kg'), expect: [/cache\.ttl/] },
    { name: 'unknown threshold metric', text: `${SMALL}thresholds:\n  - hit_ratio >= 0.5\n`, expect: [/thresholds\[0\]/, /hit_rate/] },
    { name: 'threshold value of the wrong kind', text: `${SMALL}thresholds:\n  - hit_rate < 20ms\n`, expect: [/thresholds\[0\]/] },
    { name: 'missing scenario file', file: join(work, 'nope.yaml'), expect: [/nope\.yaml/] },
    { name: 'missing trace file', text: 'workload:\n  trace: missing.csv\ncache: { capacity: 10 }\n', expect: [/missing\.csv/] },
    { name: 'unknown --set path', text: SMALL, args: ['--set', 'cache.capacty=5'], expect: [/cache\.capacty/, /capacity/] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const file = c.file ?? scenarioFile('bad.yaml', c.text ?? '');
      const r = cachebench(['run', file, ...(c.args ?? [])]);
      assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
      for (const pattern of c.expect) assert.match(r.stderr, pattern);
      assertNoStack(r.stderr);
    });
  }

  it('a broken trace line: its number and its text', () => {
    const lines = ['timestamp,key,op,size'];
    for (let i = 0; i < 100; i++) lines.push(`${i},k${i % 7},get,10`);
    lines.push('100,k1,fetch,10');
    writeFileSync(join(work, 'broken.csv'), `${lines.join('\n')}\n`);
    const r = cachebench(['run', scenarioFile('broken.yaml', 'workload:\n  trace: broken.csv\ncache: { capacity: 10 }\n')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /broken\.csv:102/);
    assert.match(r.stderr, /fetch/);
    assertNoStack(r.stderr);
  });

  it('an empty trace', () => {
    writeFileSync(join(work, 'empty.csv'), 'timestamp,key,op,size\n');
    const r = cachebench(['run', scenarioFile('empty.yaml', 'workload:\n  trace: empty.csv\ncache: { capacity: 10 }\n')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /empty\.csv/);
    assert.match(r.stderr, /empty|no requests/i);
  });

  it('an unwritable --json path fails before the run', () => {
    const r = cachebench(['run', scenarioFile('small.yaml', SMALL), '--json', join(work, 'no', 'such', 'dir', 'out.json')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--json/);
  });

  it('an unknown command or flag', () => {
    assert.equal(cachebench(['runn', 'x.yaml']).code, 2);
    assert.equal(cachebench(['run', scenarioFile('small.yaml', SMALL), '--jsn', '-']).code, 2);
  });
});
