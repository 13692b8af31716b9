import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { Redis } from 'ioredis';

// redis-server processes for the tests: each on a free loopback port, in its own temporary directory,
// stopped by its PID when the test ends — and, should a test forget or crash, when this process exits.
// Nothing here ever connects to a server it did not start (the shared one on 6379 is never touched).

const HOST = '127.0.0.1';
const STARTUP_TIMEOUT_MS = 10_000;

function versionOf(binary: string): string | null {
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

/** `redis-server --version`, or null when the binary is missing. */
export const redisServerVersion = versionOf('redis-server');
/** redis-cli builds the cluster (it comes with redis-tools, which Debian's redis-server depends on). */
export const redisCliVersion = versionOf('redis-cli');

/**
 * The `skip` option for tests that start their own redis-server: false when it can run, else the reason.
 * Under CI=true a missing binary is never a skip: the test runs and fails on it (see requireRedis).
 */
export function redisSkipReason(needs: { cli?: boolean } = {}): false | string {
  if (process.env.CI === 'true') return false;
  if (redisServerVersion === null)
    return 'redis-server not installed: apt-get install redis-server (CI=true makes this a failure)';
  if (needs.cli && redisCliVersion === null)
    return 'redis-cli not installed: apt-get install redis-tools (CI=true makes this a failure)';
  return false;
}

/** Throws when the binaries are missing: reached only under CI=true, where that is a failure. */
export function requireRedis(needs: { cli?: boolean } = {}): void {
  if (redisServerVersion === null) throw new Error('redis-server is required under CI=true (apt-get install redis-server)');
  if (needs.cli && redisCliVersion === null) throw new Error('redis-cli is required under CI=true (apt-get install redis-tools)');
}

/**
 * `ownServer(args?)` for a test file: a redis-server of its own on a free loopback port (requireRedis first),
 * every one stopped by PID after the file's tests.
 */
export function ownServers(): (args?: string[]) => Promise<RedisServerProcess> {
  const servers: RedisServerProcess[] = [];
  after(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });
  return async (args?: string[]) => {
    requireRedis();
    const server = await RedisServerProcess.start({ args });
    servers.push(server);
    return server;
  };
}

/** A port nobody listens on right now: bind port 0 on loopback, read the port, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGCONT'); // a paused server would not act on SIGKILL's cleanup otherwise
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** One connection that gives up at once instead of retrying: for probes and for the tests' own checks. */
export function connectOnce(port: number): Redis {
  const client = new Redis({ host: HOST, port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  return client;
}

/**
 * PING over a raw socket: "+PONG", or "-NOAUTH …" from a server started with --requirepass, both mean it
 * answers. (ioredis would first send HELLO, which a password-protected server refuses, and hang up.)
 */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    let reply = '';
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });
}

export interface RedisServerOptions {
  /** A fixed port; otherwise a free one is found (and another tried should it be taken meanwhile). */
  port?: number;
  /** Extra `--name value` arguments, e.g. ['--maxmemory', '10mb']. */
  args?: string[];
}

/** A standalone redis-server child process on 127.0.0.1. */
export class RedisServerProcess {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly args: string[],
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisServerProcess> {
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      const server = new RedisServerProcess(port, mkdtempSync(join(tmpdir(), 'cachebench-redis-')), options.args ?? []);
      try {
        await server.launch();
        return server;
      } catch (error) {
        await server.stop();
        // Another process may have taken the free port between our probe and redis-server's bind.
        if (options.port !== undefined || attempt >= 3) throw error;
      }
    }
  }

  get host(): string {
    return HOST;
  }

  get url(): string {
    return `redis://${HOST}:${this.port}/0`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private async launch(): Promise<void> {
    const log = join(this.dir, 'redis.log');
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        HOST,
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
        '--daemonize',
        'no',
        '--logfile',
        log,
        ...this.args,
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    running.add(child);
    child.once('exit', () => running.delete(child));
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`redis-server on port ${this.port} exited at startup:\n${this.logTail()}`);
      }
      if (await answersPing(this.port)) return;
      if (Date.now() > deadline)
        throw new Error(`redis-server on port ${this.port} did not answer PING within 10 s:\n${this.logTail()}`);
      await delay(25);
    }
  }

  private logTail(): string {
    try {
      return readFileSync(join(this.dir, 'redis.log'), 'utf8').split('\n').slice(-10).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** A client for the test's own checks (no retries); the caller disconnects it. */
  async client(): Promise<Redis> {
    const client = connectOnce(this.port);
    await client.connect();
    return client;
  }

  /** SIGSTOP: the server stops answering but keeps its connections, as a stalled server would. */
  pause(): void {
    if (this.child?.pid !== undefined) process.kill(this.child.pid, 'SIGSTOP');
  }

  resume(): void {
    if (this.child?.pid !== undefined) process.kill(this.child.pid, 'SIGCONT');
  }

  /** SIGKILL, as a crash: connections drop, the data is gone (no persistence). */
  async kill(): Promise<void> {
    const child = this.child;
    if (child?.pid === undefined) return;
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, 'SIGCONT');
      process.kill(child.pid, 'SIGKILL');
    }
    await exited(child);
  }

  /** Starts the server again on the same port (after kill()). */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  /** Stops the server by its PID and removes its directory; safe to call twice. */
  async stop(): Promise<void> {
    await this.kill();
    this.child = null;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Three masters, no replicas, every slot assigned; each node on its own port with an explicit bus port. */
export class RedisClusterProcesses {
  private constructor(readonly nodes: RedisServerProcess[]) {}

  static async start(masters = 3): Promise<RedisClusterProcesses> {
    const nodes: RedisServerProcess[] = [];
    const cluster = new RedisClusterProcesses(nodes);
    try {
      for (let i = 0; i < masters; i++) {
        // The bus port defaults to port + 10000, which may be taken or above 65535: name a free one.
        const port = await freePort();
        let busPort = await freePort();
        while (busPort === port) busPort = await freePort();
        nodes.push(
          await RedisServerProcess.start({
            port,
            args: [
              '--cluster-enabled',
              'yes',
              '--cluster-port',
              String(busPort),
              // relative to the node's own --dir
              '--cluster-config-file',
              `nodes-${port}.conf`,
              '--cluster-node-timeout',
              '5000',
            ],
          }),
        );
      }
      const create = spawnSync(
        'redis-cli',
        ['--cluster', 'create', ...nodes.map((node) => `${HOST}:${node.port}`), '--cluster-replicas', '0', '--cluster-yes'],
        { encoding: 'utf8', timeout: 30_000 },
      );
      if (create.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.stdout}\n${create.stderr}`);
      await cluster.waitUntilOk();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  get urls(): string[] {
    return this.nodes.map((node) => node.url.replace(/\/0$/, ''));
  }

  private async waitUntilOk(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const states = await Promise.all(
        this.nodes.map(async (node) => {
          const client = connectOnce(node.port);
          try {
            await client.connect();
            const info = String(await client.call('CLUSTER', 'INFO'));
            return /cluster_state:ok/.test(info) && /cluster_slots_assigned:16384/.test(info);
          } catch {
            return false;
          } finally {
            client.disconnect();
          }
        }),
      );
      if (states.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error('the cluster did not reach cluster_state:ok within 20 s');
      await delay(100);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
  }
}

/** Every key matching `pattern` on one server, by SCAN (the tests' own check; never KEYS). */
export async function scanKeys(client: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/** INFO stats fields as numbers, e.g. keyspace_hits. */
export async function infoStats(client: Redis): Promise<Record<string, number>> {
  const text = await client.info('stats');
  const stats: Record<string, number> = {};
  for (const line of text.split('\r\n')) {
    const match = /^(\w+):(-?[\d.]+)$/.exec(line);
    if (match) stats[match[1]] = Number(match[2]);
  }
  return stats;
}
