import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { RunFailure } from '../errors.js';
import type { RedisAddress } from './redis-address.js';
import { encodeCommand, RespError, RespProtocolError, RespReader, type RespValue } from './resp-reader.js';

export interface RespConnectionOptions {
  /** The TCP (and TLS) connection and the handshake's replies must arrive within this many ms. */
  connectTimeoutMs: number;
}

/**
 * One connection to Redis of our own, without a client library: a socket, the RESP reader and a queue of
 * replies awaited in order. It serves what needs a connection to itself — MONITOR, whose stream of lines
 * a shared client mis-parses on a busy server — and the check before a run that the target is a Redis
 * server that accepts the URL's password and database, with the reason in words when it is not.
 */
export class RespConnection {
  private readonly reader = new RespReader();
  private readonly waiting: { resolve: (value: RespValue) => void; reject: (error: Error) => void }[] = [];
  private stream: ((value: RespValue) => void) | null = null;
  private failure: Error | null = null;
  private firstBytes: Buffer | null = null;
  private endListeners: ((error: Error) => void)[] = [];

  private constructor(
    private readonly socket: Socket,
    readonly address: RedisAddress,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('the connection closed')));
  }

  /**
   * Connects and shakes hands: AUTH when the URL has a password, SELECT when it names a database other
   * than 0, then PING. Every failure is a RunFailure (exit 3) saying what went wrong in the server's words.
   */
  static async open(address: RedisAddress, options: RespConnectionOptions): Promise<RespConnection> {
    const socket = address.tls
      ? connectTls({ host: address.host, port: address.port, servername: address.host })
      : connectTcp({ host: address.host, port: address.port });
    const connection = new RespConnection(socket, address);
    let timer: NodeJS.Timeout | undefined;
    let connected = false;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new RunFailure(
              connected
                ? `${address.hostPort} accepted the connection but did not answer within ${options.connectTimeoutMs} ms (a paused or overloaded server, or not a Redis server)`
                : `cannot connect to Redis at ${address.display}: no connection within ${options.connectTimeoutMs} ms`,
            ),
          ),
        options.connectTimeoutMs,
      );
    });
    try {
      await Promise.race([
        new Promise<void>((resolve, reject) => {
          socket.once(address.tls ? 'secureConnect' : 'connect', () => resolve());
          socket.once('error', reject);
        }).catch((error: Error) => {
          throw new RunFailure(`cannot connect to Redis at ${address.display}: ${error.message}`);
        }),
        deadline,
      ]);
      connected = true;
      await Promise.race([connection.handshake(), deadline]);
      return connection;
    } catch (error) {
      connection.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends one command; resolves with its reply (an error reply is a RespError value, not a rejection). */
  command(args: readonly (string | Buffer | number)[]): Promise<RespValue> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(encodeCommand(args));
    });
  }

  /** From now on every reply that no command awaits goes to `onReply` (MONITOR's lines). */
  streamTo(onReply: (value: RespValue) => void): void {
    this.stream = onReply;
  }

  /** Called once when the connection fails or closes (not after close()). */
  onEnd(listener: (error: Error) => void): void {
    this.endListeners.push(listener);
  }

  close(): void {
    this.endListeners = [];
    this.failure ??= new Error('the connection was closed');
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.firstBytes ??= chunk.subarray(0, 120);
    try {
      this.reader.push(chunk, (value) => {
        const next = this.waiting.shift();
        if (next !== undefined) next.resolve(value);
        else this.stream?.(value);
      });
    } catch (error) {
      this.fail(error as Error);
      this.socket.destroy();
    }
  }

  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    for (const { reject } of this.waiting.splice(0)) reject(error);
    for (const listener of this.endListeners.splice(0)) listener(error);
  }

  private async handshake(): Promise<void> {
    const a = this.address;
    try {
      if (a.password !== '') {
        const reply = await this.command(a.username !== '' ? ['AUTH', a.username, a.password] : ['AUTH', a.password]);
        // Like ioredis: a password the server does not need is harmless.
        if (reply instanceof RespError && !/without any password configured|no password is set/.test(reply.message)) {
          throw this.refused(reply, 'AUTH');
        }
      }
      if (a.db !== 0) {
        const reply = await this.command(['SELECT', a.db]);
        if (reply instanceof RespError) throw this.refused(reply, `SELECT ${a.db}`);
      }
      const pong = await this.command(['PING']);
      if (pong instanceof RespError) throw this.refused(pong, 'PING');
      if (pong !== 'PONG') throw new RespProtocolError(`PING was answered with ${JSON.stringify(String(pong)).slice(0, 80)}`);
    } catch (error) {
      if (error instanceof RunFailure) throw error;
      throw this.notRedis(error as Error);
    }
  }

  /** A reply error during the handshake, in words a person can act on. */
  private refused(reply: RespError, command: string): RunFailure {
    const a = this.address;
    const where = `Redis at ${a.display}`;
    if (reply.code === 'NOAUTH') {
      const example = `${a.tls ? 'rediss' : 'redis'}://:PASSWORD@${a.hostPort}${a.db !== 0 ? `/${a.db}` : ''}`;
      return new RunFailure(`${where}: Redis requires a password (add it to the URL: ${example})`);
    }
    if (reply.code === 'WRONGPASS') return new RunFailure(`${where}: Redis refused the password (${this.redact(reply.message)})`);
    return new RunFailure(`${where} refused ${command}: ${this.redact(reply.message)}`);
  }

  /** The peer took the connection but did not speak RESP: say so, with the start of what it sent. */
  private notRedis(error: Error): RunFailure {
    // A socket error after a partial reply still shows what the peer sent.
    const sent = this.firstBytes;
    const what =
      sent !== null && sent.length > 0
        ? `it sent ${JSON.stringify(sent.toString('latin1').split(/\r?\n/, 1)[0].slice(0, 60))}`
        : error instanceof RespProtocolError
          ? error.message
          : // EPIPE, ECONNRESET or a plain close: however the socket ended, the peer hung up.
            'it closed the connection without a reply';
    return new RunFailure(`${this.address.hostPort} did not answer as a Redis server: ${what}`);
  }

  private redact(message: string): string {
    const password = this.address.password;
    return password === '' ? message : message.split(password).join('***');
  }
}
