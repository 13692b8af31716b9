import pg from 'pg';
import { RunFailure } from '../errors.js';
import { parsePostgresAddress, type PostgresAddress, redactPostgres } from './postgres-address.js';

/** How long closing a connection waits for the server's goodbye before it drops the socket (a paused server never answers). */
const CLOSE_GRACE_MS = 500;

export interface PostgresConnectionOptions {
  url: string;
  applicationName: string;
  connectTimeoutMs: number;
  /** Every transaction read-only (default_transaction_read_only): the run has no write statement. */
  readOnly: boolean;
}

/**
 * Real connections to PostgreSQL (node-postgres `pg.Client`s), one query at a time each — so a pool of N
 * is N server backends, exactly as `database.max_concurrency` says. A connection that broke (the server
 * went away, a terminated backend) is replaced the next time it is used.
 */
export class PostgresConnections {
  private readonly clients: (pg.Client | null)[];
  readonly address: PostgresAddress;
  /** Connections opened again after one broke. */
  reconnects = 0;

  private constructor(
    private readonly options: PostgresConnectionOptions,
    size: number,
  ) {
    this.address = parsePostgresAddress(options.url, 'database.postgres.url');
    this.clients = new Array(size).fill(null);
  }

  get size(): number {
    return this.clients.length;
  }

  get display(): string {
    return this.address.display;
  }

  redact(message: string): string {
    return redactPostgres(message, this.address);
  }

  /** Opens `size` connections; RunFailure (exit 3, password masked) when the server cannot be reached. */
  static async open(options: PostgresConnectionOptions, size: number): Promise<PostgresConnections> {
    const connections = new PostgresConnections(options, size);
    try {
      await Promise.all(connections.clients.map((_, i) => connections.connect(i)));
    } catch (error) {
      await connections.close();
      throw new RunFailure(
        `PostgreSQL at ${connections.display}: opening ${size} connection${size === 1 ? '' : 's'} (this worker's share of database.max_concurrency) failed: ${connections.redact((error as Error).message)}`,
      );
    }
    return connections;
  }

  /** Connection `slot`, (re)opened when it broke; rejects with the driver's error when that fails. */
  async client(slot: number): Promise<pg.Client> {
    const client = this.clients[slot];
    if (client !== null) return client;
    this.reconnects++;
    return this.connect(slot);
  }

  /** Forgets connection `slot` after a failure on it: the next use opens a new one. */
  broken(slot: number): void {
    const client = this.clients[slot];
    this.clients[slot] = null;
    if (client !== null) void closeClient(client);
  }

  async close(): Promise<void> {
    const open = this.clients.filter((client): client is pg.Client => client !== null);
    this.clients.fill(null);
    await Promise.all(open.map(closeClient));
  }

  private async connect(slot: number): Promise<pg.Client> {
    const { address, options } = this;
    const client = new pg.Client({
      ...clientConfig(address, options.applicationName, options.connectTimeoutMs),
      ...(options.readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
    });
    // A connection that drops between queries reports here; the query on it (if any) fails on its own.
    client.on('error', () => {
      if (this.clients[slot] === client) this.broken(slot);
    });
    try {
      await client.connect();
    } catch (error) {
      void closeClient(client);
      throw error;
    }
    this.clients[slot] = client;
    return client;
  }
}

/** Where and as whom a client connects, named for pg_stat_activity. */
function clientConfig(address: PostgresAddress, applicationName: string, connectTimeoutMs: number): pg.ClientConfig {
  return {
    host: address.host,
    port: address.port,
    user: address.user,
    password: address.password,
    database: address.database,
    application_name: applicationName,
    connectionTimeoutMillis: connectTimeoutMs,
  };
}

/**
 * A connection of cachebench's own beside the load's (the run's table and statistics, `cleanup`): connected,
 * or a RunFailure (exit 3) saying the server could not be reached, the password masked. Queries on it give
 * up after `queryTimeoutMs`, so a stalled server cannot hang the end of a run.
 */
export async function connectControlClient(
  address: PostgresAddress,
  options: { applicationName: string; connectTimeoutMs: number; queryTimeoutMs: number },
): Promise<pg.Client> {
  const client = new pg.Client({ ...clientConfig(address, options.applicationName, options.connectTimeoutMs), query_timeout: options.queryTimeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await closeClient(client);
    throw new RunFailure(`PostgreSQL at ${address.display} could not be reached: ${redactPostgres((error as Error).message, address)}`);
  }
  return client;
}

/** end(), or the socket dropped when the server does not answer within CLOSE_GRACE_MS. */
export async function closeClient(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ended = client.end().catch(() => {});
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), CLOSE_GRACE_MS);
  });
  if ((await Promise.race([ended, late])) === 'late') client.connection.stream.destroy();
  clearTimeout(timer);
}
