import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { RunRecorder } from '../metrics/run-recorder.js';
import { RandomSource } from '../random/random-source.js';
import type { WorkloadSpec } from '../scenario/scenario.js';
import type { AccessStream } from '../workload/access-event.js';
import { createWorkload } from '../workload/create-workload.js';
import { THREAD_SALT } from '../workload/key-shard.js';
import { ShardedStream } from '../workload/sharded-stream.js';
import { ArrivalAlarm } from './arrival-alarm.js';
import { DbSubmissionLog } from './db-submission-merge.js';
import { CACHE_FAULTS, DB_FAULTS, FAULT_RECOVERY_MS, inFaultWindow } from './fault-windows.js';
import { CALIBRATION_MS, calibrateFloor } from './floor-calibration.js';
import { InFlightGate } from './in-flight-gate.js';
import { LiveApplication } from './live-application.js';
import { LiveInvalidation } from './live-invalidation.js';
import { LiveNodes } from './live-nodes.js';
import { LoadDriver } from './load-driver.js';
import { PostgresConnections } from './postgres-connections.js';
import { PostgresDatabase } from './postgres-database.js';
import { parseRedisAddress } from './redis-address.js';
import { RedisConnections } from './redis-connection.js';
import type { RedisCommandPool } from './redis-commands.js';
import { openCommandPool } from './pipelined-redis-pool.js';
import {
  type DbSubmissionHandOver,
  PROGRESS_CELLS,
  PROGRESS_FIELDS,
  SHARED_DB_IN_USE,
  SHARED_IN_FLIGHT,
  type ShardEvents,
  type ShardOutcome,
  type ShardSetup,
} from './shard-contract.js';

/** How long a stopped run waits for requests in flight before it reports what it has. */
export const STOP_DRAIN_MS = 2000;

/** How long a finished shard waits for its write-behind queues to reach the database. */
const WRITE_BEHIND_DRAIN_MS = 30_000;

/** How long a finished shard waits for its pub/sub messages still on their way; those that do not arrive are lost. */
const INVALIDATION_DRAIN_MS = 1000;

/** How often a running shard hands over the times it submitted DB queries at (for db.qps_peak). */
const HAND_OVER_EVERY_MS = 250;


/** monitorEventLoopDelay's sampling interval, ms: fine enough to see a stall of a few ms, cheap enough to leave on. */
const EVENT_LOOP_RESOLUTION_MS = 5;

/**
 * One event loop's share of a live run: its own ioredis clients, its own open-loop schedule (or closed-loop
 * clients) over its part of the keys, cache-aside with its part of the database pool, and its own
 * recorders. Every shard of a run runs this same code, in the main thread (one shard) or in worker threads.
 *
 * Keys, not requests, are split (ShardedStream, salted apart from --shard's split): each key's requests stay in one thread, in order, with
 * the key's truth (versions, supersession times) beside them, so staleness is exact. Time is the run's:
 * every shard measures from the same origin (process.hrtime, one monotonic clock for every thread), so
 * intended starts, latencies, warm-up and time series windows agree across threads.
 */
export class LiveShard {
  private offset = 0;
  /** ms since the run's origin. */
  readonly now = (): number => performance.now() + this.offset;
  private readonly submissions = new DbSubmissionLog();
  private readonly recorder: RunRecorder;
  /** Requests started within the warm-up: run, not measured. */
  private warmupRequests = 0;
  private readonly errorsPerSecond: number[] = [];
  private readonly cacheErrorsPerSecond: number[] = [];
  private readonly engine: LiveApplication;
  private readonly driver: LoadDriver;
  private readonly alarm: ArrivalAlarm | null;
  private stopped = false;
  private told = false;
  private reconnectsBefore = 0;
  private readonly index: number;
  private readonly counters: Int32Array;
  /** database.postgres: the shard's real database (made by the engine, which owns the ledger). */
  private realDatabase: PostgresDatabase | null = null;
  private readonly setup: ShardSetup;

  private constructor(
    setup: ShardSetup,
    private readonly events: ShardEvents,
    private readonly connections: RedisCommandPool | null,
    private readonly stream: AccessStream,
    private readonly nodes: LiveNodes | null,
    private readonly invalidation: LiveInvalidation | null,
    private readonly postgres: PostgresConnections | null = null,
  ) {
    const { scenario, counters } = setup;
    this.setup = setup;
    this.index = setup.index;
    this.counters = counters;
    const load = { ...scenario.live!, clients: setup.clients };
    const cache = scenario.cache;
    const redact = (message: string): string => postgres?.redact(connections?.redact(message) ?? message) ?? connections?.redact(message) ?? message;
    const statements = setup.postgres;
    this.recorder = new RunRecorder(true, true, scenario.max_staleness, scenario.timeseries_window, this.submissions);
    this.recorder.measuredFrom = load.warmup > 0 ? load.warmup : Number.NEGATIVE_INFINITY;
    this.recorder.onFailure = (t) => countInSecond(this.errorsPerSecond, t);
    if (nodes?.local != null) this.recorder.timeseries.tiers = true;
    this.engine = new LiveApplication({
      scenario,
      connections,
      prefix: setup.prefix,
      now: this.now,
      recorder: this.recorder,
      shardIndex: setup.index,
      databaseConnections: setup.databaseConnections,
      nodes,
      invalidation,
      ...(setup.count > 1 ? { databaseInUseAcrossThreads: { cells: counters, index: SHARED_DB_IN_USE } } : {}),
      ...(postgres !== null && statements !== undefined
        ? {
            database: (ledger) => {
              this.realDatabase = new PostgresDatabase({
                connections: postgres,
                statements,
                ledger,
                timeoutMs: scenario.database.timeout,
                now: this.now,
                ...(setup.count > 1 ? { inUseAcrossThreads: { cells: counters, index: SHARED_DB_IN_USE } } : {}),
                onFailure: () => {},
              });
              return this.realDatabase;
            },
          }
        : {}),
      onDbError: (message) => {
        // Inside a database fault window (or a timeout after one) a failure is the window's: counted, the run goes on.
        const margin = FAULT_RECOVERY_MS + (scenario.database.timeout ?? 0);
        if (scenario.database.on_db_error === 'fail' && !inFaultWindow(scenario.faults, DB_FAULTS, this.now(), margin))
          this.fail(() => this.events.databaseFailure(message));
      },
      onCommandError: (t) => countInSecond(this.cacheErrorsPerSecond, t),
      onCacheError: (error) => {
        // Inside a cache fault window a failure is the window's: the request fails (counted), the run goes on.
        if (cache?.on_cache_error === 'fail' && !inFaultWindow(scenario.faults, CACHE_FAULTS, this.now(), FAULT_RECOVERY_MS))
          this.fail(() => this.events.cacheFailure(redact(error.message)));
      },
      onBug: (error) => this.fail(() => this.events.requestFailure(`live run failed: ${redact((error as Error)?.message ?? String(error))}`)),
    });
    const workload = scenario.workload;
    this.alarm = setup.alarm === null ? null : new ArrivalAlarm(setup.alarm, setup.index);
    this.driver = new LoadDriver({
      ...(this.alarm !== null ? { alarm: this.alarm } : {}),
      stream,
      load,
      durationMs: load.clients !== null ? workload.duration : null,
      now: this.now,
      gate: new InFlightGate(counters, SHARED_IN_FLIGHT, load.max_in_flight),
      issue: (start, key, op, size, ttl) => {
        if (start < load.warmup) this.warmupRequests++;
        try {
          return this.engine.request(start, key, op, size, ttl);
        } catch (error) {
          // Every expected failure is handled inside; anything else is a bug, and stops the run.
          this.fail(() => this.events.requestFailure(`live run failed: ${redact((error as Error).message)}`));
          return Promise.resolve();
        }
      },
    });
  }

  /** Opens the shard's workload and its Redis clients; throws InputError (a bad trace) or RunFailure (no connection). */
  static async open(setup: ShardSetup, events: ShardEvents): Promise<LiveShard> {
    const stream = shardStream(setup);
    let connections: RedisCommandPool | null = null;
    let subscriber: RedisConnections | null = null;
    let postgres: PostgresConnections | null = null;
    try {
      const statements = setup.postgres;
      if (statements !== undefined) {
        const readOnly = statements.write === null && statements.flush === null;
        postgres = await PostgresConnections.open({ ...statements, readOnly }, setup.databaseConnections);
      }
      const cache = setup.scenario.cache;
      // The live no-cache baseline: no Redis at all.
      if (cache === null) return new LiveShard(setup, events, null, stream, null, null, postgres);
      const target = cache.redis!;
      const addresses = (target.cluster ?? [setup.redisUrl ?? target.url ?? '']).map((url, i) =>
        parseRedisAddress(url, target.cluster === null ? 'cache.redis.url' : `cache.redis.cluster[${i}]`),
      );
      const options = {
        addresses,
        cluster: target.cluster !== null,
        connections: setup.connections,
        autoPipelining: target.auto_pipelining,
        connectTimeoutMs: target.connect_timeout,
        commandTimeoutMs: target.command_timeout,
      };
      connections = await openCommandPool(options);
      // The application's nodes (one, without a topology): their routing, their local tiers, and node-crash windows.
      const nodes = new LiveNodes(setup.scenario, setup, stream.keySpace);
      let invalidation: LiveInvalidation | null = null;
      if (nodes?.local != null && cache.invalidation === 'pubsub') {
        // A connection of its own: a subscribed connection takes no other commands. Its clock is set in run().
        // With pubsub-partition windows it goes through a fault proxy of its own (setup.subscriberUrl).
        const subscriberAddresses = setup.subscriberUrl === undefined ? addresses : [parseRedisAddress(setup.subscriberUrl, 'cache.redis.url')];
        subscriber = await RedisConnections.open({ ...options, addresses: subscriberAddresses, connections: 1, autoPipelining: false });
        const shard = { now: (): number => 0 };
        const lossRate = cache.pubsub?.loss ?? 0;
        const loss = lossRate > 0 ? { rate: lossRate, random: RandomSource.derive(setup.scenario.seed, `pubsub-loss-${setup.index}`) } : null;
        invalidation = await LiveInvalidation.open(subscriber, `${setup.prefix}invalidation:${setup.index}`, nodes.nodes, () => shard.now(), loss);
        const live = new LiveShard(setup, events, connections, stream, nodes, invalidation, postgres);
        shard.now = live.now;
        return live;
      }
      return new LiveShard(setup, events, connections, stream, nodes, invalidation, postgres);
    } catch (error) {
      subscriber?.close();
      connections?.close();
      await postgres?.close();
      stream.close();
      throw error;
    }
  }

  /**
   * Measures the client's floor in the CALIBRATION_MS before `originNs` (floor-calibration.ts), then runs
   * the shard's load from `originNs` (process.hrtime.bigint() of the run's start, possibly just
   * ahead) until its workload ends or it is stopped, then waits for its requests in flight: all of them,
   * or STOP_DRAIN_MS after a stop. DB submission times go to `handOver` every HAND_OVER_EVERY_MS and at the end.
   */
  async run(originNs: bigint, handOver: DbSubmissionHandOver): Promise<ShardOutcome> {
    const calibrationNs = originNs - BigInt(CALIBRATION_MS * 1e6);
    this.setClock(calibrationNs);
    const early = -this.now();
    if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
    const floor = await calibrateFloor({
      openStream: () => shardStream(this.setup),
      load: { ...this.setup.scenario.live!, clients: this.setup.clients },
      now: this.now,
      connections: this.connections,
      ...(this.alarm !== null ? { alarm: this.alarm } : {}),
    });
    this.setClock(originNs);
    const cancelFaults = this.engine.scheduleFaults();
    this.reconnectsBefore = this.connections?.reconnects ?? 0;
    const timer = setInterval(() => {
      handOver(this.submissions.take(), this.now());
      this.publishProgress();
    }, HAND_OVER_EVERY_MS);
    const delay = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
    let busy = performance.eventLoopUtilization();
    try {
      const wait = -this.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      delay.enable();
      busy = performance.eventLoopUtilization();
      await this.driver.run();
      await this.driver.drain(this.stopped ? STOP_DRAIN_MS : Number.POSITIVE_INFINITY);
      // Write-behind's last batches reach the database after the last request (their queries count, as in simulation).
      await this.engine.drainWriteBehind(this.stopped ? STOP_DRAIN_MS : WRITE_BEHIND_DRAIN_MS);
    } finally {
      cancelFaults();
      clearInterval(timer);
      delay.disable();
    }
    const utilization = performance.eventLoopUtilization(busy).utilization;
    handOver(this.submissions.take(), Number.POSITIVE_INFINITY);
    this.publishProgress();
    const messages = this.invalidation === null ? null : await this.invalidation.drain(INVALIDATION_DRAIN_MS);
    return {
      measured: this.recorder.state(),
      warmupRequests: this.warmupRequests,
      dropped: this.driver.dropped,
      errorsPerSecond: this.errorsPerSecond,
      cacheErrorsPerSecond: this.cacheErrorsPerSecond,
      client: { ...this.engine.counts },
      reconnects: (this.connections?.reconnects ?? 0) - this.reconnectsBefore,
      traceSkips: this.stream.traceStats?.() ?? null,
      nodes: this.nodes === null ? null : this.nodes.outcome(messages),
      writeBehind: this.engine.writeBehind(),
      database: this.realDatabase?.outcome() ?? null,
      floor,
      schedule: this.driver.schedule.state(),
      eventLoop: {
        delayP50Ms: delay.count > 0 ? delay.percentile(50) / 1e6 : 0,
        delayP99Ms: delay.count > 0 ? delay.percentile(99) / 1e6 : 0,
        delayMaxMs: delay.count > 0 ? delay.max / 1e6 : 0,
        utilization,
      },
    };
  }

  /** Sets the shard's clock (`now`) to count from `originNs`; the alarm counts from there too. */
  private setClock(originNs: bigint): void {
    this.offset = Number(process.hrtime.bigint() - originNs) / 1e6 - performance.now();
    this.alarm?.start(originNs);
  }

  /** Stop starting requests (Ctrl-C, on_cache_error: fail, another shard's failure); those in flight go on. */
  stop(): void {
    this.stopped = true;
    this.driver.stop();
  }

  /** Closes the shard's connections (a real database's too: its backends end, and flush their statistics). */
  async close(): Promise<void> {
    this.engine.close();
    this.invalidation?.close();
    this.connections?.close();
    this.stream.close();
    await this.postgres?.close();
  }

  /** This shard's counts so far into its progress cells (the run's progress bar reads them). */
  private publishProgress(): void {
    const cell = PROGRESS_CELLS + PROGRESS_FIELDS * this.index;
    const r = this.recorder;
    Atomics.store(this.counters, cell, r.requests + this.warmupRequests);
    Atomics.store(this.counters, cell + 1, r.reads);
    Atomics.store(this.counters, cell + 2, r.hits);
  }

  private fail(tell: () => void): void {
    this.stop();
    if (this.told) return;
    this.told = true;
    tell();
  }
}

/**
 * The shard's part of the workload. A closed loop has no arrival times: the stream supplies keys and
 * operations (a trace, in its order), the wall clock the end.
 */
function shardStream(setup: ShardSetup): AccessStream {
  const workload = setup.scenario.workload;
  let spec: WorkloadSpec = workload;
  if (setup.clients !== null) {
    spec =
      workload.kind === 'synthetic'
        ? { ...workload, duration: null, requests: workload.requests ?? Number.MAX_SAFE_INTEGER }
        : { ...workload, duration: null, arrival: { type: 'none' } };
  }
  const whole = createWorkload(spec, setup.scenario.seed);
  return setup.count === 1 ? whole : new ShardedStream(whole, { index: setup.index, count: setup.count }, THREAD_SALT);
}

/** One more in the second of `t` (ms since the start). */
function countInSecond(perSecond: number[], t: number): void {
  const second = Math.max(0, Math.floor(t / 1000));
  while (perSecond.length <= second) perSecond.push(0);
  perSecond[second]++;
}
