import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../src/cli/main.js';
import { captureTerminal } from './support/capture-terminal.js';

// Input built to hurt: alias bombs, devices, endless lines, huge indexes, BOMs, CR-only files, NUL bytes,
// a scenario handed to analyze. Each must end in exit 2 with a message naming the file and the line or
// field, quickly and without a stack. The CLI runs in-process through its pure entry point.
const work = mkdtempSync(join(tmpdir(), 'cachebench-hostile-'));
after(() => rmSync(work, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

async function cli(...args: string[]) {
  const terminal = captureTerminal();
  const code = await main(args, terminal);
  return { code, stdout: terminal.out, stderr: terminal.err };
}

function assertInputError(result: { code: number; stderr: string }, pattern: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /internal error|\n\s+at /);
}

const SMALL = 'workload: { keys: 10, requests: 100 }\ncache: { capacity: 5 }\n';

describe('YAML aliases are bounded and checked (exit 2 with file:line:col)', () => {
  it('a billion-laughs file is refused at the alias that crosses the bound, before it is expanded', async () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const name = String.fromCharCode(97 + i);
      const prev = String.fromCharCode(96 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const bomb = file('bomb.yaml', `${levels.join('\n')}\n${SMALL}`);
    const before = process.memoryUsage().rss;
    const result = await cli('validate', bomb);
    assertInputError(result, /bomb\.yaml:\d+:\d+: invalid YAML: the aliases expand the scenario to more than 100,000 values/);
    // 9^9 values were never built: the process grew by far less than they would take.
    assert.ok(process.memoryUsage().rss - before < 200 * 1024 * 1024);
  });

  it('an undefined alias names itself and its line', async () => {
    const result = await cli('validate', file('nope.yaml', `${SMALL}database:\n  timeout: *nope\n`));
    assertInputError(result, /nope\.yaml:4:12: invalid YAML: the alias \*nope names no anchor/);
  });

  it('an alias inside its own anchor is refused', async () => {
    const result = await cli('validate', file('self.yaml', `${SMALL}thresholds: &t [hit_rate > 0, *t]\n`));
    assertInputError(result, /self\.yaml:3:31: invalid YAML: the alias \*t is inside the value its anchor names/);
  });

  it('a value nested thousands of levels deep is exit 2 in words, at its line', async () => {
    const deep = `${SMALL}name: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    assertInputError(await cli('validate', file('deep.yaml', deep)), /deep\.yaml:3:\d+: invalid YAML: the values nest too deeply to read/);
  });

  it('ordinary anchors and aliases still work', async () => {
    const text = 'workload: { keys: 10, requests: 100 }\ndatabase: { latency: &lat 2ms }\ncache: { capacity: 5, latency: *lat }\n';
    const result = await cli('validate', file('anchors.yaml', text));
    assert.equal(result.code, 0, result.stderr);
  });
});

describe('input sizes are bounded', () => {
  it('validate /dev/zero stops at the scenario size cap', async () => {
    assertInputError(await cli('validate', '/dev/zero'), /\/dev\/zero: larger than 1 MiB; a scenario is a short YAML file/);
  });

  it('a 2 MiB scenario file is refused without parsing it', async () => {
    const big = file('big.yaml', `${SMALL}# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    assertInputError(await cli('validate', big), /big\.yaml: larger than 1 MiB/);
  });

  it('workload.trace: /dev/zero is refused as a device', async () => {
    const scenario = file('zero.yaml', 'workload: { trace: /dev/zero }\ncache: { capacity: 5 }\n');
    assertInputError(await cli('run', scenario), /zero\.yaml:1:20 workload\.trace: trace path is a device, not a file: \/dev\/zero/);
  });

  it('a missing trace, and a trace path with a NUL byte, are errors at workload.trace', async () => {
    const missing = file('missing-trace.yaml', 'workload: { trace: nope.csv }\ncache: { capacity: 5 }\n');
    assertInputError(await cli('run', missing), /missing-trace\.yaml:1:20 workload\.trace: trace file not found: nope\.csv/);
    const nul = file('nul-trace.yaml', 'workload: { trace: "a\\0b.csv" }\ncache: { capacity: 5 }\n');
    assertInputError(await cli('validate', nul), /nul-trace\.yaml:1:20 workload\.trace: a file name cannot hold a NUL byte/);
  });

  it('a trace line with no end is refused at 1 MiB, naming the file and the line', async () => {
    file('endless.csv', `timestamp,key\n1,a\n2,b\n${'7'.repeat(3 * 1024 * 1024)}`);
    const scenario = file('endless.yaml', 'workload: { trace: endless.csv }\ncache: { capacity: 5 }\n');
    assertInputError(await cli('run', scenario), /endless\.csv:4: a line longer than 1 MiB with no line end/);
  });

  it('a long line is found in a key-per-line trace too, after blank lines', async () => {
    file('endless.txt', `k1\nk2\n\n\n${'k'.repeat(3 * 1024 * 1024)}`);
    assertInputError(await cli('analyze', join(work, 'endless.txt')), /endless\.txt:5: a line longer than 1 MiB/);
  });

  it('--set with a list index far past the end is one message naming the valid range', async () => {
    const scenario = file('thresholds.yaml', `${SMALL}thresholds: [hit_rate > 0]\n`);
    for (const index of ['99999999', '99999', '2']) {
      const result = await cli('validate', scenario, '--set', `thresholds.${index}=hit_rate > 0.1`);
      assertInputError(result, new RegExp(`--set thresholds\\.${index}=hit_rate > 0\\.1 thresholds\\[${index}\\]: thresholds has 1 entry; valid indexes are 0 … 1`));
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
    const appended = await cli('validate', scenario, '--set', 'thresholds.1=hit_rate > 0.1');
    assert.equal(appended.code, 0, appended.stderr);
    assert.match(appended.stdout, /2 thresholds/);
  });

  it('--set into a list the file lacks may only add its first entry', async () => {
    const scenario = file('no-thresholds.yaml', SMALL);
    assertInputError(await cli('validate', scenario, '--set', 'thresholds.3=hit_rate > 0'), /thresholds has 0 entries; it is empty, so the only valid index is 0/);
    assert.equal((await cli('validate', scenario, '--set', 'thresholds.0=hit_rate > 0')).code, 0);
  });

  it('a huge value or --set flag is echoed in at most ~200 characters', async () => {
    const scenario = file('echo.yaml', SMALL);
    const flag = await cli('validate', scenario, '--set', `cache.policy=${'x'.repeat(100_000)}`);
    assertInputError(flag, /--set cache\.policy=x{100,}… cache\.policy: must be one of/);
    assert.ok(flag.stderr.length < 1000, `${flag.stderr.length} characters`);
    const value = await cli('validate', file('echo-list.yaml', `${SMALL.replace('capacity: 5', `capacity: 5, policy: [${'lru, '.repeat(20_000)}lru]`)}`));
    assert.equal(value.code, 2, value.stderr);
    assert.ok(value.stderr.length < 1000, `${value.stderr.length} characters`);
  });

  it('a hundred problems print twenty lines and a count of the rest', async () => {
    const fields = Array.from({ length: 100 }, (_, i) => `  bad${i}: 1`).join('\n');
    const result = await cli('validate', file('many.yaml', `workload: { keys: 10, requests: 10 }\ncache:\n${fields}\n`));
    assert.equal(result.code, 2);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 21);
    assert.match(lines[20], /… and 80 more problems like these/);
  });
});

describe('text traces: BOMs, CR-only line ends, NUL bytes, echoes', () => {
  const run = async (trace: string, content: string | Buffer, format = '') => {
    file(trace, content);
    const scenario = file(`${trace}.yaml`, `workload: { trace: ${trace}${format} }\ncache: { capacity: 100 }\n`);
    return cli('run', scenario, '--json', '-');
  };
  const requests = (stdout: string) => JSON.parse(stdout).runs[0].metrics.requests;
  const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

  it('a UTF-8 BOM is dropped by every text reader', async () => {
    const cases: Array<[string, string, string, number]> = [
      ['bom.csv', 'timestamp,key\n1,a\n2,a\n', '', 2],
      ['bom.jsonl', '{"timestamp":1,"key":"a"}\n{"timestamp":2,"key":"a"}\n', '', 2],
      ['bom-twitter.csv', '1,k1,3,10,1,get,0\n2,k1,3,10,1,get,0\n', '', 2],
      ['bom.monitor', '1460100081.165665 [0 127.0.0.1:51706] "GET" "a"\n1460100082.165665 [0 127.0.0.1:51706] "GET" "a"\n', '', 2],
      ['bom.txt', 'a\nb\na\n', '', 3],
    ];
    for (const [name, text, format, expected] of cases) {
      const result = await run(name, Buffer.concat([BOM, Buffer.from(text)]), format);
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
      assert.equal(requests(result.stdout), expected, name);
      // The key-per-line reader must not have made the BOM part of the first key: "a" repeats, so it hits.
      if (name === 'bom.txt') assert.equal(JSON.parse(result.stdout).runs[0].metrics.hits, 1);
    }
  });

  it('a CR-only CSV is read line by line, and its errors name the right line', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => `${i},k${i % 7},get,10`);
    const good = await run('cr.csv', `timestamp,key,op,size\r${rows.join('\r')}\r`);
    assert.equal(good.code, 0, good.stderr);
    assert.equal(requests(good.stdout), 500);
    const bad = await run('cr-bad.csv', `timestamp,key,op,size\r1,a,get,10\r2,a,gett,10\r`);
    assertInputError(bad, /cr-bad\.csv:3: op "gett" is not one of get, set, delete/);
  });

  it('a .csv holding a NUL byte is read as CSV, not guessed to be binary', async () => {
    const result = await run('nul.csv', Buffer.from('timestamp,key\n1,a\n2\0,b\n'));
    assertInputError(result, /nul\.csv:3: timestamp "2\\x00" is not a time in ms/);
  });

  it('an unknown header echoes at most ~200 characters of it', async () => {
    const result = await run('wide.csv', `${Array.from({ length: 5000 }, (_, i) => `column${i}`).join(',')}\n1,2\n`);
    assertInputError(result, /wide\.csv:1: unknown column "column0"/);
    assert.ok(result.stderr.length < 600, `${result.stderr.length} characters`);
  });
});

describe('analyze takes a trace, not a scenario', () => {
  it('a .yaml or .yml scenario is refused (exit 2), not read as a key-per-line trace', async () => {
    for (const name of ['s.yaml', 's.yml']) {
      assertInputError(await cli('analyze', file(name, SMALL)), /this is a scenario; analyze takes a trace/);
    }
  });

  it('a .json scenario and a .json result are refused; a .json JSON Lines trace is analysed', async () => {
    assertInputError(await cli('analyze', file('s.json', JSON.stringify({ workload: { trace: 't.csv' } }))), /s\.json: this is a scenario; analyze takes a trace/);
    assertInputError(await cli('analyze', file('r.json', JSON.stringify({ schema_version: 1, runs: [] }))), /r\.json: this is a result of cachebench run/);
    const trace = await cli('analyze', file('t.json', '{"timestamp":1,"key":"a"}\n{"timestamp":2,"key":"a"}\n'));
    assert.equal(trace.code, 0, trace.stderr);
  });
});

describe('control characters from input are escaped in everything printed or written', () => {
  it('a scenario name, threshold and trace key with ESC, BEL, C1 and bidi characters', async () => {
    mkdirSync(join(work, 'esc'), { recursive: true });
    const name = 'evil\\e[31mRED\\e]0;title\\a\\u009b2J\\u202eabc\\r\\nFAKE LINE';
    const scenario = file('esc/esc.yaml', `name: "${name}"\n${SMALL}thresholds: ["hit_rate >= 0.99"]\nmatrix:\n  seed: [1, 2]\n`);
    const out = (ext: string) => join(work, 'esc', `out.${ext}`);
    const result = await cli('run', scenario, '--no-color', '--json', out('json'), '--markdown', out('md'), '--junit', out('xml'), '--html', out('html'));
    assert.equal(result.code, 1, result.stderr);
    const { readFileSync } = await import('node:fs');
    const outputs: Record<string, string> = {
      stdout: result.stdout,
      stderr: result.stderr,
      json: readFileSync(out('json'), 'utf8'),
      md: readFileSync(out('md'), 'utf8'),
      xml: readFileSync(out('xml'), 'utf8'),
      html: readFileSync(out('html'), 'utf8'),
    };
    for (const [where, text] of Object.entries(outputs)) {
      assert.doesNotMatch(text, /[\u001b\u0007\u0080-\u009f\u202e\r]/, `${where} carries a raw control character`);
    }
    assert.match(outputs.md, /evil\\\\x1b/);
    assert.match(outputs.xml, /evil\\x1b\[31mRED/);
    // The JSON keeps the name as written: parsed back, it is the same string.
    assert.equal(JSON.parse(outputs.json).scenario.name, 'evil\u001b[31mRED\u001b]0;title\u0007\u009b2J\u202eabc\r\nFAKE LINE');
  });

  it('analyze: a trace named with ESC, C1 and bidi characters is escaped in the report and the JSON', async () => {
    const trace = file('k\u001b[2J\u009b\u202ex.txt', 'a\nb\na\n');
    const result = await cli('analyze', trace, '--json', '-');
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout + result.stderr, /[\u001b\u009b\u202e]/);
    assert.match(result.stderr, /k\\x1b\[2J\\x9b\\u\{202e\}x\.txt/);
    assert.equal(JSON.parse(result.stdout).trace.path, trace);
  });

  it("commander's own errors (an unknown option) escape what they quote", async () => {
    const result = await cli('run', '--x\u001b[2J');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown option '--x\\x1b\[2J'/);
  });

  it('an error echoing input escapes it', async () => {
    const result = await cli('validate', file('esc-error.yaml', 'workload: { keys: 10, requests: 100 }\ncache: { capacity: 5, policy: "lr\\e[2Ju" }\n'));
    assert.equal(result.code, 2);
    assert.doesNotMatch(result.stderr, /\u001b/);
  });
});
