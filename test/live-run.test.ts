import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { repoRoot, startCachebench } from './support/cachebench-process.js';
import { delay, type LiveResult, liveScenario, parseResult, uniquePrefix } from './support/live-scenario.js';
import { freePort, infoStats, RedisServerProcess, redisSkipReason, requireRedis, scanKeys } from './support/redis-server.js';

// `mode: live` end to end: the real binary against redis-server processes these tests start on free loopback
// ports and stop by PID. Each test that asserts on the server's own counters or configuration has a server
// of its own. Only "refuses a prefix that already holds keys" runs against REDIS_URL when it is set (it
// writes one key under a unique prefix and deletes it), since it needs nothing but a server it must not
// configure. Without redis-server the tests are skipped with the reason; under CI=true that is a failure.
const skip = redisSkipReason();
const servers: RedisServerProcess[] = [];

async function ownServer(args: string[] = []): Promise<RedisServerProcess> {
  requireRedis();
  const server = await RedisServerProcess.start({ args });
  servers.push(server);
  return server;
}

after(async () => {
  await Promise.all(servers.map((server) => server.stop()));
});

function run(scenario: string, extra: string[] = [], timeoutMs = 30_000) {
  return startCachebench(['run', scenario, '--json', '-', ...extra], { timeoutMs }).finished;
}

describe('cachebench run, mode: live (real redis-server)', { skip }, () => {
  it('a short run exits 0 and its hits and misses equal the server’s keyspace_hits and keyspace_misses over the run', async () => {
    const server = await ownServer();
    const prefix = uniquePrefix('counts');
    const client = await server.client();
    try {
      const before = await infoStats(client);
      const r = await run(liveScenario({ name: 'counts', redis: { url: server.url, prefix } }));
      const afterRun = await infoStats(client);
      assert.equal(r.code, 0, r.stderr);
      const metrics = parseResult(r.stdout, r.stderr).runs[0].metrics;
      const result = parseResult(r.stdout, r.stderr).runs[0];
      assert.ok(metrics.reads >= 300, `reads: ${metrics.reads}`);
      assert.ok(metrics.hits > 0 && metrics.misses > 0, `hits ${metrics.hits}, misses ${metrics.misses}`);
      assert.equal(metrics.hits + metrics.misses, metrics.reads);
      // Measured by this test, independently of the product's own INFO delta…
      assert.equal(metrics.hits, afterRun.keyspace_hits - before.keyspace_hits);
      assert.equal(metrics.misses, afterRun.keyspace_misses - before.keyspace_misses);
      // …and as the product reports it.
      assert.equal(result.redis?.delta.keyspace_hits, metrics.hits);
      assert.equal(result.redis?.delta.keyspace_misses, metrics.misses);
      assert.ok((result.redis?.delta.total_commands_processed ?? 0) >= metrics.reads);
      assert.equal(metrics.live.dropped, 0);
      assert.deepEqual(await scanKeys(client, `${prefix}*`), [], 'the run deletes its own keys');
    } finally {
      client.disconnect();
    }
  });

  it('leaves every unrelated key intact (values and TTLs), removes its own, and never sends FLUSHDB, FLUSHALL or KEYS', async () => {
    const server = await ownServer();
    const client = await server.client();
    try {
      const strings: Record<string, string> = {};
      for (let i = 0; i < 300; i++) strings[`app:user:${i}`] = `value-${i}`;
      // Keys that look like a run's: another tool's, a bare "cachebench:" and one just past the prefix.
      for (let i = 0; i < 50; i++) strings[`cachebench:other:${i}`] = `other-${i}`;
      strings['cachebench:'] = 'bare';
      strings.cachebenchx = 'near';
      const fill = client.pipeline();
      for (const [key, value] of Object.entries(strings)) fill.set(key, value);
      for (let i = 0; i < 30; i++) fill.hset(`app:profile:${i}`, { name: `n${i}`, visits: String(i) });
      for (let i = 0; i < 30; i++) fill.set(`app:session:${i}`, `s${i}`, 'EX', 3600);
      for (let i = 0; i < 10; i++) fill.set(`cachebench:other:ttl:${i}`, `t${i}`, 'PX', 3_600_000);
      await fill.exec();
      const keysBefore = (await scanKeys(client, '*')).sort();
      await client.config('RESETSTAT');

      // The default prefix (cachebench:<run id>:): the test does not name it.
      const r = await run(liveScenario({ name: 'safety', redis: { url: server.url } }));
      assert.equal(r.code, 0, r.stderr);
      assert.ok(parseResult(r.stdout, r.stderr).runs[0].metrics.reads > 0);

      assert.deepEqual((await scanKeys(client, '*')).sort(), keysBefore, 'exactly the keys there before the run remain');
      const values = client.pipeline();
      for (const key of Object.keys(strings)) values.get(key);
      const got = ((await values.exec()) ?? []).map(([, value]) => value);
      assert.deepEqual(got, Object.values(strings));
      for (let i = 0; i < 30; i++) {
        assert.deepEqual(await client.hgetall(`app:profile:${i}`), { name: `n${i}`, visits: String(i) });
        assert.equal(await client.get(`app:session:${i}`), `s${i}`);
        const ttl = await client.ttl(`app:session:${i}`);
        assert.ok(ttl > 3000 && ttl <= 3600, `app:session:${i} keeps its TTL (${ttl} s)`);
      }
      for (let i = 0; i < 10; i++) {
        const pttl = await client.pttl(`cachebench:other:ttl:${i}`);
        assert.ok(pttl > 3_000_000 && pttl <= 3_600_000, `cachebench:other:ttl:${i} keeps its TTL (${pttl} ms)`);
      }
      const commandStats = await client.info('commandstats');
      assert.match(commandStats, /cmdstat_(get|set):/, 'commandstats saw the run');
      assert.doesNotMatch(commandStats, /cmdstat_(flushdb|flushall|keys):/i);
    } finally {
      client.disconnect();
    }
  });

  it('the source never names FLUSHDB, FLUSHALL or KEYS as a Redis command', () => {
    const sources: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts')) sources.push(path);
      }
    };
    walk(join(repoRoot, 'src'));
    const live = sources.filter((path) => /[\\/]live[\\/]/.test(path));
    assert.ok(live.length > 0, 'src/live/ exists');
    for (const path of sources) {
      // Comments may say "never FLUSHDB"; code may not.
      const code = readFileSync(path, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/(^|[^:])\/\/.*$/gm, '$1');
      assert.doesNotMatch(code, /flushdb|flushall/i, path);
      assert.doesNotMatch(
        code,
        /\b(call|callBuffer|sendCommand|send_command|Command)\(\s*['"`](keys|flushdb|flushall)['"`]/i,
        path,
      );
      assert.doesNotMatch(code, /\b(redis|client|cluster|node|connection)\w*\.keys\(/i, path);
    }
  });

  it('refuses a prefix that already holds keys (exit 2) and leaves them; reuse_keys: true runs', async () => {
    const url = process.env.REDIS_URL ?? (await ownServer()).url;
    const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
    client.on('error', () => {});
    await client.connect();
    const prefix = uniquePrefix('taken');
    try {
      await client.set(`${prefix}existing`, 'mine', 'EX', 600);
      const refused = await run(liveScenario({ name: 'taken', redis: { url, prefix } }));
      assert.equal(refused.code, 2, refused.stderr);
      assert.ok(refused.stderr.includes(prefix), `names the prefix: ${refused.stderr}`);
      assert.match(refused.stderr, /reuse_keys/, 'says how to go on');
      assert.deepEqual(await scanKeys(client, `${prefix}*`), [`${prefix}existing`], 'nothing written, nothing deleted');
      assert.equal(await client.get(`${prefix}existing`), 'mine');

      const reused = await run(liveScenario({ name: 'taken', redis: { url, prefix, reuse_keys: true } }));
      assert.equal(reused.code, 0, reused.stderr);
      assert.ok(parseResult(reused.stdout, reused.stderr).runs[0].metrics.reads > 0);
    } finally {
      const left = await scanKeys(client, `${prefix}*`);
      if (left.length > 0) await client.unlink(...left);
      client.disconnect();
    }
  });

  it('an unreachable Redis (a closed port) is exit 3 within the connect timeout, naming host:port, never the password', async () => {
    const port = await freePort();
    const r = await run(
      liveScenario({ name: 'closed', redis: { url: `redis://admin:hunter2@127.0.0.1:${port}/0`, connect_timeout: '2s' } }),
    );
    assert.equal(r.code, 3, r.stderr);
    // Refused at once, not after waiting out the 2 s connect timeout: the message is the refusal.
    assert.match(r.stderr, /ECONNREFUSED/);
    assert.doesNotMatch(r.stderr, /within \d+ ms/);
    assert.ok(r.stderr.includes(`127.0.0.1:${port}`), r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /hunter2/);
    if (r.stderr.includes('admin')) assert.match(r.stderr, /admin:\*\*\*@/);
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?/, 'no stack trace');
  });

  it('a server that accepts connections but never answers (SIGSTOP) is exit 3 within the connect timeout', async () => {
    const server = await ownServer();
    server.pause();
    try {
      const r = await run(liveScenario({ name: 'stalled', redis: { url: server.url, connect_timeout: '1s' } }));
      assert.equal(r.code, 3, r.stderr);
      // It is the 1 s connect timeout that ended it (a floor load cannot break; a hang fails the run's own timeout).
      assert.match(r.stderr, /within 1000 ms/);
      assert.ok(r.elapsedMs >= 1000, `took ${r.elapsedMs} ms`);
      assert.ok(r.stderr.includes(`127.0.0.1:${server.port}`), r.stderr);
    } finally {
      server.resume();
    }
  });

  it('a password in the URL appears nowhere in the output or the JSON of a successful run', async () => {
    const server = await ownServer(['--requirepass', 'hunter2']);
    const prefix = uniquePrefix('auth');
    const r = await run(
      liveScenario({ name: 'auth', redis: { url: `redis://default:hunter2@127.0.0.1:${server.port}/0`, prefix } }),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /hunter2/);
    const result = parseResult(r.stdout, r.stderr) as LiveResult & { scenario: unknown };
    const echoed = JSON.stringify(result.scenario);
    if (echoed.includes(`127.0.0.1:${server.port}`)) assert.match(echoed, /default:\*\*\*@127\.0\.0\.1/);
    assert.ok(result.runs[0].metrics.reads > 0);
  });

  /** Runs the scenario while sampling CONFIG GET every 50 ms; returns the values seen during the run. */
  async function configDuringRun(server: RedisServerProcess, extra: string[]) {
    const client = await server.client();
    try {
      const read = async () => {
        // One name per CONFIG GET: a reply with several pairs comes in no particular order.
        const pairs = (await client.config('GET', 'maxmemory')) as string[];
        const policyPairs = (await client.config('GET', 'maxmemory-policy')) as string[];
        return `${pairs[1]}/${policyPairs[1]}`;
      };
      const before = await read();
      const running = run(
        liveScenario({ name: 'config', redis: { url: server.url }, cache: { policy: 'lru', capacity: '64MB' } }),
        extra,
      );
      const seen = new Set<string>();
      let done = false;
      void running.then(() => {
        done = true;
      });
      while (!done) {
        seen.add(await read());
        await delay(50);
      }
      const r = await running;
      return { r, before, seen, afterRun: await read() };
    } finally {
      client.disconnect();
    }
  }

  it('--allow-config sets maxmemory and maxmemory-policy for the run and restores them; without it they stay untouched', async () => {
    const server = await ownServer(['--maxmemory', '0', '--maxmemory-policy', 'noeviction']);
    const allowed = await configDuringRun(server, ['--allow-config']);
    assert.equal(allowed.r.code, 0, allowed.r.stderr);
    assert.equal(allowed.before, '0/noeviction');
    assert.ok(allowed.seen.has('67108864/allkeys-lru'), `seen during the run: ${[...allowed.seen].join(', ')}`);
    assert.equal(allowed.afterRun, allowed.before, 'restored');

    const untouched = await configDuringRun(server, []);
    assert.equal(untouched.r.code, 0, untouched.r.stderr);
    assert.deepEqual([...untouched.seen], ['0/noeviction']);
    assert.equal(untouched.afterRun, '0/noeviction');
  });
});
