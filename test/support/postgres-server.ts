import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import pg from 'pg';
import { freePort } from './redis-server.js';

// PostgreSQL servers for the tests: each initdb'd into its own temporary directory and started on a free
// loopback port (as the `postgres` user when the tests run as root: PostgreSQL refuses to run as root),
// with pg_stat_statements preloaded, and stopped by its PID when the test file ends — or when this process
// exits. Nothing here ever connects to a server it did not start (the machine's own on 5432 is never touched).

const HOST = '127.0.0.1';
const STARTUP_TIMEOUT_MS = 30_000;

/** The newest /usr/lib/postgresql/<version>/bin holding initdb (Debian's layout), or one on the PATH; null: none. */
function findBinaries(): string | null {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(root, versions[0], 'bin');
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  return which.status === 0 ? join(which.stdout.trim(), '..') : null;
}

export const postgresBin = findBinaries();

/** uid/gid to run the server as: the `postgres` user when we are root, ourselves otherwise. */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) throw new Error('running as root, and there is no postgres user to run PostgreSQL as');
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

/** The `skip` option for tests that need their own PostgreSQL: false when it can run, else the reason (never under CI=true). */
export function postgresSkipReason(): false | string {
  if (process.env.CI === 'true') return false;
  if (postgresBin === null) return 'PostgreSQL not installed: apt-get install postgresql (CI=true makes this a failure)';
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0)
    return 'running as root without a postgres user to run the server as (apt-get install postgresql creates it)';
  return false;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGCONT');
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

/** `ownServer()` for a test file: a PostgreSQL of its own, stopped after the file's tests. */
export function ownPostgresServers(): () => Promise<PostgresServerProcess> {
  const servers: PostgresServerProcess[] = [];
  after(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });
  return async () => {
    if (postgresBin === null) throw new Error('PostgreSQL is required under CI=true (apt-get install postgresql)');
    const server = await PostgresServerProcess.start();
    servers.push(server);
    return server;
  };
}

/** A PostgreSQL postmaster child process on 127.0.0.1, trust authentication, user `postgres`. */
export class PostgresServerProcess {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly user: { uid: number; gid: number } | null,
  ) {}

  static async start(): Promise<PostgresServerProcess> {
    const user = serverUser();
    const dir = mkdtempSync(join(tmpdir(), 'cachebench-pg-'));
    if (user !== null) chownSync(dir, user.uid, user.gid);
    const data = join(dir, 'data');
    const init = spawnSync(join(postgresBin!, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C'], {
      encoding: 'utf8',
      ...(user !== null ? user : {}),
      cwd: dir,
    });
    if (init.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`initdb failed:\n${init.stdout}\n${init.stderr}`);
    }
    for (let attempt = 1; ; attempt++) {
      const server = new PostgresServerProcess(await freePort(), dir, user);
      try {
        await server.launch();
        return server;
      } catch (error) {
        await server.kill();
        if (attempt >= 3) {
          rmSync(dir, { recursive: true, force: true });
          throw error;
        }
      }
    }
  }

  get data(): string {
    return join(this.dir, 'data');
  }

  /** A URL for database `database` (the password part is ignored under trust authentication). */
  url(database = 'postgres', password?: string): string {
    return `postgres://postgres${password !== undefined ? `:${password}` : ''}@${HOST}:${this.port}/${database}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** (Re)starts the postmaster on this server's port and data directory. */
  async launch(): Promise<void> {
    const child = spawn(
      join(postgresBin!, 'postgres'),
      [
        '-D',
        this.data,
        '-p',
        String(this.port),
        '-k',
        this.dir,
        '-c',
        `listen_addresses=${HOST}`,
        '-c',
        'shared_preload_libraries=pg_stat_statements',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=60',
        '-c',
        'shared_buffers=32MB',
        '-c',
        'autovacuum=off',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], cwd: this.dir, ...(this.user !== null ? this.user : {}) },
    );
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
    this.child = child;
    running.add(child);
    child.once('exit', () => running.delete(child));
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`postgres on port ${this.port} exited at startup:\n${log}`);
      if (await this.answers()) return;
      if (Date.now() > deadline) throw new Error(`postgres on port ${this.port} did not accept connections within 30 s:\n${log}`);
      await delay(50);
    }
  }

  private async answers(): Promise<boolean> {
    const client = new pg.Client({ host: HOST, port: this.port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 1000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  }

  /** A client of the test's own (the caller ends it). */
  async client(database = 'postgres'): Promise<pg.Client> {
    const client = new pg.Client({ host: HOST, port: this.port, user: 'postgres', database, connectionTimeoutMillis: 5000 });
    client.on('error', () => {});
    await client.connect();
    return client;
  }

  /** A fresh database of the test's own (with pg_stat_statements installed), so counters start from nothing else. */
  async createDatabase(name: string): Promise<void> {
    const admin = await this.client();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const client = await this.client(name);
    try {
      await client.query('CREATE EXTENSION pg_stat_statements');
    } finally {
      await client.end();
    }
  }

  /** The PIDs of the server's processes: the postmaster and every backend and helper it forked. */
  processes(): number[] {
    const postmaster = this.child?.pid;
    if (postmaster === undefined) return [];
    const pids = [postmaster];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === postmaster) pids.push(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
    return pids;
  }

  /** SIGSTOP to the postmaster and all its processes: the server stops answering but keeps its connections. */
  pause(): void {
    for (const pid of this.processes()) process.kill(pid, 'SIGSTOP');
  }

  resume(): void {
    for (const pid of this.processes()) process.kill(pid, 'SIGCONT');
  }

  /** Immediate shutdown (pg_ctl stop -m immediate: SIGQUIT to the postmaster): every connection drops at once. */
  async stopImmediately(): Promise<void> {
    const child = this.child;
    if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid, 'SIGQUIT');
    await exited;
  }

  private async kill(): Promise<void> {
    const child = this.child;
    if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    this.resume();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid, 'SIGQUIT');
    await exited;
  }

  /** Stops the server by its PID and removes its directory; safe to call twice. */
  async stop(): Promise<void> {
    await this.kill();
    this.child = null;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
