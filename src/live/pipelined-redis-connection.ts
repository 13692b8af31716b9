import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { NOT_CACHED, type RedisCommands } from './redis-commands.js';
import type { RedisAddress } from './redis-address.js';
import type { RespValue } from './resp-reader.js';
import { RespCommandBuffer } from './resp-command-buffer.js';
import { plainReply, type ReplySink, RespReplyParser } from './resp-reply-parser.js';
import { ENTRY_HEAD_LENGTH, versionAt } from './versioned-value.js';

export interface PipelinedConnectionOptions {
  /** The TCP (and TLS) connection and its handshake must complete within this many ms. */
  connectTimeoutMs: number;
  /** A command without a reply after this many ms is rejected (its late reply is then skipped). */
  commandTimeoutMs: number;
  /** Commands issued in one tick go out in one write; off: each is written at once. */
  autoPipelining: boolean;
  /** The delay before reconnect attempt `attempt` (1, 2, …) once the connection was up and dropped. */
  reconnectDelay: (attempt: number) => number;
  /** Called at each reconnect attempt. */
  onReconnecting: () => void;
}

/** How a command's reply becomes its result. */
const AS_VERSION = 0; // GET: the version the value carries, NOT_CACHED for nil
const AS_STORED = 1; // SET: +OK is true, nil (NX found the key) false
const AS_VALUE = 2; // anything else: integers, bulk strings as text, arrays of them
const AS_HEAD = 3; // GET: the value's head (versioned-value.ts), null for nil

type Settle = (value: never) => void;

/** Pre-encoded command names (RESP bulk strings, after the array header). */
const GET = Buffer.from('$3\r\nGET\r\n', 'latin1');
const SET = Buffer.from('$3\r\nSET\r\n', 'latin1');
const DEL = Buffer.from('$3\r\nDEL\r\n', 'latin1');
const PX = Buffer.from('$2\r\nPX\r\n', 'latin1');
const NX = Buffer.from('$2\r\nNX\r\n', 'latin1');
const EVALSHA = Buffer.from('$7\r\nEVALSHA\r\n', 'latin1');
const EVAL = Buffer.from('$4\r\nEVAL\r\n', 'latin1');
const ONE_KEY = Buffer.from('$1\r\n1\r\n', 'latin1');
const PUBLISH = Buffer.from('$7\r\nPUBLISH\r\n', 'latin1');
const PING = Buffer.from('*1\r\n$4\r\nPING\r\n', 'latin1');

/**
 * One pipelined connection to a standalone Redis server, without a client library: commands are written
 * into one buffer (flushed once per tick with auto-pipelining), their replies are awaited in a ring of
 * pending commands, parsed straight from the socket's bytes, and one sweep timer bounds them all by the
 * command timeout — no object, string or timer per command beyond its promise. Like the ioredis clients
 * it replaces on this path: no offline queue (a command while the connection is down fails at once), no
 * retry, and a dropped connection reconnects with a backoff once it had been up.
 */
export class PipelinedRedisConnection implements RedisCommands, ReplySink {
  // The ring of commands awaiting replies, by sequence number (index: seq & mask).
  private resolves: (Settle | null)[] = new Array(1024).fill(null);
  private rejects: (Settle | null)[] = new Array(1024).fill(null);
  private kinds = new Uint8Array(1024);
  private sentAt = new Float64Array(1024);
  private mask = 1023;
  /** The oldest command without its reply; `sent` the next sequence number. */
  private first = 0;
  private sent = 0;
  /** Commands before this one (and from `first`) timed out: their replies are skipped. */
  private timedOutUntil = 0;
  private sweepTimer: NodeJS.Timeout | null = null;

  private readonly out = new RespCommandBuffer();
  private flushScheduled = false;

  private socket: Socket | null = null;
  private parser = new RespReplyParser(this);
  private state: 'connecting' | 'ready' | 'down' | 'closed' = 'connecting';
  private everReady = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** While connecting: the connect's outcome. */
  private connecting: { resolve: () => void; reject: (error: Error) => void; timer: NodeJS.Timeout } | null = null;
  private readonly timeoutError = new Error('Command timed out');
  private readonly downError = new Error('the connection to Redis is down (a command is not queued while it reconnects)');

  private constructor(
    readonly address: RedisAddress,
    private readonly options: PipelinedConnectionOptions,
  ) {}

  /** Connects and shakes hands (AUTH, SELECT); rejects with the socket's or the server's error. */
  static async open(address: RedisAddress, options: PipelinedConnectionOptions): Promise<PipelinedRedisConnection> {
    const connection = new PipelinedRedisConnection(address, options);
    await connection.connect();
    return connection;
  }

  getVersion(key: string): Promise<number> {
    if (this.state !== 'ready') return Promise.reject(this.downError);
    this.out.raw(GET, '*2\r\n');
    this.out.text(key);
    return this.enqueue(AS_VERSION);
  }

  getHead(key: string): Promise<string | null> {
    if (this.state !== 'ready') return Promise.reject(this.downError);
    this.out.raw(GET, '*2\r\n');
    this.out.text(key);
    return this.enqueue(AS_HEAD);
  }

  set(key: string, value: string, pxMs?: number, onlyIfAbsent?: boolean): Promise<boolean> {
    if (this.state !== 'ready') return Promise.reject(this.downError);
    const argc = 3 + (pxMs === undefined ? 0 : 2) + (onlyIfAbsent === true ? 1 : 0);
    this.out.raw(SET, argc === 3 ? '*3\r\n' : argc === 4 ? '*4\r\n' : argc === 5 ? '*5\r\n' : '*6\r\n');
    this.out.text(key);
    this.out.text(value);
    if (pxMs !== undefined) {
      this.out.raw(PX, null);
      this.out.decimal(pxMs);
    }
    if (onlyIfAbsent === true) this.out.raw(NX, null);
    return this.enqueue(AS_STORED);
  }

  del(key: string): Promise<number> {
    if (this.state !== 'ready') return Promise.reject(this.downError);
    this.out.raw(DEL, '*2\r\n');
    this.out.text(key);
    return this.enqueue(AS_VALUE);
  }

  evalsha(sha: string, key: string, args: readonly (string | number)[]): Promise<unknown> {
    return this.script(EVALSHA, sha, key, args);
  }

  eval(lua: string, key: string, args: readonly (string | number)[]): Promise<unknown> {
    return this.script(EVAL, lua, key, args);
  }

  publish(channel: string, message: string): Promise<number> {
    if (this.state !== 'ready') return Promise.reject(this.downError);
    this.out.raw(PUBLISH, '*3\r\n');
    this.out.text(channel);
    this.out.text(message);
    return this.enqueue(AS_VALUE);
  }

  ping(): Promise<string> {
    if (this.state !== 'ready') return Promise.reject(this.downError);
    this.out.raw(PING, null);
    return this.enqueue(AS_VALUE);
  }

  /** Commands awaiting their replies (timed-out ones included until their replies arrive). */
  get pending(): number {
    return this.sent - this.first;
  }

  /** Closes for good: what is pending is rejected, and it does not reconnect. */
  close(): void {
    this.state = 'closed';
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const socket = this.socket;
    this.dropped(new Error('the connection was closed'));
    socket?.destroy();
  }

  private script(name: Buffer, script: string, key: string, args: readonly (string | number)[]): Promise<unknown> {
    if (this.state !== 'ready') return Promise.reject(this.downError);
    this.out.raw(name, `*${4 + args.length}\r\n`);
    this.out.text(script);
    this.out.raw(ONE_KEY, null);
    this.out.text(key);
    for (const arg of args) {
      if (typeof arg === 'number') this.out.decimal(arg);
      else this.out.text(arg);
    }
    return this.enqueue(AS_VALUE);
  }

  /** The command just written awaits its reply; it goes out now or at the end of the tick. */
  private enqueue<T>(kind: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.sent - this.first === this.resolves.length) this.growRing();
      const i = this.sent & this.mask;
      this.resolves[i] = resolve as Settle;
      this.rejects[i] = reject as Settle;
      this.kinds[i] = kind;
      this.sentAt[i] = performance.now();
      this.sent++;
      if (this.sweepTimer === null) this.armSweep(this.options.commandTimeoutMs);
      if (!this.options.autoPipelining) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        process.nextTick(this.flushTick);
      }
    });
  }

  private readonly flushTick = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  private flush(): void {
    if (this.out.length === 0 || this.socket === null) return;
    this.socket.write(this.out.take());
  }

  private growRing(): void {
    const size = this.resolves.length * 2;
    const resolves: (Settle | null)[] = new Array(size).fill(null);
    const rejects: (Settle | null)[] = new Array(size).fill(null);
    const kinds = new Uint8Array(size);
    const sentAt = new Float64Array(size);
    const mask = size - 1;
    for (let seq = this.first; seq < this.sent; seq++) {
      const from = seq & this.mask;
      const to = seq & mask;
      resolves[to] = this.resolves[from];
      rejects[to] = this.rejects[from];
      kinds[to] = this.kinds[from];
      sentAt[to] = this.sentAt[from];
    }
    this.resolves = resolves;
    this.rejects = rejects;
    this.kinds = kinds;
    this.sentAt = sentAt;
    this.mask = mask;
  }

  // --- timeouts ------------------------------------------------------------------------------------

  private armSweep(delayMs: number): void {
    this.sweepTimer = setTimeout(this.sweep, Math.max(1, Math.ceil(delayMs)));
    this.sweepTimer.unref();
  }

  /** Rejects every command older than the timeout (they are in send order), then waits for the next one's. */
  private readonly sweep = (): void => {
    this.sweepTimer = null;
    const timeout = this.options.commandTimeoutMs;
    const now = performance.now();
    let seq = Math.max(this.timedOutUntil, this.first);
    for (; seq < this.sent; seq++) {
      const i = seq & this.mask;
      const due = this.sentAt[i] + timeout;
      if (due > now) {
        this.armSweep(due - now);
        break;
      }
      const reject = this.rejects[i]!;
      this.resolves[i] = null;
      this.rejects[i] = null;
      reject(this.timeoutError as never);
    }
    this.timedOutUntil = seq;
  };

  // --- replies (ReplySink) -------------------------------------------------------------------------

  /** The ring index of the command this reply answers; -1 when that command timed out already. */
  private take(): number {
    if (this.first === this.sent) throw new Error('Redis sent a reply no command asked for');
    const seq = this.first++;
    if (seq < this.timedOutUntil) return -1;
    return seq & this.mask;
  }

  private settle(i: number, value: unknown): void {
    const resolve = this.resolves[i]!;
    this.resolves[i] = null;
    this.rejects[i] = null;
    resolve(value as never);
  }

  status(buffer: Buffer, start: number, end: number): void {
    const i = this.take();
    if (i < 0) return;
    const ok = end - start === 2 && buffer[start] === 0x4f && buffer[start + 1] === 0x4b;
    this.settle(i, this.kinds[i] === AS_STORED ? ok : ok ? 'OK' : buffer.toString('latin1', start, end));
  }

  error(message: string): void {
    const i = this.take();
    if (i < 0) return;
    const reject = this.rejects[i]!;
    this.resolves[i] = null;
    this.rejects[i] = null;
    reject(new Error(message) as never);
  }

  integer(value: number): void {
    const i = this.take();
    if (i >= 0) this.settle(i, value);
  }

  bulk(buffer: Buffer, start: number, end: number): void {
    const i = this.take();
    if (i < 0) return;
    const kind = this.kinds[i];
    this.settle(
      i,
      kind === AS_VERSION
        ? versionAt(buffer, start, end)
        : kind === AS_STORED
          ? true
          : kind === AS_HEAD
            ? buffer.toString('latin1', start, Math.min(end, start + ENTRY_HEAD_LENGTH))
            : buffer.toString('utf8', start, end),
    );
  }

  nil(): void {
    const i = this.take();
    if (i < 0) return;
    const kind = this.kinds[i];
    this.settle(i, kind === AS_VERSION ? NOT_CACHED : kind === AS_STORED ? false : null);
  }

  array(items: RespValue[]): void {
    const i = this.take();
    if (i >= 0) this.settle(i, items.map(plainReply));
  }

  // --- the connection's life -----------------------------------------------------------------------

  private connect(): Promise<void> {
    const a = this.address;
    const socket = a.tls ? connectTls({ host: a.host, port: a.port, servername: a.host }) : connectTcp({ host: a.host, port: a.port });
    this.socket = socket;
    this.parser = new RespReplyParser(this);
    this.state = 'connecting';
    let failure: Error | null = null;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return;
      try {
        this.parser.push(chunk);
      } catch (error) {
        failure = error as Error;
        socket.destroy();
      }
    });
    socket.on('error', (error) => {
      failure ??= error;
    });
    socket.on('close', () => {
      if (this.socket === socket) this.dropped(failure ?? new Error('the connection closed'));
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        failure = new Error(`no connection within ${this.options.connectTimeoutMs} ms`);
        socket.destroy();
      }, this.options.connectTimeoutMs);
      this.connecting = { resolve, reject, timer };
      socket.once(a.tls ? 'secureConnect' : 'connect', () => {
        this.handshake().then(
          () => {
            if (this.socket !== socket || this.connecting === null) return;
            clearTimeout(timer);
            this.connecting = null;
            this.state = 'ready';
            this.everReady = true;
            this.attempt = 0;
            resolve();
          },
          (error: Error) => {
            failure = error;
            socket.destroy();
          },
        );
      });
    });
  }

  /** AUTH when the URL has a password, SELECT when it names a database other than 0. */
  private async handshake(): Promise<void> {
    const a = this.address;
    if (a.password !== '') {
      this.out.raw(Buffer.from('$4\r\nAUTH\r\n', 'latin1'), a.username !== '' ? '*3\r\n' : '*2\r\n');
      if (a.username !== '') this.out.text(a.username);
      this.out.text(a.password);
      try {
        await this.enqueue(AS_VALUE);
      } catch (error) {
        // Like ioredis: a password the server does not need is harmless.
        if (!/without any password configured|no password is set/.test((error as Error).message)) throw error;
      }
    }
    if (a.db !== 0) {
      this.out.raw(Buffer.from('$6\r\nSELECT\r\n', 'latin1'), '*2\r\n');
      this.out.decimal(a.db);
      await this.enqueue(AS_VALUE);
    }
  }

  /** The socket closed (or was closed): what is pending fails; once it had been up, it tries again. */
  private dropped(error: Error): void {
    this.socket = null;
    this.out.clear();
    if (this.sweepTimer !== null) clearTimeout(this.sweepTimer);
    this.sweepTimer = null;
    for (let seq = Math.max(this.first, this.timedOutUntil); seq < this.sent; seq++) {
      const i = seq & this.mask;
      const reject = this.rejects[i]!;
      this.resolves[i] = null;
      this.rejects[i] = null;
      reject(error as never);
    }
    this.first = this.sent;
    this.timedOutUntil = this.sent;
    const connecting = this.connecting;
    this.connecting = null;
    if (connecting !== null) {
      clearTimeout(connecting.timer);
      connecting.reject(error);
    }
    if (this.state === 'closed' || !this.everReady) {
      this.state = 'closed';
      return;
    }
    this.state = 'down';
    this.attempt++;
    this.options.onReconnecting();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.state === 'down') this.connect().catch(() => {});
    }, this.options.reconnectDelay(this.attempt));
  }
}
