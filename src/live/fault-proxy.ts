import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * What the proxy does to the traffic between a client and its server, switchable at any moment:
 * - `pass`: forwards bytes both ways as they come;
 * - `delay`: forwards every chunk `ms` later, each way (order kept), so each request/reply gains 2 × ms;
 * - `refuse`: closes every open connection and every new one at once (a server that went away);
 * - `blackhole`: accepts and reads, forwards nothing; what it held is delivered once the mode lifts, as
 *   TCP would retransmit it across a healed partition (so a reply never lands on the wrong command);
 * - `reset`: answers every open connection and every new one with a TCP RST;
 * - `stretch`: holds a reply `factor − 1` times as long as the server took to start it (from the request's
 *   first chunk to the reply's), so a request/reply protocol that waits for each reply before the next
 *   request on a connection (PostgreSQL's) sees every query take `factor` × its own time.
 */
export type ProxyMode =
  | { kind: 'pass' }
  | { kind: 'delay'; ms: number }
  | { kind: 'refuse' }
  | { kind: 'blackhole' }
  | { kind: 'reset' }
  | { kind: 'stretch'; factor: number };

export const PASS: ProxyMode = { kind: 'pass' };

/** Where the proxy forwards to. */
export interface ProxyTarget {
  host: string;
  port: number;
}

/**
 * One direction of one connection: chunks wait here while a delay or a black hole holds them, in order.
 * A chunk is written when its due time (ms, performance clock) has come; Infinity: held until the mode lifts.
 */
class Direction {
  private readonly chunks: Buffer[] = [];
  private readonly due: number[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly to: Socket,
    private readonly clock: () => number,
  ) {}

  push(chunk: Buffer, holdMs: number): void {
    if (holdMs === 0 && this.chunks.length === 0) {
      this.to.write(chunk);
      return;
    }
    const last = this.due.length > 0 ? this.due[this.due.length - 1] : 0;
    this.chunks.push(chunk);
    // Never ahead of a chunk before it: order on the wire is the order read.
    this.due.push(Math.max(last, this.clock() + holdMs));
    this.schedule();
  }

  /** The mode changed: held chunks become due `holdMs` from now (Infinity: stay held). */
  retime(holdMs: number): void {
    const at = this.clock() + holdMs;
    for (let i = 0; i < this.due.length; i++) if (this.due[i] === Number.POSITIVE_INFINITY) this.due[i] = at;
    this.schedule();
  }

  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.chunks.length = 0;
    this.due.length = 0;
  }

  private schedule(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.due.length === 0 || this.due[0] === Number.POSITIVE_INFINITY) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, this.due[0] - this.clock()));
  }

  private flush(): void {
    this.timer = null;
    const now = this.clock();
    let n = 0;
    while (n < this.due.length && this.due[n] <= now) this.to.write(this.chunks[n++]);
    this.chunks.splice(0, n);
    this.due.splice(0, n);
    this.schedule();
  }
}

/** One client connection and its upstream connection. */
interface Pair {
  client: Socket;
  server: Socket;
  up: Direction;
  down: Direction;
  /** When the request being answered sent its first chunk (performance clock); -1: none outstanding. */
  requestAt: number;
  /** How long the chunks of the reply now coming are held (`stretch`). */
  replyHoldMs: number;
}

/**
 * A TCP proxy on 127.0.0.1 (an ephemeral port) in front of one server, with a mode switchable at
 * runtime (ProxyMode). Pure transport: it never looks at the bytes, so the clients behind it see the
 * real socket failures a network or a server would give them. Closed with the run.
 */
export class FaultProxy {
  private mode: ProxyMode = PASS;
  private readonly pairs = new Set<Pair>();
  private readonly clock = (): number => performance.now();

  private constructor(
    private readonly server: Server,
    private readonly target: ProxyTarget,
    readonly port: number,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  /** Listens on 127.0.0.1, port 0 (any free one), forwarding to `target`. */
  static start(target: ProxyTarget): Promise<FaultProxy> {
    return new Promise((resolve, reject) => {
      const server = createServer({ noDelay: true });
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        if (typeof address !== 'object' || address === null) {
          server.close();
          reject(new Error('the fault proxy got no port'));
          return;
        }
        resolve(new FaultProxy(server, target, address.port));
      });
    });
  }

  get current(): ProxyMode {
    return this.mode;
  }

  /** Connections open right now (for tests and the run's account). */
  get connections(): number {
    return this.pairs.size;
  }

  setMode(mode: ProxyMode): void {
    this.mode = mode;
    if (mode.kind === 'refuse' || mode.kind === 'reset') {
      for (const pair of [...this.pairs]) this.drop(pair, mode.kind === 'reset');
      return;
    }
    const hold = holdMs(mode);
    for (const pair of this.pairs) {
      pair.up.retime(hold);
      pair.down.retime(hold);
    }
  }

  /** Stops listening and closes every connection. */
  close(): Promise<void> {
    for (const pair of [...this.pairs]) this.drop(pair, false);
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const kind = this.mode.kind;
    if (kind === 'refuse') {
      client.destroy();
      return;
    }
    if (kind === 'reset') {
      client.resetAndDestroy();
      return;
    }
    client.setNoDelay(true);
    const server = connect({ host: this.target.host, port: this.target.port, noDelay: true });
    const pair: Pair = { client, server, up: new Direction(server, this.clock), down: new Direction(client, this.clock), requestAt: -1, replyHoldMs: 0 };
    this.pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      if (pair.requestAt < 0) pair.requestAt = this.clock();
      pair.up.push(chunk, holdMs(this.mode));
    });
    server.on('data', (chunk: Buffer) => {
      const mode = this.mode;
      if (pair.requestAt >= 0) {
        // The reply's first chunk: how long the server took is what a slower one would take factor × of.
        pair.replyHoldMs = mode.kind === 'stretch' ? (mode.factor - 1) * (this.clock() - pair.requestAt) : 0;
        pair.requestAt = -1;
      }
      pair.down.push(chunk, mode.kind === 'stretch' ? pair.replyHoldMs : holdMs(mode));
    });
    // Either side closing or failing closes the other: the client sees what the server did.
    const end = (): void => this.drop(pair, false);
    client.on('close', end);
    server.on('close', end);
    client.on('error', end);
    server.on('error', end);
  }

  private drop(pair: Pair, reset: boolean): void {
    if (!this.pairs.delete(pair)) return;
    pair.up.clear();
    pair.down.clear();
    if (reset) pair.client.resetAndDestroy();
    else pair.client.destroy();
    pair.server.destroy();
  }
}

/** How long a chunk read now is held before it is forwarded, in `mode`. */
function holdMs(mode: ProxyMode): number {
  return mode.kind === 'delay' ? mode.ms : mode.kind === 'blackhole' ? Number.POSITIVE_INFINITY : 0;
}
