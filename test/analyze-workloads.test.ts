import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Result } from '../src/result/run-result.js';
import { assertNoStack, cachebench } from './support/cachebench-process.js';

// `analyze` on any workload: a delimited trace through the same column options a scenario's workload has,
// a scenario's workload itself (--scenario), and a generated workload exported by `run --trace-out`.

const work = mkdtempSync(join(tmpdir(), 'cachebench-analyze-workloads-'));
function file(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

interface Analysis {
  stats: { requests: number; reads: number; sets: number; deletes: number; distinct_keys: number; op_mix: Record<string, number> };
  mrc: { method: string; points: { size: number; hit_rate: number }[] };
  simulated: { policy: string; size: number; reads: number; hits: number; hit_rate: number }[];
}
function analysis(args: string[]): Analysis {
  const r = cachebench(['analyze', ...args, '--json', '-']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Analysis;
}

const GET_ONLY = `name: generated
seed: 3
workload: { keys: 5k, requests: 50k, distribution: { type: zipf, alpha: 0.9 } }
cache: { policy: lru, capacity: 500 }
`;

describe('run --trace-out, then analyze', () => {
  it('the exported trace has every request of the run, and its curve agrees with the simulation’s hit rate', () => {
    const scenario = file('generated.yaml', GET_ONLY);
    const trace = join(work, 'generated.csv');
    const json = join(work, 'generated.json');
    const r = cachebench(['run', scenario, '--trace-out', trace, '--json', json]);
    assert.equal(r.code, 0, r.stderr);
    const lines = readFileSync(trace, 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], 'timestamp,key,op,size,ttl');
    const run = (JSON.parse(readFileSync(json, 'utf8')) as Result).runs[0];
    assert.equal(lines.length - 1, run.metrics.requests);

    const a = analysis([trace, '--sizes', '500', '--policies', 'lru']);
    assert.equal(a.stats.requests, run.metrics.requests);
    assert.equal(a.stats.reads, run.metrics.reads);
    // An LRU of 500 entries replayed over the trace hits exactly as the run's LRU of 500 did.
    const lru = a.simulated.find((p) => p.policy === 'lru');
    assert.equal(lru?.hits, run.metrics.hits);
    // And the exact LRU curve brackets that hit rate between its points either side of 500 entries.
    const below = a.mrc.points.filter((p) => p.size <= 500).at(-1)!;
    const above = a.mrc.points.find((p) => p.size >= 500)!;
    assert.ok(below.hit_rate <= run.metrics.hit_rate! && run.metrics.hit_rate! <= above.hit_rate, `${below.size}: ${below.hit_rate}, ${above.size}: ${above.hit_rate}, run ${run.metrics.hit_rate}`);
  });

  it('a timed workload with writes: the same requests, in time order; --scenario analyzes the same stream without the file', () => {
    const scenario = file(
      'timed.yaml',
      'seed: 8\nworkload: { keys: 2k, requests: 20k, rate: 2000/s, mix: { get: 90%, set: 8%, delete: 2% }, value_size: { type: lognormal, p50: 1KB, p99: 8KB } }\ncache: { capacity: 64KB }\n',
    );
    const trace = join(work, 'timed.csv');
    const json = join(work, 'timed.json');
    assert.equal(cachebench(['run', scenario, '--trace-out', trace, '--json', json]).code, 0);
    const rows = readFileSync(trace, 'utf8').trimEnd().split('\n').slice(1).map((line) => line.split(','));
    assert.equal(rows.length, 20_000);
    assert.ok(rows.every((row, i) => i === 0 || Number(row[0]) >= Number(rows[i - 1][0])), 'timestamps in order');
    assert.ok(rows.some((row) => row[2] === 'delete') && rows.some((row) => row[2] === 'set'));
    const run = (JSON.parse(readFileSync(json, 'utf8')) as Result).runs[0];
    const fromFile = analysis([trace]);
    const fromScenario = analysis(['--scenario', scenario]);
    assert.equal(fromFile.stats.requests, run.metrics.requests);
    assert.equal(fromFile.stats.reads, run.metrics.reads);
    assert.equal(fromFile.stats.sets + fromFile.stats.deletes, run.metrics.writes + run.metrics.deletes);
    // The same requests, keys and sizes (the file's timestamps are rounded to the microsecond, so times are left out).
    const counted = (stats: Analysis['stats']) => {
      const all = stats as unknown as Record<string, unknown>;
      return Object.fromEntries(['requests', 'reads', 'sets', 'deletes', 'distinct_keys', 'op_mix', 'one_hit_wonders', 'reuse_distance', 'object_sizes'].map((field) => [field, all[field]]));
    };
    assert.deepEqual(counted(fromScenario.stats), counted(fromFile.stats));
    assert.ok(counted(fromFile.stats).reuse_distance !== undefined && counted(fromFile.stats).object_sizes !== undefined);
    assert.deepEqual(fromScenario.mrc, fromFile.mrc);
  });

  it('refuses a matrix whose runs replay different workloads, and never overwrites the scenario', () => {
    const swept = file('swept.yaml', `${GET_ONLY}matrix:\n  workload.keys: [1k, 2k]\n`);
    const r = cachebench(['run', swept, '--trace-out', join(work, 'swept.csv')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--trace-out: the runs keys=1k and keys=2k replay different workloads/);
    assertNoStack(r.stderr);
    const own = cachebench(['run', swept, '--trace-out', swept]);
    assert.equal(own.code, 2);
    assert.equal(readFileSync(swept, 'utf8'), `${GET_ONLY}matrix:\n  workload.keys: [1k, 2k]\n`);
    // A matrix over the cache alone replays one workload: exported once.
    const caches = file('caches.yaml', `${GET_ONLY}matrix:\n  cache.capacity: [100, 500]\n`);
    const out = join(work, 'caches.csv');
    assert.equal(cachebench(['run', caches, '--trace-out', out]).code, 0);
    assert.equal(readFileSync(out, 'utf8').trimEnd().split('\n').length, 50_001);
  });
});

describe('analyze with the trace options of a workload', () => {
  const tsv = 'test/fixtures/delimited-sample.tsv';

  it('--columns, --delimiter, --header, --time-unit and --ops read a delimited trace as workload.columns would', () => {
    const a = analysis([tsv, '--columns', 'time=0,key=1,op=2,size=3', '--delimiter', 'tab', '--header', '--time-unit', 's', '--ops', 'read=get,write=set,remove=delete']);
    assert.equal(a.stats.requests, 4);
    assert.deepEqual(a.stats.op_mix, { get: 0.5, set: 0.25, delete: 0.25 });
    assert.equal(a.stats.distinct_keys, 3);
    // Header names work as in a scenario (a named column implies the header line).
    const named = analysis([tsv, '--columns', 'time=time,key=object,op=op,size=bytes', '--delimiter', '\\t', '--time-unit', 's', '--ops', 'read=get,write=set,remove=delete']);
    assert.deepEqual(named.stats, a.stats);
  });

  it('--scenario reads a scenario’s trace with its format and columns', () => {
    const scenario = file(
      'tsv.yaml',
      `workload:\n  trace: ${join(process.cwd(), tsv)}\n  format: delimited\n  delimiter: "\\t"\n  header: true\n  columns: { time: 0, key: 1, op: 2, size: 3 }\n  time_unit: s\n  ops: { read: get, write: set, remove: delete }\ncache: { capacity: 10 }\n`,
    );
    const a = analysis(['--scenario', scenario]);
    assert.equal(a.stats.requests, 4);
    assert.deepEqual(a.stats.op_mix, { get: 0.5, set: 0.25, delete: 0.25 });
  });

  it('says what is missing or clashing, naming the flags', () => {
    const cases: [string[], RegExp][] = [
      [[tsv, '--delimiter', 'tab'], /--delimiter needs --columns, the column mapping of the delimited trace/],
      [[tsv, '--columns', 'time=0,size=3'], /--columns: the mapping needs the key column/],
      [[tsv, '--columns', 'key=1,colour=2'], /--columns: "colour=2" is not field=column; fields are key, time, size, op, ttl/],
      [[tsv, '--columns', 'key=object', '--no-header'], /--columns: key=object name header columns, but --no-header says there is none/],
      [[tsv, '--columns', 'key=1', '--format', 'csv'], /--columns describes a delimited trace; --format is csv/],
      [[tsv, '--columns', 'key=1', '--delimiter', 'ab'], /--delimiter: one character/],
      [[tsv, '--columns', 'key=1', '--ops', 'read=fetch'], /--ops: "read=fetch" is not value=operation/],
      [['--scenario', 'scenarios/quickstart.yaml', '--columns', 'key=1'], /--scenario gives the trace's format and columns \(its workload section\); drop --columns/],
      [['scenarios/traces/cloudphysics.csv', '--scenario', 'scenarios/quickstart.yaml'], /has a synthetic workload, analyzed as generated; give either a trace or --scenario/],
      [[], /analyze needs a trace file, or --scenario <file\.yaml>/],
    ];
    for (const [args, message] of cases) {
      const r = cachebench(['analyze', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assertNoStack(r.stderr);
    }
  });
});
