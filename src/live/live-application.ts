import { Application } from '../application/application.js';
import { DatabaseModel } from '../engine/database-model.js';
import { createLatencySampler } from '../engine/latency-model.js';
import type { VersionLedger } from '../engine/version-ledger.js';
import type { RunRecorder } from '../metrics/run-recorder.js';
import { RandomSource } from '../random/random-source.js';
import type { WriteBehindMetrics } from '../result/run-result.js';
import type { Scenario } from '../scenario/scenario.js';
import type { LiveDatabase } from './live-database.js';
import { LiveDatabasePort } from './live-database-port.js';
import { DB_FAULTS, NODE_FAULTS, scheduleEdges } from './fault-windows.js';
import type { LiveInvalidation } from './live-invalidation.js';
import type { LiveNodes } from './live-nodes.js';
import type { RedisCommandPool } from './redis-commands.js';
import { type ClientCounts, RedisSharedTier } from './redis-shared-tier.js';
import { SupersessionTimes } from './supersession-times.js';
import { WallClockEvents } from './wall-clock-events.js';

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
  /** With several threads: the shared count of DB connections in use (see DatabaseModel). */
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
 * real world — the shared tier's from Redis (redis-shared-tier.ts), the database's from PostgreSQL
 * (live-database-port.ts) or from the simulation's own database model with its events on timers
 * (wall-clock-events.ts, as are the application's alarms), pub/sub's from Redis pub/sub
 * (live-invalidation.ts). Local tiers are built-in, in-process, on the run's clock.
 * `request` runs one request and resolves when it completes, which is what the load driver waits for.
 */
export class LiveApplication {
  readonly app: Application;
  private readonly shared: RedisSharedTier | null;
  /** The application's alarms (payload × 2) and the database model's events (payload × 2 + 1). */
  private readonly events: WallClockEvents;
  /** The database model, when the run has no real database. */
  private readonly model: DatabaseModel | null;
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
    this.events = new WallClockEvents(setup.now, (payload, now) => {
      try {
        if ((payload & 1) === 0) this.app.wake(payload >> 1, now);
        else this.model!.event(payload >> 1, now);
      } catch (error) {
        setup.onBug(error);
      }
    });
    const events = this.events;
    this.model =
      setup.database === undefined
        ? new DatabaseModel({
            readLatency: createLatencySampler(scenario.database.latency, RandomSource.derive(seed, 'db-read-latency')),
            writeLatency: createLatencySampler(scenario.database.write_latency, RandomSource.derive(seed, 'db-write-latency')),
            maxConcurrency: setup.databaseConnections,
            timeoutMs: scenario.database.timeout,
            recorder: setup.recorder,
            events,
            scale: 2,
            offset: 1,
            ...(setup.databaseInUseAcrossThreads !== undefined ? { inUseAcrossThreads: setup.databaseInUseAcrossThreads } : {}),
            failed: setup.onDbError,
          })
        : null;
    const real =
      setup.database === undefined
        ? null
        : new LiveDatabasePort({ recorder: setup.recorder, supersession: this.supersession, now: setup.now, onDbError: setup.onDbError, onBug: setup.onBug });
    this.app = new Application({
      spec,
      nodes: spec === null ? null : setup.nodes,
      shared: this.shared,
      database: this.model ?? real!,
      pubsub: setup.invalidation,
      alarm: { at: (time, payload) => events.push(time, payload * 2) },
      recorder: setup.recorder,
      // One thread draws as the simulation does (xfetch's early expiry); each further thread from a source of its own.
      random: RandomSource.derive(seed, setup.shardIndex === 0 ? 'engine' : `engine-${setup.shardIndex}`),
      completed: (tag) => this.completed(tag),
      supersededAt: (key, version) => this.supersession.supersededAt(key, version),
    });
    // A real database commits into the application's ledger, so it is made once the application is.
    if (real !== null) real.attach(this.app, setup.database!(this.app.ledger));
    this.model?.attach(this.app);
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

  /**
   * The fault windows that act in the shard's own process, at their edges on the run's clock, as simulated:
   * `node-crash` (the node's local tier and write-behind queue are lost; it takes no requests for the
   * window) and, against the database model, `db-down` (queries refused when they would get a
   * connection; write-behind holds its flushes) and `db-slow` (service times × the factor). Returns what
   * cancels the edges still to come.
   */
  scheduleFaults(): () => void {
    const kinds = new Set([...NODE_FAULTS, ...(this.model === null ? [] : DB_FAULTS)]);
    return scheduleEdges(this.setup.scenario.faults, kinds, this.setup.now, (fault, starts) => {
      const step = starts ? 1 : -1;
      const model = this.model!;
      if (fault.type === 'node-crash') {
        if (starts) this.app.crash(fault.node, fault.duration > 0, this.setup.now());
        else this.app.restart(fault.node);
      } else if (fault.type === 'db-down') {
        model.down += step;
        this.app.databaseDown += step;
      } else if (fault.type === 'db-slow') {
        model.slowFactor = starts ? model.slowFactor * fault.factor : model.slowFactor / fault.factor;
      }
    });
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
    this.events.stop();
  }
}
