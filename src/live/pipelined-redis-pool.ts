import { RunFailure } from '../errors.js';
import { redactPasswords } from './redis-address.js';
import { IoredisCommandPool, type RedisCommandPool, type RedisCommands } from './redis-commands.js';
import { checkServer, type RedisConnectionOptions, reconnectDelay } from './redis-connection.js';
import { PipelinedRedisConnection } from './pipelined-redis-connection.js';

/**
 * A standalone server's connections for a shard's requests: `connections` PipelinedRedisConnections,
 * spread round-robin. Before any connects, the target is checked to be a Redis server that takes the
 * URL's password and database (checkServer); an unreachable one is a RunFailure (exit 3) within the
 * connect timeout, with no retry. Once up, a dropped connection reconnects (the backoff of
 * redis-connection.ts), each attempt counted in `reconnects`.
 *
 * With auto-pipelining the round-robin moves on once per tick rather than once per command: a tick's
 * commands then leave in one write on one connection instead of one write on each — on loopback a write
 * costs more than the commands in it — and the next tick's go on the next connection.
 */
export class PipelinedRedisPool implements RedisCommandPool {
  readonly connections: PipelinedRedisConnection[] = [];
  reconnects = 0;
  private next = 0;
  private moving = false;

  private constructor(private readonly options: RedisConnectionOptions) {}

  static async open(options: RedisConnectionOptions): Promise<PipelinedRedisPool> {
    await checkServer(options);
    const pool = new PipelinedRedisPool(options);
    const address = options.addresses[0];
    const opening = Array.from({ length: options.connections }, () =>
      PipelinedRedisConnection.open(address, {
        connectTimeoutMs: options.connectTimeoutMs,
        commandTimeoutMs: options.commandTimeoutMs,
        autoPipelining: options.autoPipelining,
        reconnectDelay,
        onReconnecting: () => {
          pool.reconnects++;
        },
      }),
    );
    const opened = await Promise.allSettled(opening);
    for (const o of opened) if (o.status === 'fulfilled') pool.connections.push(o.value);
    const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed !== undefined) {
      pool.close();
      const message = pool.redact((failed.reason as Error).message);
      throw new RunFailure(`cannot connect to Redis at ${address.hostPort} (${address.display}): ${message}`);
    }
    return pool;
  }

  pick(): RedisCommands {
    const connections = this.connections;
    const connection = connections[this.next];
    if (!this.options.autoPipelining) this.next = this.next + 1 === connections.length ? 0 : this.next + 1;
    else if (!this.moving) {
      this.moving = true;
      process.nextTick(this.moveOn);
    }
    return connection;
  }

  private readonly moveOn = (): void => {
    this.moving = false;
    this.next = this.next + 1 === this.connections.length ? 0 : this.next + 1;
  };

  get display(): string {
    return this.options.addresses.map((a) => a.display).join(', ');
  }

  redact(message: string): string {
    return redactPasswords(message, this.options.addresses);
  }

  close(): void {
    for (const connection of this.connections) connection.close();
  }
}

/** A shard's commands: the pipelined connections for a standalone server, ioredis (MOVED, ASK, slots) for a cluster. */
export function openCommandPool(options: RedisConnectionOptions): Promise<RedisCommandPool> {
  return options.cluster ? IoredisCommandPool.open(options) : PipelinedRedisPool.open(options);
}
