import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { RunFailure } from '../src/errors.js';
import { PipelinedRedisConnection, type PipelinedConnectionOptions } from '../src/live/pipelined-redis-connection.js';
import { PipelinedRedisPool } from '../src/live/pipelined-redis-pool.js';
import { parseRedisAddress } from '../src/live/redis-address.js';
import { NOT_CACHED } from '../src/live/redis-commands.js';
import { freePort, ownServers, redisSkipReason } from './support/redis-server.js';

// The live run's pipelined Redis connections: against a scripted fake server on loopback for what a real
// one will not do on cue (hold a reply past the timeout, drop the connection), and against a
// redis-server of the test's own for every command the run sends.

function options(overrides: Partial<PipelinedConnectionOptions> = {}): PipelinedConnectionOptions {
  return { connectTimeoutMs: 5000, commandTimeoutMs: 5000, autoPipelining: true, reconnectDelay: () => 10, onReconnecting: () => {}, ...overrides };
}

/** A loopback server that answers nothing by itself: the test writes the replies (to the latest socket). */
async function fakeServer(): Promise<{ server: Server; port: number; sockets: Socket[]; received: () => number }> {
  const sockets: Socket[] = [];
  let bytes = 0;
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', (chunk) => {
      bytes += chunk.length;
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(typeof address === 'object' && address !== null);
  after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { server, port: address.port, sockets, received: () => bytes };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition(), what);
}

describe('pipelined Redis connection, against a scripted server', () => {
  it('a command past the timeout is rejected; its late reply is skipped and the next command gets its own', async () => {
    const fake = await fakeServer();
    const connection = await PipelinedRedisConnection.open(parseRedisAddress(`redis://127.0.0.1:${fake.port}`, 'url'), options({ commandTimeoutMs: 50 }));
    try {
      await assert.rejects(connection.del('a'), /Command timed out/);
      const second = connection.del('b');
      await until(() => fake.received() >= 2 * '*2\r\n$3\r\nDEL\r\n$1\r\na\r\n'.length, 'both DELs reached the server');
      // The reply to the first (timed out) DEL, then the second's: the second must get 2, not 1.
      fake.sockets[0].write(':1\r\n:2\r\n');
      assert.equal(await second, 2);
      assert.equal(connection.pending, 0);
    } finally {
      connection.close();
    }
  });

  it('one sweep timer bounds every pending command: 500 commands time out with a few timers, not 500', async () => {
    const fake = await fakeServer();
    const connection = await PipelinedRedisConnection.open(parseRedisAddress(`redis://127.0.0.1:${fake.port}`, 'url'), options({ commandTimeoutMs: 30 }));
    const realSetTimeout = globalThis.setTimeout;
    let timers = 0;
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      timers++;
      return realSetTimeout(...args);
    }) as typeof setTimeout;
    try {
      const commands = Array.from({ length: 500 }, (_, i) => connection.getVersion(`k${i}`));
      const outcomes = await Promise.allSettled(commands);
      assert.equal(outcomes.filter((o) => o.status === 'rejected' && /timed out/.test(String(o.reason))).length, 500);
      assert.ok(timers <= 20, `${timers} timers for 500 commands`);
    } finally {
      globalThis.setTimeout = realSetTimeout;
      connection.close();
    }
  });

  it('a dropped connection fails what is pending, fails commands at once while down, then reconnects', async () => {
    const fake = await fakeServer();
    let reconnecting = 0;
    const connection = await PipelinedRedisConnection.open(
      parseRedisAddress(`redis://127.0.0.1:${fake.port}`, 'url'),
      options({ reconnectDelay: () => 50, onReconnecting: () => reconnecting++ }),
    );
    try {
      const pending = connection.ping();
      await until(() => fake.received() > 0, 'the PING reached the server');
      fake.sockets[0].destroy();
      await assert.rejects(pending, /closed|ECONNRESET/);
      await assert.rejects(connection.ping(), /down/);
      assert.equal(reconnecting, 1);
      await until(() => fake.sockets.length === 2, 'it reconnected');
      const again = connection.ping();
      await until(() => fake.received() > '*1\r\n$4\r\nPING\r\n'.length, 'the second PING reached the new connection');
      fake.sockets[1].write('+PONG\r\n');
      // A reconnect that raced the PING fails it at once; either way the connection is up again.
      assert.equal(await again.catch(() => connection.ping()), 'PONG');
    } finally {
      connection.close();
    }
  });

  it('a reply no command asked for drops the connection (the stream lost its place)', async () => {
    const fake = await fakeServer();
    const connection = await PipelinedRedisConnection.open(parseRedisAddress(`redis://127.0.0.1:${fake.port}`, 'url'), options({ reconnectDelay: () => 60_000 }));
    try {
      fake.sockets[0].write('+OK\r\n');
      await until(() => fake.sockets[0].destroyed || fake.sockets[0].readableEnded, 'the connection was dropped');
      await assert.rejects(connection.ping(), /down/);
    } finally {
      connection.close();
    }
  });

  it('an unreachable server is a RunFailure (exit 3) naming host and port', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}/0`;
    const opening = PipelinedRedisPool.open({
      addresses: [parseRedisAddress(url, 'url')],
      cluster: false,
      connections: 2,
      autoPipelining: true,
      connectTimeoutMs: 2000,
      commandTimeoutMs: 1000,
    });
    await assert.rejects(opening, (error: Error) => {
      assert.ok(error instanceof RunFailure);
      assert.match(error.message, new RegExp(`cannot connect to Redis at .*127\\.0\\.0\\.1:${port}`));
      return true;
    });
  });
});

const skip = redisSkipReason();
const ownServer = ownServers();

describe('pipelined Redis connection, against a real redis-server', { skip }, () => {
  it('GET as a version, SET with PX and NX, DEL, PUBLISH, PING: the replies of every command, in order', async () => {
    const server = await ownServer();
    const client = await server.client();
    const connection = await PipelinedRedisConnection.open(parseRedisAddress(server.url, 'url'), options());
    try {
      assert.equal(await connection.getVersion('t:absent'), NOT_CACHED);
      assert.equal(await connection.set('t:v', '17:xxxx'), true);
      assert.equal(await connection.getVersion('t:v'), 17);
      await client.set('t:foreign', 'not ours');
      assert.equal(await connection.getVersion('t:foreign'), -1);
      assert.equal(await connection.set('t:px', '1:x', 60_000), true);
      const pttl = await client.pttl('t:px');
      assert.ok(pttl > 50_000 && pttl <= 60_000, `pttl ${pttl}`);
      assert.equal(await connection.set('t:px', '2:x', 60_000, true), false, 'NX on a held key: not stored');
      assert.equal(await connection.set('t:nx', '3:x', 60_000, true), true);
      assert.equal(await connection.del('t:nx'), 1);
      assert.equal(await connection.del('t:nx'), 0);
      assert.equal(await connection.publish('t:channel', 'hello'), 0);
      assert.equal(await connection.ping(), 'PONG');
      await assert.rejects(connection.evalsha('0'.repeat(40), 't:v', []), /^Error: NOSCRIPT/);
      assert.deepEqual(await connection.eval("return {1, 'two', redis.call('GET', KEYS[1])}", 't:v', []), [1, 'two', '17:xxxx']);
      // Non-ASCII keys and values go as UTF-8 bytes.
      assert.equal(await connection.set('t:é', '5:ü'), true);
      assert.equal(await client.get('t:é'), '5:ü');
      // Many commands in one tick: one write, replies matched in order.
      const many = await Promise.all(Array.from({ length: 5000 }, (_, i) => connection.set(`t:m${i}`, `${i}:v`).then(() => connection.getVersion(`t:m${i}`))));
      assert.deepEqual(many, Array.from({ length: 5000 }, (_, i) => i));
      // A value larger than a socket read: its reply arrives in many chunks.
      const big = `9:${'b'.repeat(2_000_000)}`;
      assert.equal(await connection.set('t:big', big), true);
      assert.equal(await connection.getVersion('t:big'), 9);
      assert.equal((await client.get('t:big'))?.length, big.length);
    } finally {
      connection.close();
      client.disconnect();
    }
  });

  it('AUTH and SELECT from the URL: the commands land in the database it names', async () => {
    const server = await ownServer(['--requirepass', 's3cret']);
    const url = server.url.replace('redis://', 'redis://:s3cret@').replace(/\/0$/, '/3');
    const open = (to: string) =>
      PipelinedRedisPool.open({
        addresses: [parseRedisAddress(to, 'url')],
        cluster: false,
        connections: 2,
        autoPipelining: false,
        connectTimeoutMs: 5000,
        commandTimeoutMs: 5000,
      });
    const pool = await open(url);
    const database0 = await open(url.replace(/\/3$/, '/0'));
    try {
      assert.equal(await pool.pick().set('t:db', '1:x'), true);
      assert.equal(await pool.pick().getVersion('t:db'), 1);
      assert.equal(await pool.pick().getVersion('t:db'), 1, 'both connections in database 3');
      assert.equal(await database0.pick().getVersion('t:db'), NOT_CACHED);
      assert.equal(pool.redact(`x ${url} y`).includes('s3cret'), false);
    } finally {
      pool.close();
      database0.close();
    }
  });

  it('a server killed and restarted: commands fail while it is down, the connection comes back, reconnects counted', async () => {
    const server = await ownServer();
    const pool = await PipelinedRedisPool.open({
      addresses: [parseRedisAddress(server.url, 'url')],
      cluster: false,
      connections: 1,
      autoPipelining: true,
      connectTimeoutMs: 2000,
      commandTimeoutMs: 2000,
    });
    try {
      assert.equal(await pool.pick().ping(), 'PONG');
      await server.kill();
      await assert.rejects(pool.pick().ping());
      await server.restart();
      let pong: string | null = null;
      for (let i = 0; i < 500 && pong === null; i++) {
        pong = await pool.pick().ping().catch(() => null);
        if (pong === null) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(pong, 'PONG');
      assert.ok(pool.reconnects >= 1, `reconnects ${pool.reconnects}`);
    } finally {
      pool.close();
    }
  });
});
