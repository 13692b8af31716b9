import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LONG_RUN_MS, LongRunNotice, type LongRunNotices, NOTICE_AFTER_MS } from '../src/cli/long-run-notice.js';
import { main } from '../src/cli/main.js';
import { parseDuration, parseFraction, parseSize, UnitError } from '../src/scenario/units.js';
import { captureTerminal } from './support/capture-terminal.js';

// The slips a newcomer makes, each answered with what was meant.

const work = mkdtempSync(join(tmpdir(), 'cachebench-words-'));
function scenarioFile(name: string, text: string): string {
  const file = join(work, name);
  writeFileSync(file, text);
  return file;
}
async function cli(args: string[]) {
  const terminal = captureTerminal();
  const code = await main(args, terminal);
  return { code, out: terminal.out, err: terminal.err };
}
function hintOf(parse: () => unknown): string | undefined {
  try {
    parse();
  } catch (error) {
    assert.ok(error instanceof UnitError, String(error));
    return error.hint;
  }
  assert.fail('expected a UnitError');
}

describe('friendlier words', () => {
  it('a duration in other spellings: did you mean 5m?', () => {
    for (const [given, meant] of [
      ['5min', '5m'],
      ['5 minutes', '5m'],
      ['5 mins', '5m'],
      ['5M', '5m'],
      ['30sec', '30s'],
      ['30 seconds', '30s'],
      ['2hours', '2h'],
      ['2H', '2h'],
      ['100 millis', '100ms'],
      ['1day', '24h'],
    ]) {
      assert.equal(hintOf(() => parseDuration(given)), `did you mean ${meant}?`, given);
    }
    assert.equal(hintOf(() => parseDuration('5 fortnights')), undefined);
  });

  it('a fraction written as a percentage number: did you mean 0.5 (50%)?', () => {
    assert.equal(hintOf(() => parseFraction(50)), 'did you mean 0.5 (50%)?');
    assert.equal(hintOf(() => parseFraction('95')), 'did you mean 0.95 (95%)?');
    assert.equal(hintOf(() => parseFraction(250)), undefined);
    assert.equal(parseFraction(1), 1);
  });

  it('sizes in bits are refused: 10Mb is megabits', () => {
    assert.equal(hintOf(() => parseSize('10Mb')), 'Mb is megabits; did you mean 10MB (bytes)?');
    assert.equal(hintOf(() => parseSize('512Kb')), 'Kb is kilobits; did you mean 512KB (bytes)?');
    assert.equal(parseSize('10MB'), 10 * 1024 * 1024);
    assert.equal(parseSize('10mb'), 10 * 1024 * 1024, 'all lower case stays bytes, as documented');
    assert.equal(parseSize('10MiB'), 10 * 1024 * 1024);
  });

  it('in a scenario: ttl: 5min and capacity: 10Mb say what was meant, with the line', async () => {
    const file = scenarioFile('slips.yaml', 'workload: { keys: 100, requests: 1k }\ncache:\n  capacity: 10Mb\n  ttl: 5min\n');
    const r = await cli(['validate', file]);
    assert.equal(r.code, 2);
    assert.match(r.err, /slips\.yaml:3:13 cache\.capacity: must be .*; got "10Mb" \(Mb is megabits; did you mean 10MB \(bytes\)\?\)/);
    assert.match(r.err, /slips\.yaml:4:8 cache\.ttl: must be .*; got "5min" \(did you mean 5m\?\)/);
  });

  it('analyze --target-hit-rate 50: did you mean 0.5 (50%)?', async () => {
    const r = await cli(['analyze', join('test', 'fixtures', 'cloudphysics.csv'), '--target-hit-rate', '50']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--target-hit-rate: must be a fraction .*; got "50" \(did you mean 0\.5 \(50%\)\?\)/);
  });

  it('record --redis localhost:6379: did you mean redis://localhost:6379?', async () => {
    const r = await cli(['record', '--redis', 'localhost:6379', '--duration', '1s', '--out', join(work, 'never.csv')]);
    assert.equal(r.code, 2);
    assert.match(r.err, /--redis: expected a redis:\/\/ or rediss:\/\/ URL; got "localhost:6379" \(did you mean redis:\/\/localhost:6379\?\)/);
    const live = scenarioFile('live.yaml', 'mode: live\nworkload: { keys: 10, duration: 1s, rate: 10/s }\ncache:\n  redis: { url: "127.0.0.1:6390" }\n');
    assert.match((await cli(['validate', live])).err, /did you mean redis:\/\/127\.0\.0\.1:6390\?/);
  });

  it('--skip-bad-lines on a synthetic workload names the flag the user typed, not a --set', async () => {
    const file = scenarioFile('synthetic.yaml', 'workload: { keys: 100, requests: 1k }\ncache: { capacity: 10 }\n');
    const r = await cli(['run', file, '--skip-bad-lines']);
    assert.equal(r.code, 2);
    assert.match(r.err, /^cachebench: --skip-bad-lines workload\.skip_bad_lines: applies only to a trace workload/);
    assert.doesNotMatch(r.err, /--set/);
  });

  it('validate takes --no-color like every other command', async () => {
    const file = scenarioFile('plain.yaml', 'workload: { keys: 100, requests: 1k }\ncache: { capacity: 10 }\n');
    const r = await cli(['validate', file, '--no-color']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /valid/);
  });
});

describe('a long run without a progress bar', () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };
  const update = (requests: number) => ({ requests, clockMs: 0, hitRate: 0.5 });

  it('says once, after a few seconds, how long it will take when that is over a minute', () => {
    const terminal = captureTerminal({ stderrIsTTY: false });
    const c = clock();
    const notices: LongRunNotices = { given: false };
    const notice = new LongRunNotice(terminal, 'huge', { requests: 10_000_000_000, durationMs: null }, 2, notices, c.now);
    c.advance(NOTICE_AFTER_MS - 1);
    notice.report(update(1_000_000));
    assert.equal(terminal.err, '', 'not before the pace is known');
    c.advance(1);
    notice.report(update(30_000_000)); // 0.3% in 3 s: 1,000 s in all
    assert.equal(
      terminal.err,
      'cachebench: huge will take about 17 min at its pace so far (10,000,000 requests/s, 17 min to go), and 2 more runs follow; Ctrl-C stops it\n',
    );
    c.advance(5000);
    notice.report(update(80_000_000));
    const later = new LongRunNotice(terminal, 'next', { requests: 10_000_000_000, durationMs: null }, 1, notices, c.now);
    c.advance(NOTICE_AFTER_MS);
    later.report(update(1_000_000));
    assert.equal(terminal.err.split('\n').length, 2, 'said once per command');
  });

  it('says nothing for a run under a minute, or of unknown length', () => {
    const terminal = captureTerminal({ stderrIsTTY: false });
    const c = clock();
    const short = new LongRunNotice(terminal, 'short', { requests: 100_000, durationMs: null }, 0, { given: false }, c.now);
    c.advance(NOTICE_AFTER_MS);
    short.report(update(100_000 * (NOTICE_AFTER_MS / LONG_RUN_MS) * 1.01)); // just under a minute in all
    const trace = new LongRunNotice(terminal, 'trace', { requests: null, durationMs: null }, 0, { given: false }, c.now);
    c.advance(60_000);
    trace.report(update(5));
    assert.equal(terminal.err, '');
  });

  it('from the real command: a 10G-request run on a pipe says how long it will take', async () => {
    // Stopped by the test after the notice: it only has to start.
    const { startCachebench } = await import('./support/cachebench-process.js');
    const file = scenarioFile('huge.yaml', 'workload: { keys: 100k, requests: 10G }\ncache: { capacity: 10k }\n');
    const running = startCachebench(['run', file], { timeoutMs: 60_000 });
    let stderr = '';
    const firstLine = new Promise<void>((resolve) => {
      running.child.stderr?.on('data', (text: string) => {
        stderr += text;
        if (stderr.includes('\n')) resolve();
      });
    });
    await Promise.race([firstLine, running.finished]);
    running.child.kill('SIGKILL');
    await running.finished;
    assert.match(stderr, /^cachebench: huge will take about [\d.,]+ (min|s|h) at its pace so far \([\d,]+ requests\/s, [\d.,]+ (min|s|h) to go\); Ctrl-C stops it\n/);
  });
});
