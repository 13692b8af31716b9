import type { RunRecorderState } from '../metrics/run-recorder.js';
import type { WriteBehindMetrics } from '../result/run-result.js';
import type { Scenario } from '../scenario/scenario.js';
import type { TraceSkips } from '../workload/access-event.js';
import type { AlarmCells } from './arrival-alarm.js';
import type { FloorState } from './floor-calibration.js';
import type { ClientCounts } from './live-application.js';
import type { NodesOutcome } from './live-nodes.js';
import type { PostgresShardOutcome } from './postgres-database.js';
import type { PostgresStatements } from './postgres-statements.js';
import type { ScheduleState } from './schedule-log.js';

// What a shard of a live run (live-shard.ts) is given, what it tells the run while it runs, and what it
// hands back: plain data, so that a shard can be a worker thread.

/** Cells of the Int32Array (on a SharedArrayBuffer) that every shard of a run shares. */
export const SHARED_IN_FLIGHT = 0;
export const SHARED_DB_IN_USE = 1;
/** Then, per shard, its requests, reads and hits so far (warm-up included), for the progress bar. */
export const PROGRESS_CELLS = 2;
export const PROGRESS_FIELDS = 3;

export function createSharedCounters(shards = 1): Int32Array {
  return new Int32Array(new SharedArrayBuffer((PROGRESS_CELLS + PROGRESS_FIELDS * shards) * Int32Array.BYTES_PER_ELEMENT));
}

/** The run's requests, reads and hits so far, summed over the shards' latest published counts. */
export function progressOf(counters: Int32Array, shards: number): { requests: number; reads: number; hits: number } {
  let requests = 0;
  let reads = 0;
  let hits = 0;
  for (let shard = 0; shard < shards; shard++) {
    const cell = PROGRESS_CELLS + PROGRESS_FIELDS * shard;
    requests += Atomics.load(counters, cell);
    reads += Atomics.load(counters, cell + 1);
    hits += Atomics.load(counters, cell + 2);
  }
  return { requests, reads, hits };
}

/**
 * Receives a shard's DB submission times (measured requests only, ascending) and the time before which
 * none of its later ones can be: its clock at the hand-over, or +Infinity once it is done.
 */
export type DbSubmissionHandOver = (times: Float64Array, watermark: number) => void;

/**
 * One event loop's part of a live run — all of it when the run has one thread. Plain data, so it can be
 * a worker thread's workerData.
 */
export interface ShardSetup {
  scenario: Scenario;
  /** This shard is `index` of `count`; with count > 1 it takes the keys shardOfKey (THREAD_SALT) gives it. */
  index: number;
  count: number;
  prefix: string;
  /** ioredis clients of this shard. */
  connections: number;
  /** Closed loop: this shard's clients; open loop: null. */
  clients: number | null;
  /** This shard's part of database.max_concurrency. */
  databaseConnections: number;
  /** createSharedCounters(): the run's requests in flight and DB connections in use, across shards. */
  counters: Int32Array;
  /** Open loop: the run's alarm thread wakes the shard at its arrivals (arrival-alarm.ts); null: polling. */
  alarm: AlarmCells | null;
  /** database.postgres: the statements the shard's own connections send; absent: the database model. */
  postgres?: PostgresStatements;
  /** With cache fault windows: the load's clients connect here (the fault proxy) instead of cache.redis.url. */
  redisUrl?: string;
  /** With pubsub-partition windows: the pub/sub subscriber connects here (a fault proxy of its own). */
  subscriberUrl?: string;
}

/** What a shard tells the run while it runs; messages have passwords masked. Each is told once. */
export interface ShardEvents {
  /** A Redis command failed under `on_cache_error: fail`; the shard has stopped. */
  cacheFailure(message: string): void;
  /** An error escaped a request (a bug, not a Redis failure); the shard has stopped. */
  requestFailure(message: string): void;
  /** A query failed or timed out under `on_db_error: fail`; the shard has stopped. */
  databaseFailure(message: string): void;
}

/** What a shard measured, as plain data: the run merges one per shard (shard-outcomes.ts). */
export interface ShardOutcome {
  /** Requests whose intended start was at or after the warm-up. */
  measured: RunRecorderState;
  /** Requests started within the warm-up: run, not measured. */
  warmupRequests: number;
  dropped: number;
  /** Failed requests per wall-clock second from the start. */
  errorsPerSecond: number[];
  /** Failed Redis commands per wall-clock second from the start. */
  cacheErrorsPerSecond: number[];
  client: ClientCounts;
  reconnects: number;
  traceSkips: TraceSkips | null;
  /** With local tiers: the shard's nodes (L1, L2 lookups, pub/sub invalidation); null without. */
  nodes: NodesOutcome | null;
  /** With write-behind: the shard's queues; null without. */
  writeBehind: WriteBehindMetrics | null;
  /** database.postgres: what the shard's connections saw; null against the model. */
  database: PostgresShardOutcome | null;
  /** The client's floor, measured just before the load (floor-calibration.ts). */
  floor: FloorState;
  /** How the open loop kept its schedule (empty for a closed loop). */
  schedule: ScheduleState;
  /** The shard's event loop during the load: its delay (perf_hooks.monitorEventLoopDelay), ms, and the share of time it was busy. */
  eventLoop: { delayP50Ms: number; delayP99Ms: number; delayMaxMs: number; utilization: number };
}
