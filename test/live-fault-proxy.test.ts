import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FaultProxy, PASS } from '../src/live/fault-proxy.js';
import { ownServers, redisSkipReason } from './support/redis-server.js';

// The fault proxy with real sockets on loopback: an echo server behind it (every line comes back), and,
// with redis-server installed, ioredis through it. Bounds are lower bounds or orderings, never upper
// bounds on time: a busy machine only makes things slower.

let echo: Server;
let echoPort = 0;

before(async () => {
  echo = createServer((socket) => socket.pipe(socket));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  echoPort = (echo.address() as { port: number }).port;
});
after(() => echo.close());

/** A client of the proxy that sends a line and resolves with the reply, or with how the socket failed. */
class LineClient {
  private readonly socket: Socket;
  private received = '';
  private waiter: ((outcome: string) => void) | null = null;
  failure: string | null = null;

  private constructor(port: number) {
    this.socket = connect({ host: '127.0.0.1', port });
    this.socket.on('data', (chunk: Buffer) => {
      this.received += chunk.toString();
      if (this.received.endsWith('\n')) this.settle(this.received.trimEnd());
    });
    this.socket.on('error', (error: NodeJS.ErrnoException) => {
      this.failure ??= error.code ?? error.message;
      this.settle(`error ${this.failure}`);
    });
    this.socket.on('close', () => {
      this.failure ??= 'closed';
      this.settle(`error ${this.failure}`);
    });
  }

  static async open(port: number): Promise<LineClient> {
    const client = new LineClient(port);
    await once(client.socket, 'connect');
    return client;
  }

  /** Sends `line`; the reply, `error <code>`, or `timeout` after `timeoutMs`. */
  ask(line: string, timeoutMs = 5000): Promise<string> {
    this.received = '';
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle('timeout'), timeoutMs);
      this.waiter = (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      if (this.failure !== null) this.settle(`error ${this.failure}`);
      else this.socket.write(`${line}\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private settle(outcome: string): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.(outcome);
  }
}

async function timed(ask: () => Promise<string>): Promise<{ reply: string; ms: number }> {
  const start = performance.now();
  const reply = await ask();
  return { reply, ms: performance.now() - start };
}

describe('the fault proxy (loopback, an echo server behind it)', () => {
  it('listens on 127.0.0.1 only and forwards both ways in pass', async () => {
    const proxy = await FaultProxy.start({ host: '127.0.0.1', port: echoPort });
    try {
      assert.ok(proxy.port > 0);
      const client = await LineClient.open(proxy.port);
      assert.equal(await client.ask('hello'), 'hello');
      assert.equal(proxy.connections, 1);
      client.close();
    } finally {
      await proxy.close();
    }
  });

  it('delay holds each direction: a round trip takes at least twice the delay, and pass takes it away again', async () => {
    const proxy = await FaultProxy.start({ host: '127.0.0.1', port: echoPort });
    try {
      const client = await LineClient.open(proxy.port);
      proxy.setMode({ kind: 'delay', ms: 100 });
      const slow = await timed(() => client.ask('slow'));
      assert.equal(slow.reply, 'slow');
      assert.ok(slow.ms >= 195, `a round trip through a 100 ms delay took ${slow.ms} ms`);
      proxy.setMode(PASS);
      const fast = await timed(() => client.ask('fast'));
      assert.equal(fast.reply, 'fast');
      assert.ok(fast.ms < slow.ms, `back in pass: ${fast.ms} ms against ${slow.ms} ms delayed`);
      client.close();
    } finally {
      await proxy.close();
    }
  });

  it('stretch holds a reply (factor − 1) × the time the server took: a reply 40 ms in coming takes 3 × 40 ms with factor 3', async () => {
    // A server that answers each line 40 ms after it arrives.
    const slowEcho = createServer((socket) => socket.on('data', (chunk: Buffer) => setTimeout(() => socket.write(chunk), 40)));
    slowEcho.listen(0, '127.0.0.1');
    await once(slowEcho, 'listening');
    const proxy = await FaultProxy.start({ host: '127.0.0.1', port: (slowEcho.address() as { port: number }).port });
    try {
      const client = await LineClient.open(proxy.port);
      const plain = await timed(() => client.ask('plain'));
      assert.equal(plain.reply, 'plain');
      assert.ok(plain.ms >= 39, `the server's own time ${plain.ms} ms`);
      proxy.setMode({ kind: 'stretch', factor: 3 });
      const stretched = await timed(() => client.ask('stretched'));
      assert.equal(stretched.reply, 'stretched');
      assert.ok(stretched.ms >= 3 * 39, `factor 3 on a 40 ms reply took ${stretched.ms} ms`);
      proxy.setMode(PASS);
      const again = await timed(() => client.ask('again'));
      assert.equal(again.reply, 'again');
      assert.ok(again.ms < stretched.ms, `back in pass: ${again.ms} ms against ${stretched.ms} ms stretched`);
      client.close();
    } finally {
      await proxy.close();
      slowEcho.close();
    }
  });

  it('delay keeps the order of what was sent, across a switch back to pass', async () => {
    const proxy = await FaultProxy.start({ host: '127.0.0.1', port: echoPort });
    try {
      const socket = connect({ host: '127.0.0.1', port: proxy.port });
      await once(socket, 'connect');
      let received = '';
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString();
      });
      proxy.setMode({ kind: 'delay', ms: 80 });
      socket.write('a');
      socket.write('b');
      await new Promise((resolve) => setTimeout(resolve, 10));
      proxy.setMode(PASS);
      socket.write('c');
      while (received.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(received, 'abc');
      socket.destroy();
    } finally {
      await proxy.close();
    }
  });

  it('refuse closes the open connection and every new one; pass lets new ones through again', async () => {
    const proxy = await FaultProxy.start({ host: '127.0.0.1', port: echoPort });
    try {
      const client = await LineClient.open(proxy.port);
      assert.equal(await client.ask('before'), 'before');
      proxy.setMode({ kind: 'refuse' });
      assert.match(await client.ask('during'), /^error /);
      assert.equal(proxy.connections, 0);
      const late = connect({ host: '127.0.0.1', port: proxy.port });
      late.on('error', () => {});
      const [closedWithoutData] = await Promise.race([once(late, 'close'), once(late, 'data')]);
      assert.equal(typeof closedWithoutData, 'boolean', 'a new connection is closed at once, with no data');
      proxy.setMode(PASS);
      const again = await LineClient.open(proxy.port);
      assert.equal(await again.ask('after'), 'after');
      again.close();
    } finally {
      await proxy.close();
    }
  });

  it('reset answers the open connection with a TCP RST (ECONNRESET)', async () => {
    const proxy = await FaultProxy.start({ host: '127.0.0.1', port: echoPort });
    try {
      const client = await LineClient.open(proxy.port);
      assert.equal(await client.ask('before'), 'before');
      proxy.setMode({ kind: 'reset' });
      assert.equal(await client.ask('during'), 'error ECONNRESET');
      proxy.setMode(PASS);
      const again = await LineClient.open(proxy.port);
      assert.equal(await again.ask('after'), 'after');
      again.close();
    } finally {
      await proxy.close();
    }
  });

  it('blackhole reads and never answers (the client times out); pass delivers what it held, in order, on the same connection', async () => {
    const proxy = await FaultProxy.start({ host: '127.0.0.1', port: echoPort });
    try {
      const client = await LineClient.open(proxy.port);
      proxy.setMode({ kind: 'blackhole' });
      assert.equal(await client.ask('held', 300), 'timeout');
      // A new connection is accepted and held the same way.
      const late = await LineClient.open(proxy.port);
      assert.equal(await late.ask('late', 300), 'timeout');
      const delivered = new Promise<string>((resolve) => {
        let text = '';
        const socket = (client as unknown as { socket: Socket }).socket;
        socket.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('next')) resolve(text);
        });
      });
      proxy.setMode(PASS);
      assert.equal(await client.ask('next'), 'held\nnext');
      assert.equal(await delivered, 'held\nnext\n');
      late.close();
      client.close();
    } finally {
      await proxy.close();
    }
  });

  it('close stops listening and ends every connection', async () => {
    const proxy = await FaultProxy.start({ host: '127.0.0.1', port: echoPort });
    const client = await LineClient.open(proxy.port);
    assert.equal(await client.ask('x'), 'x');
    await proxy.close();
    assert.match(await client.ask('y'), /^error /);
    const refused = connect({ host: '127.0.0.1', port: proxy.port });
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    assert.equal(error.code, 'ECONNREFUSED');
  });
});

const skip = redisSkipReason();
const ownServer = ownServers();

describe('ioredis through the fault proxy (real redis-server)', { skip }, () => {
  it('delay slows commands, refuse and reset fail them at once, blackhole times them out, pass recovers', async () => {
    const server = await ownServer();
    const proxy = await FaultProxy.start({ host: '127.0.0.1', port: server.port });
    const { Redis } = await import('ioredis');
    const client = new Redis({
      host: '127.0.0.1',
      port: proxy.port,
      commandTimeout: 300,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => 20,
      lazyConnect: true,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      assert.equal(await client.set('k', 'v'), 'OK');
      proxy.setMode({ kind: 'delay', ms: 60 });
      const start = performance.now();
      assert.equal(await client.get('k'), 'v');
      assert.ok(performance.now() - start >= 115, 'a GET through a 60 ms delay each way');
      for (const kind of ['refuse', 'reset'] as const) {
        proxy.setMode({ kind });
        await assert.rejects(client.get('k'), `${kind}: the GET fails`);
        proxy.setMode(PASS);
        await until(async () => (await client.get('k').catch(() => null)) === 'v');
      }
      proxy.setMode({ kind: 'blackhole' });
      await assert.rejects(client.get('k'), /timed out/i);
      proxy.setMode(PASS);
      await until(async () => (await client.get('k').catch(() => null)) === 'v');
      // The held reply went to its own (timed-out) command: the next replies still match their commands.
      assert.equal(await client.set('k2', 'w'), 'OK');
      assert.equal(await client.get('k2'), 'w');
    } finally {
      client.disconnect();
      await proxy.close();
    }
  });
});

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail('the condition never held within 5 s');
}
