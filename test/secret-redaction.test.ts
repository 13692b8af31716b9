import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../src/cli/main.js';
import { serializeResult } from '../src/report/json-result.js';
import { redactSecrets, redactUrlCredentials } from '../src/result/redaction.js';
import { captureTerminal } from './support/capture-terminal.js';
import { startCachebench } from './support/cachebench-process.js';
import { RedisServerProcess, redisSkipReason, requireRedis } from './support/redis-server.js';

// A password that is a marker string, then every output of the tool — stdout, stderr, JSON, HTML, JUnit,
// Markdown, error messages, record's messages — is searched for it. It must never be found.
const MARKER = 'Pw0MARKERzz';
const work = mkdtempSync(join(tmpdir(), 'cachebench-secrets-'));
after(() => rmSync(work, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

async function cli(...args: string[]) {
  const terminal = captureTerminal();
  const code = await main(args, terminal);
  return { code, output: terminal.out + terminal.err };
}

const LIVE = 'mode: live\nworkload: { keys: 50, duration: 1s, rate: 100/s, warmup: 0s }\ndatabase: { latency: 1ms }\ncache: { capacity: 64MB }\n';

describe('URL passwords are masked, whatever the scheme', () => {
  it('redactUrlCredentials keeps the user, host, port and path and masks the password', () => {
    const cases: Array<[string, string]> = [
      ['redis://u:pw@h:1/0', 'redis://u:***@h:1/0'],
      ['rediss://:pw@h:1', 'rediss://:***@h:1'],
      ['postgres://app:pw@db.local:5432/shop?sslmode=require', 'postgres://app:***@db.local:5432/shop?sslmode=require'],
      ['postgresql://app:p%40ss@db/shop', 'postgresql://app:***@db/shop'],
      // WHATWG URL splits userinfo at the last "@": an unencoded "@" in a password is still all masked.
      ['redis://u:p@ss@h:1/0', 'redis://u:***@h:1/0'],
      ['two: redis://:a@h:1/0, redis://:b@g:2 and user@example.com', 'two: redis://:***@h:1/0, redis://:***@g:2 and user@example.com'],
      ['redis://user@h:1 has no password', 'redis://user@h:1 has no password'],
      // The tool's own hint says where a password goes; that placeholder is no secret.
      ['add it to the URL: redis://:PASSWORD@h:1', 'add it to the URL: redis://:PASSWORD@h:1'],
    ];
    for (const [given, shown] of cases) assert.equal(redactUrlCredentials(given), shown, given);
  });

  it('redactSecrets walks values and keys of any depth', () => {
    const scenario = { matrix: { 'cache.redis.url': [`redis://:${MARKER}@h:1/0`] }, runs: [{ name: `url=redis://:${MARKER}@h:1/0`, params: { [`redis://:${MARKER}@k`]: 1 } }] };
    assert.doesNotMatch(JSON.stringify(redactSecrets(scenario)), new RegExp(MARKER));
    assert.doesNotMatch(serializeResult(scenario as never), new RegExp(MARKER));
  });
});

describe('no error message echoes a password', () => {
  const scenario = file('live.yaml', LIVE);
  const cases: Array<[string, string[]]> = [
    ['a bad database number in --set', ['--set', `cache.redis.url=redis://u:${MARKER}@127.0.0.1:1/x`]],
    ['a postgres:// URL where a Redis one belongs', ['--set', `cache.redis.url=postgres://u:${MARKER}@127.0.0.1:1/0`]],
    ['a --set map with an unknown field next to the URL', ['--set', `cache.redis={url: "redis://u:${MARKER}@h:1", bogus: 1}`]],
    ['an unreachable server', ['--set', `cache.redis.url=redis://u:${MARKER}@127.0.0.1:1/0`, '--set', 'cache.redis.connect_timeout=200ms']],
  ];
  for (const [name, args] of cases) {
    it(name, async () => {
      const result = await cli('run', scenario, ...args);
      assert.ok(result.code === 2 || result.code === 3, result.output);
      assert.doesNotMatch(result.output, new RegExp(MARKER), result.output);
      assert.match(result.output, /\*\*\*/);
    });
  }

  it('a matrix run named after a swept URL', async () => {
    const matrix = file('matrix.yaml', `${LIVE}matrix:\n  cache.redis.url: ["redis://:${MARKER}@127.0.0.1:1/0", "redis://:${MARKER}@127.0.0.1:2/x"]\n`);
    const result = await cli('validate', matrix);
    assert.equal(result.code, 2);
    assert.match(result.output, /matrix run url=redis:\/\/:\*\*\*@127\.0\.0\.1:2\/x/);
    assert.doesNotMatch(result.output, new RegExp(MARKER));
  });
});

describe('a live run with a password: every output', { skip: redisSkipReason() }, () => {
  it('stdout, stderr, JSON (scenario.matrix included), HTML, JUnit, Markdown and record carry no password', async () => {
    requireRedis();
    const server = await RedisServerProcess.start({ args: ['--requirepass', MARKER] });
    try {
      const url = (db: number) => `redis://default:${MARKER}@127.0.0.1:${server.port}/${db}`;
      const scenario = file(
        'live-matrix.yaml',
        `name: secrets\n${LIVE}matrix:\n  cache.redis.url: ["${url(0)}", "${url(1)}"]\nthresholds: ["hit_rate >= 0.99"]\n`,
      );
      const out = (ext: string) => join(work, `live.${ext}`);
      const run = await startCachebench(['run', scenario, '--json', out('json'), '--html', out('html'), '--junit', out('xml'), '--markdown', out('md')], {
        timeoutMs: 60_000,
      }).finished;
      assert.ok(run.code === 0 || run.code === 1, run.stderr);
      const json = readFileSync(out('json'), 'utf8');
      const outputs: Record<string, string> = {
        stdout: run.stdout,
        stderr: run.stderr,
        json,
        html: readFileSync(out('html'), 'utf8'),
        junit: readFileSync(out('xml'), 'utf8'),
        markdown: readFileSync(out('md'), 'utf8'),
      };
      for (const [where, text] of Object.entries(outputs)) assert.doesNotMatch(text, new RegExp(MARKER), `${where} carries the password`);
      const result = JSON.parse(json);
      assert.equal(result.runs.length, 2);
      assert.ok(result.runs.every((r: { metrics: { reads: number } }) => r.metrics.reads > 0));
      assert.deepEqual(result.scenario.matrix['cache.redis.url'], [0, 1].map((db) => `redis://default:***@127.0.0.1:${server.port}/${db}`));

      // A wrong password: refused, and neither password is printed.
      const wrong = await cli('run', scenario, '--set', `cache.redis.url=redis://default:${MARKER}x@127.0.0.1:${server.port}/0`);
      assert.equal(wrong.code, 3, wrong.output);
      assert.doesNotMatch(wrong.output, new RegExp(MARKER));

      // record: its messages name the server without the password.
      const recorded = await cli('record', '--redis', url(0), '--duration', '300ms', '--out', out('csv'));
      assert.equal(recorded.code, 0, recorded.output);
      assert.doesNotMatch(recorded.output, new RegExp(MARKER));
      assert.match(recorded.output, /127\.0\.0\.1/);
    } finally {
      await server.stop();
    }
  });
});
