import { Application } from '../application/application.js';
import { createLatencySampler } from '../engine/latency-model.js';
import type { VersionLedger } from '../engine/version-ledger.js';
import type { RunRecorder } from '../metrics/run-recorder.js';
import { RandomSource } from '../random/random-source.js';
import type { WriteBehindMetrics } from '../result/run-result.js';
import type { Scenario } from '../scenario/scenario.js';
import type { LiveDatabase } from './live-database.js';
import { LiveDatabasePort } from './live-database-port.js';
import type { LiveInvalidation } from './live-invalidation.js';
import type { LiveNodes } from './live-nodes.js';
import type { RedisCommandPool } from './redis-commands.js';
import { type ClientCounts, RedisSharedTier } from './redis-shared-tier.js';
import { SupersessionTimes } from './supersession-times.js';
import { WallClockAlarms } from './wall-clock-alarms.js';
import { WallClockDatabase } from './wall-clock-database.js';

export type { ClientCounts };

export interface LiveApplicationSetup {
  scenario: Scenario;
  /** null: no cache at all — the live no-cache baseline, every read and write straight to the database. */
  connections: RedisCommandPool | null;
  prefix: string;
  /** ms since the run started. */
  now: () => number;
  /** Where the shard's measured requests are recorded (its measuredFrom is the warm-up's end). */
  recorder: RunRecorder;
  /** This shard's index among the run's (0 with one): its own draws come from sources of its own. */
  shardIndex: number;
  /** This thread's share of database.max_concurrency (all of it in one thread). */
  databaseConnections: number;
  /** With several threads: the shared count of DB connections in use (see WallClockDatabase). */
  databaseInUseAcrossThreads?: { cells: Int32Array; index: number };
  /** A real database (database.postgres), given the ledger it commits versions into; absent: the model on timers. */
  database?: (ledger: VersionLedger) => LiveDatabase;
  /** The shard's simulated nodes (topology.nodes, routing, each one's L1); null exactly for the baseline. */
  nodes: LiveNodes | null;
  /** With invalidation: pubsub — the shard's publisher/subscriber. */
  invalidation: LiveInvalidation | null;
  /** A query failed or timed out (under on_db_error: fail the run stops). */
  onDbError: (message: string) => void;
  /** A cache command failed (under on_cache_error: fail the run stops, outside a fault window). */
  onCacheError: (error: Error) => void;
  /** A Redis command failed at `now`, for cache errors per second. */
  onCommandError: (now: number) => void;
  /** Something threw inside: a bug, which stops the run. */
  onBug: (error: unknown) => void;
}

/**
 * The application (application/application.ts) on the wall clock, against Redis and the database: the
 * same request paths, patterns, protections and write-behind as simulated, with every answer from the
 * real world — the shared tier's from Redis (redis-shared-tier.ts), the database's from the model on
 * timers or PostgreSQL (live-database-port.ts), pub/sub's from Redis pub/sub (live-invalidation.ts), the
 * alarms from timers (wall-clock-alarms.ts). Local tiers are built-in, in-process, on the run's clock.
 * `request` runs one request and resolves when it completes, which is what the load driver waits for.
 */
export class LiveApplication {
  readonly app: Application;
  private readonly shared: RedisSharedTier | null;
  private readonly alarms: WallClockAlarms;
  private readonly supersession = new SupersessionTimes();
  /** Per tag: the request's resolver, or null (free; a list of free tags through `freeTags`). */
  private readonly resolvers: ((() => void) | null)[] = [];
  private readonly freeTags: number[] = [];
  private inFlight = 0;
  private idle: (() => void) | null = null;

  constructor(private readonly setup: LiveApplicationSetup) {
    const { scenario } = setup;
    const spec = scenario.cache;
    const seed = scenario.seed;
    const database = new LiveDatabasePort({
      recorder: setup.recorder,
      supersession: this.supersession,
      now: setup.now,
      onDbError: setup.onDbError,
      onBug: setup.onBug,
    });
    this.shared =
      spec !== null && setup.connections !== null && setup.nodes !== null
        ? new RedisSharedTier({
            spec,
            connections: setup.connections,
            prefix: setup.prefix,
            seed,
            shardIndex: setup.shardIndex,
            supersession: this.supersession,
            nodes: setup.nodes,
            now: setup.now,
            onCacheError: setup.onCacheError,
            onCommandError: setup.onCommandError,
            onBug: setup.onBug,
          })
        : null;
    this.alarms = new WallClockAlarms(setup.now, (payload, now) => {
      try {
        this.app.wake(payload, now);
      } catch (error) {
        setup.onBug(error);
      }
    });
    this.app = new Application({
      spec,
      nodes: spec === null ? null : setup.nodes,
      shared: this.shared,
      database,
      pubsub: setup.invalidation,
      alarm: this.alarms,
      recorder: setup.recorder,
      // One thread draws as the simulation does (xfetch's early expiry); each further thread from a source of its own.
      random: RandomSource.derive(seed, setup.shardIndex === 0 ? 'engine' : `engine-${setup.shardIndex}`),
      completed: (tag) => this.completed(tag),
      supersededAt: (key, version) => this.supersession.supersededAt(key, version),
    });
    // The database commits into the application's ledger, so it is made once the application is.
    const liveDatabase: LiveDatabase =
      setup.database?.(this.app.ledger) ??
      new WallClockDatabase({
        readLatency: createLatencySampler(scenario.database.latency, RandomSource.derive(seed, 'db-read-latency')),
        writeLatency: createLatencySampler(scenario.database.write_latency, RandomSource.derive(seed, 'db-write-latency')),
        maxConcurrency: setup.databaseConnections,
        timeoutMs: scenario.database.timeout,
        ledger: this.app.ledger,
        now: setup.now,
        faults: scenario.faults,
        ...(setup.databaseInUseAcrossThreads !== undefined ? { inUseAcrossThreads: setup.databaseInUseAcrossThreads } : {}),
      });
    database.attach(this.app, liveDatabase);
    this.shared?.attach(this.app);
    if (setup.invalidation !== null && setup.connections !== null) {
      setup.invalidation.attach(this.app, setup.connections, (error) => {
        setup.onCommandError(setup.now());
        setup.onCacheError(error);
      });
    }
  }

  /** Client-side counts of the shared tier's GETs; zeros without one. */
  get counts(): ClientCounts {
    return this.shared?.counts ?? { gets: 0, hits: 0, misses: 0, errors: 0 };
  }

  /** One request from its intended start `start` (ms since the run started); resolves when it completes. */
  request(start: number, key: number, op: number, size: number, ttl: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const tag = this.freeTags.length > 0 ? this.freeTags.pop()! : this.resolvers.length;
      this.resolvers[tag] = resolve;
      this.inFlight++;
      this.app.arrive(start, key, op, size, ttl, tag, this.setup.now());
    });
  }

  private completed(tag: number): void {
    const resolve = this.resolvers[tag];
    if (resolve == null) return;
    this.resolvers[tag] = null;
    this.freeTags.push(tag);
    this.inFlight--;
    resolve();
    if (this.inFlight === 0 && this.idle !== null) this.idle();
  }

  /** A `node-crash` window opens on `node` (its local tier and write-behind queue are lost) or closes. */
  crash(node: number, staysDown: boolean): void {
    this.app.crash(node, staysDown, this.setup.now());
  }

  restart(node: number): void {
    this.app.restart(node);
  }

  writeBehind(): WriteBehindMetrics | null {
    return this.app.writeBehind?.metrics() ?? null;
  }

  /** Waits up to `timeoutMs` until every write the cache took is persisted (write-behind's last batches). */
  async drainWriteBehind(timeoutMs: number): Promise<void> {
    const writeBehind = this.app.writeBehind;
    if (writeBehind === null) return;
    const deadline = this.setup.now() + timeoutMs;
    while (writeBehind.queues.totalPending > 0 && this.setup.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** The run is over: no alarm goes off any more (a stopped run's waiters are left). */
  close(): void {
    this.alarms.stop();
  }
}
