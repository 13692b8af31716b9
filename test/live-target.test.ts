import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { RespReader, type RespValue } from '../src/live/resp-reader.js';
import { assertNoStack, startCachebench } from './support/cachebench-process.js';
import { liveScenario, uniquePrefix } from './support/live-scenario.js';
import { ownServers, redisSkipReason, scanKeys } from './support/redis-server.js';

// A target that is not what the scenario's URL says: a database the server does not have, a password
// missing or wrong, a handshake the server refuses, a server that is not Redis at all. Each is exit 3 with
// the reason in words, before a single request (ioredis alone would run on in database 0, or say
// "write EPIPE"). Redis servers are the tests' own, on free loopback ports; the impostors are net servers.
const skip = redisSkipReason();
const ownServer = ownServers();

function run(scenario: string) {
  return startCachebench(['run', scenario, '--json', '-'], { timeoutMs: 30_000 }).finished;
}

const listening: Server[] = [];
after(() => {
  for (const server of listening) server.close();
});

/** A loopback TCP server that treats every connection with `onConnection`; its port. */
async function impostor(onConnection: Parameters<typeof createServer>[1]): Promise<number> {
  const server = createServer(onConnection);
  listening.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(typeof address === 'object' && address !== null);
  return address.port;
}

describe('cachebench run, mode: live: a target that is not what the URL says', () => {
  it('a database the server does not have (/99) is exit 3 with Redis’s reason; nothing runs in database 0', { skip }, async () => {
    const server = await ownServer();
    const prefix = uniquePrefix('db99');
    const r = await run(liveScenario({ name: 'db99', redis: { url: `redis://127.0.0.1:${server.port}/99`, prefix } }));
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /refused SELECT 99: ERR DB index is out of range/);
    assert.equal(r.stdout, '', 'no result for a run that never ran');
    assertNoStack(r.stderr);
    const client = await server.client();
    try {
      assert.deepEqual(await scanKeys(client, `${prefix}*`), [], 'no key written in database 0');
    } finally {
      client.disconnect();
    }
  });

  it('a server that requires a password, without one in the URL: says so and how to add it (exit 3)', { skip }, async () => {
    const server = await ownServer();
    const client = await server.client();
    await client.config('SET', 'requirepass', 'the-secret');
    client.disconnect();
    const r = await run(liveScenario({ name: 'noauth', redis: { url: server.url } }));
    assert.equal(r.code, 3, r.stderr);
    assert.ok(
      r.stderr.includes(`Redis requires a password (add it to the URL: redis://:PASSWORD@127.0.0.1:${server.port})`),
      r.stderr,
    );
    assert.doesNotMatch(r.stderr, /HELLO must be called/);
    assertNoStack(r.stderr);
  });

  it('a wrong password: "Redis refused the password (WRONGPASS …)", the password never printed (exit 3)', { skip }, async () => {
    const server = await ownServer();
    const client = await server.client();
    await client.config('SET', 'requirepass', 'the-secret');
    client.disconnect();
    const r = await run(liveScenario({ name: 'wrongpass', redis: { url: `redis://:not-it-42@127.0.0.1:${server.port}/0` } }));
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /Redis refused the password \(WRONGPASS /);
    assert.doesNotMatch(r.stdout + r.stderr, /not-it-42/);
    assertNoStack(r.stderr);
  });

  it('a HELLO the server refuses is exit 3 with the server’s reason', async () => {
    // Speaks just enough RESP for the check before the run (PING) and then refuses ioredis's HELLO.
    const port = await impostor((socket) => {
      const reader = new RespReader();
      socket.on('error', () => {});
      socket.on('data', (chunk) =>
        reader.push(chunk, (request: RespValue) => {
          const name = Array.isArray(request) ? String(request[0]).toUpperCase() : '';
          if (name === 'PING') socket.write('+PONG\r\n');
          else if (name === 'HELLO') socket.write("-NOPERM this user has no permissions to run the 'hello' command\r\n");
          else socket.write('+OK\r\n');
        }),
      );
    });
    const r = await run(liveScenario({ name: 'hello', redis: { url: `redis://127.0.0.1:${port}/0`, connect_timeout: '5s' } }));
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /refused HELLO: NOPERM this user has no permissions/);
    assertNoStack(r.stderr);
  });

  it('an HTTP server as the target: "<host:port> did not answer as a Redis server" (exit 3), not "write EPIPE"', async () => {
    const port = await impostor((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
    });
    const r = await run(liveScenario({ name: 'http', redis: { url: `redis://127.0.0.1:${port}/0` } }));
    assert.equal(r.code, 3, r.stderr);
    assert.ok(r.stderr.includes(`127.0.0.1:${port} did not answer as a Redis server: it sent "HTTP/1.1 400 Bad Request"`), r.stderr);
    assert.doesNotMatch(r.stderr, /EPIPE|Unknown RESP type|report this/);
    assertNoStack(r.stderr);
  });

  it('a server that accepts and closes at once: "<host:port> did not answer as a Redis server" (exit 3)', async () => {
    const port = await impostor((socket) => {
      socket.on('error', () => {});
      socket.destroy();
    });
    const r = await run(liveScenario({ name: 'closes', redis: { url: `redis://127.0.0.1:${port}/0` } }));
    assert.equal(r.code, 3, r.stderr);
    assert.ok(r.stderr.includes(`127.0.0.1:${port} did not answer as a Redis server`), r.stderr);
    assert.doesNotMatch(r.stderr, /EPIPE|ECONNRESET/);
    assertNoStack(r.stderr);
  });
});
