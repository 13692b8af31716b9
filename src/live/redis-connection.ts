import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { RunFailure } from '../errors.js';
import { type RedisAddress, redactPasswords } from './redis-address.js';
import { RespConnection } from './resp-connection.js';

/** How the clients of a live run talk to Redis; every field has a default in the scenario (docs/live-redis.md). */
export interface RedisConnectionOptions {
  /** Standalone: one address; cluster: its seed nodes. */
  addresses: readonly RedisAddress[];
  cluster: boolean;
  /** Independent ioredis clients; requests are spread over them round-robin. */
  connections: number;
  autoPipelining: boolean;
  /** An unreachable server fails the run (exit 3) within this many ms. */
  connectTimeoutMs: number;
  /** A command without a reply after this many ms fails (a paused server becomes errors, not a hang). */
  commandTimeoutMs: number;
}

/**
 * Before any client connects: the target answers as a Redis server and accepts the URL's password and
 * database (ioredis would go on in database 0 after a failed SELECT, and turn a server that is not Redis
 * into "write EPIPE"). A cluster needs one seed that answers; the error is the first seed's otherwise.
 */
export async function checkServer(options: RedisConnectionOptions): Promise<void> {
  let firstFailure: unknown = null;
  for (const address of options.addresses) {
    try {
      (await RespConnection.open(address, { connectTimeoutMs: options.connectTimeoutMs })).close();
      return;
    } catch (error) {
      firstFailure ??= error;
      if (!options.cluster) break;
    }
  }
  throw firstFailure;
}

/** A client of a standalone server or of a cluster: the commands a live run uses are common to both. */
export type RedisClient = Redis | Cluster;

/**
 * Reconnect backoff after the first successful connect: 20 ms, 40 ms, … capped at 100 ms — short, so a
 * server that comes back (the end of a cache-down window) is used again within ~100 ms, and the errors
 * measured are the outage's rather than the client's backoff; ten attempts a second against a server that
 * stays away cost it little.
 */
export function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 20, 100);
}

/**
 * The run's clients, connected. Before the first connection succeeds there is no retry (an unreachable
 * server is a RunFailure within the connect timeout); afterwards a dropped connection reconnects with a
 * short backoff. Commands are never queued while disconnected and never retried (`enableOfflineQueue:
 * false`, `maxRetriesPerRequest: 0`): they fail at once and count as errors, and `commandTimeout` bounds
 * a command on a connection that is up but silent (a paused server), so nothing hangs.
 */
export class RedisConnections {
  readonly clients: RedisClient[] = [];
  reconnects = 0;
  private connected = false;
  private next = 0;

  private constructor(private readonly options: RedisConnectionOptions) {}

  static async open(options: RedisConnectionOptions): Promise<RedisConnections> {
    await checkServer(options);
    const connections = new RedisConnections(options);
    try {
      await connections.connectAll();
    } catch (error) {
      connections.close();
      throw error;
    }
    return connections;
  }

  /** The next client, round-robin. */
  pick(): RedisClient {
    const clients = this.clients;
    const client = clients[this.next];
    this.next = this.next + 1 === clients.length ? 0 : this.next + 1;
    return client;
  }

  /** The nodes that hold keys: the server itself, or every master of a cluster. */
  masters(): Redis[] {
    const first = this.clients[0];
    return first instanceof Cluster ? first.nodes('master') : [first];
  }

  get display(): string {
    return this.options.addresses.map((a) => a.display).join(', ');
  }

  redact(message: string): string {
    return redactPasswords(message, this.options.addresses);
  }

  close(): void {
    for (const client of this.clients) client.disconnect();
  }

  private async connectAll(): Promise<void> {
    const o = this.options;
    const errors: Error[] = [];
    for (let i = 0; i < o.connections; i++) {
      const client = this.create();
      client.on('error', (error: Error) => {
        errors.push(error);
      });
      client.on('reconnecting', () => {
        this.reconnects++;
      });
      this.clients.push(client);
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no connection within ${o.connectTimeoutMs} ms`)), o.connectTimeoutMs);
    });
    try {
      await Promise.race([Promise.all(this.clients.map((c) => c.connect())), deadline]);
    } catch (error) {
      const where = o.addresses.map((a) => a.hostPort).join(', ');
      const cause = errors[0] ?? (error as Error);
      // A reply error in ioredis's own handshake (HELLO, AUTH, SELECT): the server answered, and said no.
      const command = (cause as Error & { command?: { name?: string } }).command?.name;
      if (command !== undefined)
        throw new RunFailure(`Redis at ${this.display} refused ${command.toUpperCase()}: ${this.redact(cause.message)}`);
      throw new RunFailure(`cannot connect to Redis at ${where} (${this.display}): ${this.redact(cause.message)}`);
    } finally {
      clearTimeout(timer);
    }
    this.connected = true;
    // Connected: from now on a cluster client also fails a command at once instead of queueing it
    // without a timeout while it re-learns the slots.
    for (const client of this.clients) if (client instanceof Cluster) client.options.enableOfflineQueue = false;
  }

  private create(): RedisClient {
    const o = this.options;
    const base: RedisOptions = {
      lazyConnect: true,
      connectTimeout: o.connectTimeoutMs,
      commandTimeout: o.commandTimeoutMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      enableAutoPipelining: o.autoPipelining,
      disconnectTimeout: 200,
      retryStrategy: (attempt) => (this.connected ? reconnectDelay(attempt) : null),
    };
    if (!o.cluster) return new Redis(o.addresses[0].url, base);
    const first = o.addresses[0];
    return new Cluster(
      o.addresses.map((a) => ({ host: a.host, port: a.port })),
      {
        lazyConnect: true,
        enableAutoPipelining: o.autoPipelining,
        // The cluster client needs its queue while it first learns the slots (without it, connect()
        // sometimes never resolves); connectAll turns it off once connected. The nodes' own queues stay off.
        enableOfflineQueue: true,
        maxRedirections: 16,
        clusterRetryStrategy: (attempt) => (this.connected ? reconnectDelay(attempt) : null),
        redisOptions: {
          ...base,
          lazyConnect: false,
          // Absent rather than undefined: ioredis treats a present `tls` key as "use TLS".
          ...(first.username !== '' ? { username: first.username } : {}),
          ...(first.password !== '' ? { password: first.password } : {}),
          ...(first.tls ? { tls: {} } : {}),
        },
      },
    );
  }
}
