import { faultEdges } from '../engine/fault-timeline.js';
import type { FaultSpec } from '../scenario/scenario.js';
import { FaultProxy, PASS, type ProxyMode, type ProxyTarget } from './fault-proxy.js';

/**
 * How long after a window that took a server away its clients may still fail: they reconnect with a
 * backoff capped at 100 ms (redis-connection.ts), so the first commands after the window can still find it
 * disconnected. Under `on_cache_error: fail` a failure this close to a window is the window's, not the
 * server's (it does not stop the run).
 */
export const FAULT_RECOVERY_MS = 1000;

/** The faults that act on the connection to Redis (through its proxy). */
export const CACHE_FAULTS: ReadonlySet<FaultSpec['type']> = new Set(['cache-down', 'cache-slow']);

/** Whether any of `faults` needs a proxy in front of Redis. */
export function needsCacheProxy(faults: readonly FaultSpec[]): boolean {
  return faults.some((f) => CACHE_FAULTS.has(f.type));
}

/** Whether any of `faults` needs a proxy in front of a real database (the model applies its own). */
export function needsDatabaseProxy(faults: readonly FaultSpec[]): boolean {
  return faults.some((f) => f.type === 'db-down' || f.type === 'db-slow');
}

/** Whether any of `faults` cuts the pub/sub subscribers off (a proxy of their own, so the load's commands go on). */
export function needsSubscriberProxy(faults: readonly FaultSpec[]): boolean {
  return faults.some((f) => f.type === 'pubsub-partition');
}

/**
 * Whether `t` (ms on the run's clock) is inside a window of a fault of `kinds`, or within `marginMs`
 * after one: failures then are the fault's.
 */
export function inFaultWindow(faults: readonly FaultSpec[], kinds: ReadonlySet<FaultSpec['type']>, t: number, marginMs: number): boolean {
  for (const f of faults) if (kinds.has(f.type) && t >= f.at && t < f.at + f.duration + marginMs) return true;
  return false;
}

/** The faults that act on a shard's simulated nodes (live-nodes.ts), in the shard itself. */
export const NODE_FAULTS: ReadonlySet<FaultSpec['type']> = new Set(['node-crash']);

/** The faults that act on the database. */
export const DB_FAULTS: ReadonlySet<FaultSpec['type']> = new Set(['db-down', 'db-slow']);

/**
 * Calls `onEdge` at every start and end of the windows of `kinds`, on the clock `now` (ms on the run's
 * clock); returns what cancels those still to come. For faults that act inside a shard (node-crash; the
 * database model's db-down and db-slow).
 */
export function scheduleEdges(
  faults: readonly FaultSpec[],
  kinds: ReadonlySet<FaultSpec['type']>,
  now: () => number,
  onEdge: (fault: FaultSpec, starts: boolean) => void,
): () => void {
  const timers: NodeJS.Timeout[] = [];
  for (const edge of faultEdges(faults)) {
    const fault = faults[edge.fault];
    if (kinds.has(fault.type)) timers.push(setTimeout(() => onEdge(fault, edge.starts), Math.max(0, edge.time - now())));
  }
  return () => {
    for (const timer of timers) clearTimeout(timer);
  };
}

/**
 * The proxy's mode for Redis given how many windows of each kind are open now and the latency the open
 * `cache-slow` windows add: half of it each way, so that a round trip takes it longer.
 */
function cacheMode(open: Readonly<Record<FaultSpec['type'], number>>, addedMs: number): ProxyMode {
  if (open['cache-down'] > 0) return { kind: 'refuse' };
  return addedMs > 0 ? { kind: 'delay', ms: addedMs / 2 } : PASS;
}

/**
 * The fault windows of a live run (docs/live-redis.md, "Fault windows"): a FaultProxy on loopback in front
 * of Redis that the load's clients connect through, switched at the windows' edges on the run's clock —
 * `cache-down`: refused and closed connections, so the run's connections fail their commands as they would
 * against a server gone away; `cache-slow`: every chunk held half the added latency each way; `pubsub-partition`: the same, on a proxy of the subscribers' own, so what is
 * published meanwhile never reaches them (Redis pub/sub keeps nothing for a disconnected subscriber); `db-down`
 * against a real PostgreSQL: the same, on a proxy in front of it; `db-slow` against it: each reply held
 * `factor − 1` times as long as the server took to start it, so every query takes `factor` × its own time. Pure
 * transport and timing: what a failure does to a request is the pattern's
 * (on_cache_error), as with any failed command. The run's own client (INFO, the cleanup) goes direct.
 */
export class LiveFaultWindows {
  private readonly timers: NodeJS.Timeout[] = [];
  /** ms the open cache-slow windows add to a round trip to Redis. */
  private cacheAddedMs = 0;
  /** The product of the open db-slow windows' factors (a real database's queries take that × their time). */
  private databaseSlowFactor = 1;
  private readonly open: Record<FaultSpec['type'], number> = {
    'cache-down': 0,
    'cache-slow': 0,
    'db-slow': 0,
    'db-down': 0,
    'pubsub-partition': 0,
    'node-crash': 0,
  };

  private constructor(
    private readonly faults: readonly FaultSpec[],
    private readonly cacheProxy: FaultProxy | null,
    private readonly subscriberProxy: FaultProxy | null,
    private readonly databaseProxy: FaultProxy | null,
  ) {}

  /** Starts the proxies the faults need in front of Redis and of a real database (none: null). */
  static async open(faults: readonly FaultSpec[], redis: ProxyTarget | null, database: ProxyTarget | null): Promise<LiveFaultWindows | null> {
    const wanted = [
      redis !== null && needsCacheProxy(faults) ? redis : null,
      redis !== null && needsSubscriberProxy(faults) ? redis : null,
      database !== null && needsDatabaseProxy(faults) ? database : null,
    ];
    if (wanted.every((target) => target === null)) return null;
    const started: (FaultProxy | null)[] = [];
    try {
      for (const target of wanted) started.push(target === null ? null : await FaultProxy.start(target));
    } catch (error) {
      await Promise.all(started.map((proxy) => proxy?.close()));
      throw error;
    }
    return new LiveFaultWindows(faults, started[0], started[1], started[2]);
  }

  /** The Redis URL the load's clients use instead of `url` (the proxy's port), or `url` when none is in front. */
  redisUrl(url: string): string {
    return proxiedUrl(url, this.cacheProxy);
  }

  /** The PostgreSQL URL the load's database connections use instead of `url`. */
  postgresUrl(url: string): string {
    return proxiedUrl(url, this.databaseProxy);
  }

  /** The Redis URL the pub/sub subscribers use instead of `url`. */
  subscriberUrl(url: string): string {
    return proxiedUrl(url, this.subscriberProxy ?? this.cacheProxy);
  }

  /** Schedules every window edge at `originNs` (process.hrtime.bigint() of the run's t = 0) + its time. */
  start(originNs: bigint): void {
    for (const edge of faultEdges(this.faults)) {
      const inMs = Number(originNs - process.hrtime.bigint()) / 1e6 + edge.time;
      const fault = this.faults[edge.fault];
      const type = fault.type;
      this.timers.push(
        setTimeout(() => {
          this.open[type] += edge.starts ? 1 : -1;
          if (fault.type === 'cache-slow') this.cacheAddedMs += (edge.starts ? 1 : -1) * fault.latency;
          const cache = cacheMode(this.open, this.cacheAddedMs);
          this.cacheProxy?.setMode(cache);
          // The subscriber is cut off by a partition, and by a cache-down window like every other client.
          this.subscriberProxy?.setMode(this.open['pubsub-partition'] > 0 ? { kind: 'refuse' } : cache);
          if (fault.type === 'db-slow') this.databaseSlowFactor = edge.starts ? this.databaseSlowFactor * fault.factor : this.databaseSlowFactor / fault.factor;
          this.databaseProxy?.setMode(
            this.open['db-down'] > 0 ? { kind: 'refuse' } : this.open['db-slow'] > 0 ? { kind: 'stretch', factor: this.databaseSlowFactor } : PASS,
          );
        }, Math.max(0, inMs)),
      );
    }
  }

  /** Cancels what is still scheduled and closes the proxies (with the run). */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.length = 0;
    await this.cacheProxy?.close();
    await this.subscriberProxy?.close();
    await this.databaseProxy?.close();
  }
}

/** `url` with its host and port those of `proxy` (loopback), the rest (user, password, database) kept. */
function proxiedUrl(url: string, proxy: FaultProxy | null): string {
  if (proxy === null) return url;
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return proxied.toString();
}
