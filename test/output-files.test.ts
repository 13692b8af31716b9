import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assertNoStack, cachebench, repoRoot, startCachebench } from './support/cachebench-process.js';

// Outputs (--json, --html, --junit, --markdown, record --out) through the real binary: never the same file
// as an input, never truncated before there is something to write, replaced atomically, and a write that
// fails is exit 3 with the path and the reason.

const work = mkdtempSync(join(tmpdir(), 'cachebench-outputs-'));
const fixtureTrace = join(repoRoot, 'test', 'fixtures', 'cloudphysics.csv');

const SMALL = `name: small
seed: 3
workload:
  keys: 500
  distribution: { type: zipf, alpha: 1.0 }
  requests: 5k
  rate: 2000/s
  mix: { get: 95%, set: 5% }
database:
  latency: { type: exponential, mean: 5ms }
cache:
  policy: lru
  capacity: 100
`;

function file(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

/** A folder of its own, holding a copy of the fixture trace and a scenario that replays it. */
function traceCase(label: string): { dir: string; trace: string; scenario: string; original: Buffer } {
  const dir = mkdtempSync(join(work, `${label}-`));
  const trace = join(dir, 'trace.csv');
  copyFileSync(fixtureTrace, trace);
  const scenario = join(dir, 'replay.yaml');
  writeFileSync(scenario, 'workload:\n  trace: trace.csv\n  requests: 2000\ncache:\n  policy: lru\n  capacity: 100\n');
  return { dir, trace, scenario, original: readFileSync(trace) };
}

/** Files whose name says they are a temporary output left behind. */
function strayTemporaries(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith('.tmp'));
}

describe('an output that is the same file as an input is refused before anything is written', () => {
  it('run: the scenario file, the trace it reads (by any path: symlink, hard link), for every output flag', () => {
    const c = traceCase('same');
    const scenarioText = readFileSync(c.scenario, 'utf8');
    const link = join(c.dir, 'link.csv');
    symlinkSync(c.trace, link);
    const hard = join(c.dir, 'hard.csv');
    linkSync(c.trace, hard);
    const spelled = join(c.dir, '.', 'sub', '..', 'trace.csv');
    for (const flag of ['--json', '--html', '--junit', '--markdown']) {
      for (const target of [c.trace, link, hard, spelled]) {
        const r = cachebench(['run', c.scenario, flag, target]);
        assert.equal(r.code, 2, `${flag} ${target}: ${r.stderr}`);
        assert.match(
          r.stderr,
          new RegExp(
            `${flag} .*${target.split('/').pop()!.replace('.', '\\.')} is the same file as the trace \\(workload\\.trace\\) .*trace\\.csv`,
          ),
        );
        assert.equal(r.stdout, '', 'nothing ran');
        assertNoStack(r.stderr);
      }
      const own = cachebench(['run', c.scenario, flag, c.scenario]);
      assert.equal(own.code, 2, own.stderr);
      assert.match(own.stderr, /is the same file as the scenario .*replay\.yaml/);
    }
    assert.deepEqual(readFileSync(c.trace), c.original, 'the trace is intact');
    assert.equal(readFileSync(c.scenario, 'utf8'), scenarioText, 'the scenario is intact');
  });

  it('a matrix over traces: every trace a run reads is an input', () => {
    const c = traceCase('matrix');
    const other = join(c.dir, 'other.csv');
    copyFileSync(fixtureTrace, other);
    const scenario = join(c.dir, 'matrix.yaml');
    writeFileSync(
      scenario,
      'workload:\n  trace: trace.csv\n  requests: 500\ncache:\n  policy: lru\n  capacity: 100\nmatrix:\n  workload.trace: [trace.csv, other.csv]\n',
    );
    const r = cachebench(['run', scenario, '--json', other]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /other\.csv is the same file as the trace/);
    assert.deepEqual(readFileSync(other), c.original);
  });

  it('analyze, compare and merge: their inputs', () => {
    const c = traceCase('commands');
    for (const flag of ['--json', '--html']) {
      const r = cachebench(['analyze', c.trace, '--no-belady', flag, c.trace]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${flag} .*trace\\.csv is the same file as the trace .*trace\\.csv`));
    }
    assert.deepEqual(readFileSync(c.trace), c.original);

    const result = join(c.dir, 'result.json');
    assert.equal(cachebench(['run', c.scenario, '--json', result]).code, 0);
    const saved = readFileSync(result, 'utf8');
    for (const flag of ['--json', '--junit', '--markdown']) {
      const r = cachebench(['compare', result, result, flag, result]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /is the same file as the baseline/);
    }
    const merged = cachebench(['merge', result, '--force', '--json', result]);
    assert.equal(merged.code, 2, merged.stderr);
    assert.match(merged.stderr, /--json .*result\.json is the same file as result 1 being merged/);
    assert.equal(readFileSync(result, 'utf8'), saved);
  });
});

describe('two outputs naming one file are refused before anything runs (exit 2, naming both flags)', () => {
  /** A scenario, and a folder for outputs with a symlink to it. */
  function outputsCase(label: string): { dir: string; linked: string; scenario: string } {
    const dir = mkdtempSync(join(work, `${label}-`));
    const linked = join(work, `${label}-link-${Date.now()}`);
    symlinkSync(dir, linked);
    return { dir, linked, scenario: file(`${label}.yaml`, SMALL) };
  }
  /** Exit 2 naming both outputs (in the command's fixed order of flags, whichever came first on the line). */
  const refused = (r: ReturnType<typeof cachebench>, first: string, second: string) => {
    assert.equal(r.code, 2, r.stderr);
    const message = (a: string, b: string) => `cachebench: ${a} and ${b} name the same file: each output needs a file of its own`;
    assert.ok(r.stderr.startsWith(message(first, second)) || r.stderr.startsWith(message(second, first)), r.stderr);
    assert.equal(r.stdout, '', 'nothing ran');
    assertNoStack(r.stderr);
  };

  it('run: any two of --json, --html, --junit, --markdown, --trace-out, by any spelling, new or existing', () => {
    const c = outputsCase('dup-run');
    const out = join(c.dir, 'out.json');
    const spellings = [`${c.dir}/./out.json`, `${c.dir}/sub/../out.json`, join(c.linked, 'out.json')];
    const pairs = [
      ['--json', '--html'],
      ['--markdown', '--junit'],
      ['--json', '--trace-out'],
      ['--html', '--markdown'],
    ];
    for (const [a, b] of pairs) {
      for (const spelled of spellings) {
        refused(cachebench(['run', c.scenario, a, out, b, spelled]), `${a} ${out}`, `${b} ${spelled}`);
        assert.equal(existsSync(out), false, `${a} ${b} ${spelled}: nothing created`);
      }
    }
    // An existing file, also through a hard link: refused, and left as it was.
    writeFileSync(out, 'previous');
    const hard = join(c.dir, 'hard.json');
    linkSync(out, hard);
    refused(cachebench(['run', c.scenario, '--json', out, '--junit', hard]), `--json ${out}`, `--junit ${hard}`);
    refused(cachebench(['run', c.scenario, '--markdown', join(c.linked, 'out.json'), '--html', out]), `--markdown ${join(c.linked, 'out.json')}`, `--html ${out}`);
    assert.equal(readFileSync(out, 'utf8'), 'previous');
    assert.deepEqual(strayTemporaries(c.dir), []);
  });

  it('analyze (--json, --html) and compare (--json, --junit, --markdown) likewise; merge has one output', () => {
    const c = outputsCase('dup-commands');
    const out = join(c.dir, 'out.txt');
    const spelled = `${c.dir}/./out.txt`;
    refused(cachebench(['analyze', fixtureTrace, '--no-belady', '--json', out, '--html', spelled]), `--json ${out}`, `--html ${spelled}`);
    const result = join(c.dir, 'result.json');
    assert.equal(cachebench(['run', c.scenario, '--json', result]).code, 0);
    for (const [a, b] of [
      ['--json', '--junit'],
      ['--junit', '--markdown'],
      ['--json', '--markdown'],
    ]) {
      refused(cachebench(['compare', result, result, a, out, b, spelled]), `${a} ${out}`, `${b} ${spelled}`);
    }
    assert.equal(existsSync(out), false, 'nothing written');
  });

  it('distinct files, and devices shared by several outputs, are fine', () => {
    const c = outputsCase('dup-fine');
    const r = cachebench(['run', c.scenario, '--json', join(c.dir, 'a.json'), '--markdown', join(c.dir, 'a.md'), '--junit', '/dev/null', '--html', '/dev/null']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(c.dir, 'a.json')) && existsSync(join(c.dir, 'a.md')));
    // `--json -` is stdout, not a file: another output is no clash with it.
    const stdout = cachebench(['run', c.scenario, '--json', '-', '--markdown', join(c.dir, 'b.md')]);
    assert.equal(stdout.code, 0, stdout.stderr);
  });
});

describe('outputs are written atomically, and only once there is something to write', () => {
  it('a run that fails (exit 2 mid-run, exit 3) leaves every existing output untouched, and no temporary file', () => {
    const dir = mkdtempSync(join(work, 'failed-'));
    const badTrace = join(dir, 'bad.csv');
    writeFileSync(
      badTrace,
      `timestamp,key,op,size\n${Array.from({ length: 50 }, (_, i) => `${i},k${i % 7},get,10`).join('\n')}\n51,k1,bogus,10\n`,
    );
    const badScenario = join(dir, 'bad.yaml');
    writeFileSync(badScenario, 'workload:\n  trace: bad.csv\ncache:\n  policy: lru\n  capacity: 10\n');
    const unreachable = join(dir, 'live.yaml');
    writeFileSync(
      unreachable,
      'mode: live\nworkload:\n  keys: 100\n  duration: 1s\n  rate: 100/s\ncache:\n  redis: { url: "redis://127.0.0.1:1", connect_timeout: 1s }\n',
    );
    const outputs = { '--json': 'prev.json', '--html': 'prev.html', '--junit': 'prev.xml', '--markdown': 'prev.md' };
    for (const [scenario, code] of [
      [badScenario, 2],
      [unreachable, 3],
    ] as const) {
      const args = ['run', scenario];
      for (const [flag, name] of Object.entries(outputs)) {
        writeFileSync(join(dir, name), `yesterday's ${name}`);
        args.push(flag, join(dir, name));
      }
      const r = cachebench(args);
      assert.equal(r.code, code, r.stderr);
      assertNoStack(r.stderr);
      for (const name of Object.values(outputs))
        assert.equal(readFileSync(join(dir, name), 'utf8'), `yesterday's ${name}`, `${name} after exit ${code}`);
      assert.deepEqual(strayTemporaries(dir), []);
    }
  });

  it('a path that cannot be written fails before the run (exit 2) without creating or truncating anything', () => {
    const dir = mkdtempSync(join(work, 'unwritable-'));
    const scenario = file('fast.yaml', SMALL);
    const folder = cachebench(['run', scenario, '--json', dir]);
    assert.equal(folder.code, 2);
    assert.equal(folder.stderr, `cachebench: --json ${dir}: cannot write there (EISDIR)\n`);
    const missing = join(dir, 'no-such-dir', 'r.json');
    const r = cachebench(['run', scenario, '--markdown', missing]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `cachebench: --markdown ${missing}: cannot write there (ENOENT)\n`);
    assert.equal(r.stdout, '');
    assert.deepEqual(readdirSync(dir), []);
  });

  it('a successful run replaces the file whole, keeps its permissions, follows a symlink, leaves no temporary file', () => {
    const dir = mkdtempSync(join(work, 'replace-'));
    const scenario = file('fast.yaml', SMALL);
    const target = join(dir, 'real.json');
    writeFileSync(target, 'x'.repeat(1_000_000), { mode: 0o640 });
    const link = join(dir, 'link.json');
    symlinkSync(target, link);
    const r = cachebench(['run', scenario, '--json', link]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(readFileSync(target, 'utf8')).schema_version, 1);
    assert.equal(spawnSync('stat', ['-c', '%a %F', target], { encoding: 'utf8' }).stdout.trim(), '640 regular file');
    assert.equal(
      spawnSync('stat', ['-c', '%F', link], { encoding: 'utf8' }).stdout.trim(),
      'symbolic link',
      'the link stays a link',
    );
    assert.deepEqual(readdirSync(dir).sort(), ['link.json', 'real.json']);
  });

  it('not a regular file (/dev/null, /dev/stdout) is written directly, at the end', () => {
    const scenario = file('fast.yaml', SMALL);
    const toNull = cachebench(['run', scenario, '--json', '/dev/null', '--html', '/dev/null']);
    assert.equal(toNull.code, 0, toNull.stderr);
    const toStdout = cachebench(['run', scenario, '--json', '/dev/stdout']);
    assert.equal(toStdout.code, 0, toStdout.stderr);
    assert.match(toStdout.stdout, /^\{\n {2}"schema_version": 1,[\s\S]*\n\}\n[\s\S]*with cache/, 'the JSON, then the summary');
  });

  it('killed between writing the temporary file and renaming it, the old file is intact', async () => {
    const dir = mkdtempSync(join(work, 'killed-'));
    const scenario = file('fast.yaml', SMALL);
    const target = join(dir, 'prev.json');
    writeFileSync(target, "yesterday's result");
    const marker = join(work, 'hold-marker');
    rmSync(marker, { force: true });
    const running = startCachebench(['run', scenario, '--json', target], { env: { CACHEBENCH_TEST_HOLD_BEFORE_RENAME: marker } });
    while (!existsSync(marker) || readFileSync(marker, 'utf8') === '') {
      assert.equal(running.child.exitCode, null, 'the run is still going');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const temporary = readFileSync(marker, 'utf8');
    running.child.kill('SIGKILL');
    const ended = await running.finished;
    assert.equal(ended.signal, 'SIGKILL');
    assert.equal(readFileSync(target, 'utf8'), "yesterday's result");
    // The kill came after the new result was complete in the temporary file beside it.
    assert.equal(JSON.parse(readFileSync(temporary, 'utf8')).schema_version, 1);
    assert.equal(join(temporary, '..'), dir);
    rmSync(temporary);
  });
});

describe('a write that fails is exit 3 with the path and the reason; a closed stdout ends quietly', () => {
  it('--json, --html, --junit, --markdown /dev/full (run, analyze, compare, merge)', () => {
    const scenario = file('fast.yaml', SMALL);
    const result = join(work, 'for-compare.json');
    assert.equal(cachebench(['run', scenario, '--json', result]).code, 0);
    const cases = [
      ...['--json', '--html', '--junit', '--markdown'].map((flag) => ['run', scenario, flag, '/dev/full']),
      ['analyze', fixtureTrace, '--no-belady', '--sizes', '100', '--json', '/dev/full'],
      ['analyze', fixtureTrace, '--no-belady', '--sizes', '100', '--html', '/dev/full'],
      ...['--json', '--junit', '--markdown'].map((flag) => ['compare', result, result, flag, '/dev/full']),
      ['merge', result, '--force', '--json', '/dev/full'],
    ];
    for (const args of cases) {
      const r = cachebench(args);
      const flag = args[args.length - 2];
      assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`cachebench: ${flag} /dev/full: write failed \\(ENOSPC: no space left on device\\)\n`));
      assertNoStack(r.stderr);
      assert.doesNotMatch(r.stderr, /internal error/);
    }
  });

  it('stdout on a full disk (run > /dev/full, --json - > /dev/full) is exit 3, never 1', () => {
    const scenario = file('fast.yaml', SMALL);
    for (const extra of [[], ['--json', '-']]) {
      const full = openSync('/dev/full', 'w');
      try {
        const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'cachebench.js'), 'run', scenario, ...extra], {
          stdio: ['ignore', full, 'pipe'],
          encoding: 'utf8',
        });
        assert.equal(r.status, 3, r.stderr);
        assert.match(r.stderr, /cachebench: cannot write to stdout \(ENOSPC: no space left on device\)\n/);
        assertNoStack(r.stderr);
      } finally {
        closeSync(full);
      }
    }
  });

  it('a reader that stops early (| head -c 1) ends the run quietly, with its exit code', () => {
    const scenario = file(
      'long-json.yaml',
      SMALL.replace('requests: 5k', 'requests: 50k').replace('name: small', 'name: long\ntimeseries: { window: 10ms }'),
    );
    const bin = join(repoRoot, 'bin', 'cachebench.js');
    const r = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" "${bin}" run "${scenario}" --json - | head -c 1; echo " exit=\${PIPESTATUS[0]}" >&2`],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(r.stdout, '{');
    assert.match(r.stderr, / exit=0\n$/);
    assertNoStack(r.stderr);
    assert.doesNotMatch(r.stderr, /EPIPE|internal error/);
  });
});
