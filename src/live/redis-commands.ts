import type { RedisClient, RedisConnectionOptions } from './redis-connection.js';
import { RedisConnections } from './redis-connection.js';
import { decodeVersion, ENTRY_HEAD_LENGTH } from './versioned-value.js';

/** What `getVersion` returns for a key Redis does not hold (a miss); -1 is a value that is not one of ours. */
export const NOT_CACHED = -2;

/**
 * The commands a live run's requests send, on one connection (or one client of a cluster). A failed
 * command — an error reply, a timeout, a connection down — rejects; nothing is queued or retried.
 */
export interface RedisCommands {
  /** GET, read as the version its value carries (versioned-value.ts): NOT_CACHED when absent, -1 when not ours. */
  getVersion(key: string): Promise<number>;
  /** GET, only the value's first ENTRY_HEAD_LENGTH characters (versioned-value.ts's head); null when absent. */
  getHead(key: string): Promise<string | null>;
  /** SET with PX when `pxMs` is given, NX when `onlyIfAbsent`; true when Redis stored it (false: NX found the key). */
  set(key: string, value: string, pxMs?: number, onlyIfAbsent?: boolean): Promise<boolean>;
  del(key: string): Promise<number>;
  /** EVALSHA of a script on one key; an unknown script rejects with the server's NOSCRIPT error. */
  evalsha(sha: string, key: string, args: readonly (string | number)[]): Promise<unknown>;
  eval(lua: string, key: string, args: readonly (string | number)[]): Promise<unknown>;
  publish(channel: string, message: string): Promise<number>;
  ping(): Promise<string>;
}

/** A shard's connections for its requests: spread round-robin, with the reconnects since they opened. */
export interface RedisCommandPool {
  pick(): RedisCommands;
  readonly reconnects: number;
  readonly display: string;
  redact(message: string): string;
  close(): void;
}

/** The commands on an ioredis client (a cluster's, which follows MOVED and ASK itself). */
export class IoredisCommands implements RedisCommands {
  constructor(private readonly client: RedisClient) {}

  async getVersion(key: string): Promise<number> {
    const value = await this.client.get(key);
    return value === null ? NOT_CACHED : decodeVersion(value);
  }

  async getHead(key: string): Promise<string | null> {
    const value = await this.client.get(key);
    return value === null ? null : value.slice(0, ENTRY_HEAD_LENGTH);
  }

  async set(key: string, value: string, pxMs?: number, onlyIfAbsent?: boolean): Promise<boolean> {
    const c = this.client;
    const reply =
      pxMs === undefined
        ? onlyIfAbsent === true
          ? await c.set(key, value, 'NX')
          : await c.set(key, value)
        : onlyIfAbsent === true
          ? await c.set(key, value, 'PX', pxMs, 'NX')
          : await c.set(key, value, 'PX', pxMs);
    return reply === 'OK';
  }

  del(key: string): Promise<number> {
    return this.client.del(key);
  }

  evalsha(sha: string, key: string, args: readonly (string | number)[]): Promise<unknown> {
    return this.client.evalsha(sha, 1, key, ...args);
  }

  eval(lua: string, key: string, args: readonly (string | number)[]): Promise<unknown> {
    return this.client.eval(lua, 1, key, ...args);
  }

  publish(channel: string, message: string): Promise<number> {
    return this.client.publish(channel, message);
  }

  ping(): Promise<string> {
    return this.client.ping();
  }
}

/** RedisConnections (ioredis) as a pool of commands: what a cluster run uses. */
export class IoredisCommandPool implements RedisCommandPool {
  private readonly commands: IoredisCommands[];
  private next = 0;

  constructor(readonly connections: RedisConnections) {
    this.commands = connections.clients.map((client) => new IoredisCommands(client));
  }

  static async open(options: RedisConnectionOptions): Promise<IoredisCommandPool> {
    return new IoredisCommandPool(await RedisConnections.open(options));
  }

  pick(): RedisCommands {
    const commands = this.commands[this.next];
    this.next = this.next + 1 === this.commands.length ? 0 : this.next + 1;
    return commands;
  }

  get reconnects(): number {
    return this.connections.reconnects;
  }

  get display(): string {
    return this.connections.display;
  }

  redact(message: string): string {
    return this.connections.redact(message);
  }

  close(): void {
    this.connections.close();
  }
}
