import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { cleanupCommandLine } from '../src/live/key-cleanup.js';
import { parseRedisAddress } from '../src/live/redis-address.js';
import { assertNoStack, cachebench, startCachebench } from './support/cachebench-process.js';
import { delay, liveScenario, parseResult, waitForKeys } from './support/live-scenario.js';
import { ownServers, redisSkipReason, scanKeys } from './support/redis-server.js';

// The end of a live run when Redis does not answer its cleanup, and `cachebench cleanup`, the command it
// prints. Each test starts its own redis-server on a free loopback port (paused with SIGSTOP, resumed with
// SIGCONT) and checks the server's keys itself, by SCAN.
const skip = redisSkipReason();
const ownServer = ownServers();

/** A prefix with glob characters in it, so an unescaped SCAN MATCH would also take the user's look-alike keys. */
function globPrefix(): string {
  return `cachebench:left[1]*?-${randomBytes(3).toString('hex')}:`;
}

/** The user's own keys, two of which an unescaped `<prefix>*` pattern would match. */
async function writeUserKeys(client: Redis, prefix: string): Promise<Record<string, string>> {
  const keys = {
    'user:1': 'alice',
    [prefix.replace('[1]*?', '1Xy')]: 'glob look-alike',
    [prefix.replace('[1]*?', '1ab')]: 'another look-alike',
    [prefix.slice(0, -1)]: 'the prefix without its last character',
  };
  for (const [key, value] of Object.entries(keys)) await client.set(key, value);
  return keys;
}

/** Every key of the server (the test's own check). */
async function allKeys(client: Redis): Promise<string[]> {
  return (await scanKeys(client, '*')).sort();
}

/** The words of a printed shell command: bare words and single-quoted ones ('\'' for a quote). */
function shellWords(command: string): string[] {
  const words: string[] = [];
  for (const match of command.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)) words.push(match[1] !== undefined ? match[1].replace(/'\\''/g, "'") : match[2]);
  return words;
}

describe('the end of a live run when its cleanup fails, and cachebench cleanup', () => {
  it('a server paused at the end of the run: exit 3 with the prefix and the command; that command deletes exactly the run’s keys', { skip }, async () => {
    const server = await ownServer();
    const client = await server.client();
    const prefix = globPrefix();
    try {
      const userKeys = await writeUserKeys(client, prefix);
      const running = startCachebench(
        [
          'run',
          liveScenario({
            name: 'left-behind',
            redis: { url: server.url, prefix, command_timeout: '300ms' },
            workload: { duration: '4s' },
          }),
          '--json',
          '-',
        ],
        { timeoutMs: 60_000 },
      ).finished;
      await waitForKeys(client, prefix.replace(/[*?[\]\\]/g, '\\$&'));
      await delay(1500);
      // Paused until the process has exited: the end of the load, the INFO after it and every retry of the cleanup fall in the pause.
      server.pause();
      const r = await running.finally(() => server.resume());
      assert.equal(r.code, 3, r.stderr);
      assertNoStack(r.stderr);
      const redis = (parseResult(r.stdout, r.stderr).runs[0] as { redis?: Record<string, unknown> }).redis;
      assert.equal(typeof redis?.cleanup_error, 'string');
      assert.match(String(redis?.cleanup_error), /still failing after \d+(\.\d)? s of retries/);
      const expected = cleanupCommandLine(parseRedisAddress(server.url, 'url'), prefix);
      assert.equal(redis?.cleanup_command, expected);
      assert.ok(r.stderr.includes(`the keys under ${prefix} on ${server.url} may remain`), r.stderr);
      assert.ok(r.stderr.includes(`delete them with: ${expected}`), r.stderr);

      // Commands the run sent before the pause (on connections closed since) are executed once the server
      // runs again: wait until the server's keys stop changing.
      let before = await allKeys(client);
      for (;;) {
        await delay(300);
        const now = await allKeys(client);
        if (now.join('\n') === before.join('\n')) break;
        before = now;
      }
      const runKeys = before.filter((key) => key.startsWith(prefix));
      assert.ok(runKeys.length > 0, 'the run’s keys were left behind');
      const words = shellWords(expected);
      assert.deepEqual(words.slice(0, 2), ['cachebench', 'cleanup']);
      const cleaned = cachebench(words.slice(1));
      assert.equal(cleaned.code, 0, cleaned.stderr);
      assert.equal(cleaned.stdout, `deleted ${runKeys.length.toLocaleString('en-US')} keys under ${prefix} on ${server.url}\n`);
      assert.deepEqual(await allKeys(client), before.filter((key) => !key.startsWith(prefix)));
      for (const [key, value] of Object.entries(userKeys)) assert.equal(await client.get(key), value, key);
    } finally {
      client.disconnect();
    }
  });

  it('a server paused briefly at the end: the cleanup is retried until it answers, every key deleted, exit 0', { skip }, async () => {
    const server = await ownServer();
    const client = await server.client();
    const prefix = globPrefix();
    try {
      const userKeys = await writeUserKeys(client, prefix);
      const running = startCachebench(
        [
          'run',
          liveScenario({ name: 'retried', redis: { url: server.url, prefix, command_timeout: '300ms' }, workload: { duration: '3s' } }),
          '--json',
          '-',
        ],
        { timeoutMs: 60_000 },
      ).finished;
      await waitForKeys(client, prefix.replace(/[*?[\]\\]/g, '\\$&'));
      await delay(1000);
      server.pause();
      // The load ends about 2 s into the pause; its cleanup retries for 10 s, so it meets the server again.
      await delay(4000);
      server.resume();
      const r = await running;
      assert.equal(r.code, 0, r.stderr);
      const redis = (parseResult(r.stdout, r.stderr).runs[0] as { redis?: Record<string, unknown> }).redis;
      assert.equal(redis?.cleanup_error, undefined);
      assert.ok(Number(redis?.keys_deleted) > 0, `keys_deleted ${redis?.keys_deleted}`);
      assert.deepEqual((await allKeys(client)).filter((key) => key.startsWith(prefix)), []);
      for (const [key, value] of Object.entries(userKeys)) assert.equal(await client.get(key), value, key);
    } finally {
      client.disconnect();
    }
  });

  it('cachebench cleanup deletes only the prefix’s keys (glob characters escaped), counts them, and never prints the password', { skip }, async () => {
    const server = await ownServer();
    const client = await server.client();
    // Set once the test's own client is connected: it stays authenticated.
    await client.config('SET', 'requirepass', 'pw-marker-77');
    const prefix = globPrefix();
    try {
      const userKeys = await writeUserKeys(client, prefix);
      for (let i = 0; i < 2500; i++) await client.set(`${prefix}k${i}`, 'x');
      const url = `redis://:pw-marker-77@127.0.0.1:${server.port}/0`;
      const r = cachebench(['cleanup', '--redis', url, '--prefix', prefix]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `deleted 2,500 keys under ${prefix} on redis://:***@127.0.0.1:${server.port}/0\n`);
      assert.doesNotMatch(r.stdout + r.stderr, /pw-marker-77/);
      assert.deepEqual(await allKeys(client), Object.keys(userKeys).sort());
      const again = cachebench(['cleanup', '--redis', url, '--prefix', prefix]);
      assert.equal(again.stdout, `deleted 0 keys under ${prefix} on redis://:***@127.0.0.1:${server.port}/0\n`);
      const wrong = cachebench(['cleanup', '--redis', `redis://:nope-marker@127.0.0.1:${server.port}/0`, '--prefix', prefix]);
      assert.equal(wrong.code, 3);
      assert.match(wrong.stderr, /Redis refused the password/);
      assert.doesNotMatch(wrong.stdout + wrong.stderr, /nope-marker/);
    } finally {
      client.disconnect();
    }
  });

  it('cachebench cleanup refuses an empty or too short prefix (exit 2) before connecting', () => {
    for (const prefix of ['', 'a', 'ab:']) {
      const r = cachebench(['cleanup', '--redis', 'redis://127.0.0.1:1', '--prefix', prefix]);
      assert.equal(r.code, 2, `"${prefix}": ${r.stderr}`);
      assert.match(r.stderr, /--prefix: must be at least 4 characters/);
      assertNoStack(r.stderr);
    }
  });

  it('a scenario prefix shorter than 4 characters is refused (exit 2): every key under it is deleted at the end', () => {
    const r = cachebench(['validate', liveScenario({ name: 'short', redis: { url: 'redis://127.0.0.1:1/0', prefix: 'c:' } })]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /cache\.redis\.prefix.*must be at least 4 characters/);
  });
});
