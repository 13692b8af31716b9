import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { InputError, RunFailure } from '../errors.js';
import { faultWindows } from '../engine/fault-timeline.js';
import { QPS_WINDOW_MS, RunRecorder } from '../metrics/run-recorder.js';
import { SlidingWindowPeak } from '../metrics/sliding-window-peak.js';
import type { DatabaseView, RedisView, RunMetrics, RunResult, } from '../result/run-result.js';
import { replay } from '../run/replay.js';
import type { RunProgress } from '../run/run-progress.js';
import type { LiveLoadSpec, RedisTargetSpec, Scenario } from '../scenario/scenario.js';
import { evaluateThresholds, type ParsedThreshold } from '../thresholds/threshold-evaluation.js';
import type { ShardSpec } from '../workload/key-shard.js';
import { PROGRESS_INTERVAL_MS } from '../workload/progress-stream.js';
import { createAlarmCells, startAlarmThread, stopAlarm } from './arrival-alarm.js';
import { DbSubmissionMerge } from './db-submission-merge.js';
import { LiveFaultWindows } from './fault-windows.js';
import { CALIBRATION_MS } from './floor-calibration.js';
import { cleanupCommandLine, deleteKeysWithRetry, prefixHoldsKeys, tableCleanupCommandLine } from './key-cleanup.js';
import { LiveRunStopped } from './live-run-stopped.js';
import { createSharedCounters, progressOf, type ShardEvents, type ShardOutcome, type ShardSetup } from './shard-contract.js';
import { mergeDatabaseOutcomes, PostgresBackend, stalenessOf, withUnknownStaleness } from './postgres-backend.js';
import type { PostgresStatsSnapshot } from './postgres-stats.js';
import { parsePostgresAddress } from './postgres-address.js';
import { parseRedisAddress } from './redis-address.js';
import { RedisConnections } from './redis-connection.js';
import { deltaUnknownReason, infoDelta, type RedisInfoSnapshot, readRedisInfo } from './redis-info.js';
import { applyMemoryConfig, restoreMemoryConfig, type SavedMemoryConfig } from './redis-memory-config.js';
import { completeModel, probeRedisMemory, type RedisMemoryProbe, } from './redis-memory-model.js';
import { LocalShardHost, type ShardHost, WorkerShardHost } from './shard-hosts.js';
import { mergeShardOutcomes } from './shard-outcomes.js';
import { shardShares, workerCount } from './shard-plan.js';
import { closedLoopBaselineRate, predict, predictedPolicy, simulatedDatabase, simulatedScenario } from './simulated-comparisons.js';
import { delaySummary, redisTierMetrics, scheduleMetrics } from './live-metrics.js';

export interface LiveRunOptions {
  /** --allow-config: CONFIG SET maxmemory / maxmemory-policy for the run, restored afterwards. */
  allowConfig: boolean;
  /** Aborted on Ctrl-C: stop issuing, wait for in-flight requests, write the partial result (exit 130). */
  signal?: AbortSignal;
  /** Told every ~150 ms how many requests were sent (warm-up included) and the hit rate so far. */
  progress?: RunProgress;
}

/** Worker threads start this far ahead of the moment the start is sent (ns), so none starts late. */
const START_LEAD_NS = 20_000_000n;
/** Every shard measures the client's floor in the CALIBRATION_MS before the load's origin (floor-calibration.ts). */
const CALIBRATION_NS = BigInt(CALIBRATION_MS * 1e6);

/**
 * One live run (`mode: live`): the scenario's workload against Redis on the wall clock, cache-aside with
 * the database model or a real PostgreSQL (database.postgres), measured with the same recorder and
 * definitions as a simulation, beside Redis's own INFO deltas (and PostgreSQL's statistics). Against the
 * model the baseline is the same workload simulated without a cache on the virtual clock; against a real
 * database it is measured live after the cached run (or simulated from the measured query latencies,
 * `baseline: simulated`). The prediction, with --allow-config setting an LRU or LFU policy, is the same
 * scenario simulated with Redis's approximated policy.
 *
 * Safety: every key is under a per-run prefix, the run refuses to start when that prefix already holds
 * keys (unless reuse_keys), and at the end SCAN + UNLINK deletes the prefix's keys and nothing else.
 */
export async function runLive(
  scenario: Scenario,
  run: { name: string; params: Record<string, unknown> },
  thresholds: ParsedThreshold[],
  options: LiveRunOptions,
): Promise<RunResult> {
  const cache = scenario.cache;
  const load = scenario.live;
  if (cache?.redis === undefined || load === undefined) {
    throw new InputError('mode: live needs cache.redis (see docs/live-redis.md)');
  }
  const target = cache.redis;
  const addresses = (target.cluster ?? [target.url ?? '']).map((url, i) =>
    parseRedisAddress(url, target.cluster === null ? 'cache.redis.url' : `cache.redis.cluster[${i}]`),
  );
  // The run's own client, for the prefix check, CONFIG, INFO and the cleanup; the load has its own (LiveShard).
  const connections = await RedisConnections.open({
    addresses,
    cluster: target.cluster !== null,
    connections: 1,
    autoPipelining: target.auto_pipelining,
    connectTimeoutMs: target.connect_timeout,
    commandTimeoutMs: target.command_timeout,
  });
  const prefix = shardPrefix(target.prefix ?? `cachebench:${randomBytes(6).toString('hex')}:`, scenario.workload.shard);
  let started = false;
  let result: RunResult | null = null;
  let backend: PostgresBackend | null = null;
  let failure: Error | null = null;
  try {
    if (!target.reuse_keys && (await prefixHoldsKeys(connections, prefix))) {
      throw new InputError(
        `cache.redis.prefix: "${prefix}" already holds keys on ${connections.display}; cachebench deletes every key under its prefix at the end, so it will not start. Choose another prefix, or set reuse_keys: true if those keys are a previous run's`,
      );
    }
    // A real database: connected, and in table mode the run's own table created and filled, before any load.
    if (scenario.database.postgres !== undefined) backend = await PostgresBackend.open(scenario, randomBytes(4).toString('hex'));
    const config = options.allowConfig ? { maxmemory: target.maxmemory, maxmemory_policy: target.maxmemory_policy } : null;
    let saved: SavedMemoryConfig | null = null;
    try {
      started = true;
      // The prediction sizes its cache in Redis's memory: measured before maxmemory is lowered, so the probe evicts nothing.
      const memory =
        config?.maxmemory != null && predictedPolicy(config.maxmemory_policy) !== null
          ? await probeRedisMemory(scenario, connections, prefix, dbOf(target))
          : null;
      if (config !== null && (config.maxmemory !== null || config.maxmemory_policy !== null)) {
        saved = await applyMemoryConfig(connections.masters(), { maxmemory: config.maxmemory, policy: config.maxmemory_policy });
      }
      result = await measure(scenario, load, target, connections, prefix, run, thresholds, options, config, backend, memory);
      return result;
    } finally {
      if (saved !== null) await restoreMemoryConfig(saved);
    }
  } catch (error) {
    if (error instanceof LiveRunStopped) result = error.result;
    else if (error instanceof InputError || error instanceof RunFailure) failure = error;
    else if (isRedisFailure(error))
      failure = new RunFailure(`Redis at ${connections.display} failed: ${(error as Error).message}`);
    if (failure !== null) {
      failure.message = connections.redact(backend?.redact(failure.message) ?? failure.message);
      throw failure;
    }
    throw error;
  } finally {
    try {
      // Retried for a while: a run whose keys may remain says so (exit 3) with the command that deletes them.
      const cleanup = started ? await deleteKeysWithRetry(connections, prefix) : null;
      if (cleanup !== null && result?.redis !== undefined) {
        result.redis.keys_deleted = cleanup.deleted;
        if (cleanup.error !== null) {
          result.redis.cleanup_error = cleanup.error;
          result.redis.cleanup_command = cleanupCommandLine(addresses[0], prefix);
        }
      } else if (cleanup?.error != null && failure !== null) {
        // No result to carry it: the run's own failure says it.
        failure.message += `; the keys under ${prefix} may remain (cleanup failed: ${cleanup.error}); delete them with: ${cleanupCommandLine(addresses[0], prefix)}`;
      }
    } finally {
      connections.close();
      // The run's table goes at the end whatever happened (a failure, Ctrl-C); the user's tables are never touched.
      const closed = await backend?.close();
      if (closed !== undefined && result?.database !== undefined) {
        result.database.table_dropped = closed.dropped;
        if (closed.error !== null) {
          result.database.cleanup_error = closed.error;
          if (result.database.table !== null) result.database.cleanup_command = tableCleanupCommandLine(result.database.target, result.database.table);
        }
      }
    }
  }
}

async function measure(
  scenario: Scenario,
  load: LiveLoadSpec,
  target: RedisTargetSpec,
  connections: RedisConnections,
  prefix: string,
  run: { name: string; params: Record<string, unknown> },
  thresholds: ParsedThreshold[],
  options: LiveRunOptions,
  config: RedisView['config_applied'],
  backend: PostgresBackend | null,
  memoryProbe: RedisMemoryProbe | null,
): Promise<RunResult> {
  const closedLoop = load.clients !== null;
  const seen: { infoBefore: RedisInfoSnapshot | null; infoAfter: RedisInfoSnapshot | null; dbBefore: PostgresStatsSnapshot | string } = {
    infoBefore: null,
    infoAfter: null,
    dbBefore: '',
  };
  let infoError: string | null = null;
  const driven = await drive(scenario, prefix, options, backend, `Redis command failed on ${connections.display}`, {
    beforeStart: async () => {
      seen.infoBefore = await readRedisInfo(connections.masters(), dbOf(target));
      if (backend !== null) seen.dbBefore = await backend.snapshot(false);
    },
    afterRun: async () => {
      seen.infoAfter = await readRedisInfo(connections.masters(), dbOf(target)).catch((error: Error) => {
        infoError = connections.redact(error.message);
        return null;
      });
    },
  });
  const infoBefore = seen.infoBefore!;
  const infoAfter = seen.infoAfter;
  const { outcomes, recorder, workers, wallMs, sleepsBetweenArrivals } = driven;
  // The pool's backends have ended (the shards closed their connections): their statistics are flushed.
  const dbServer = backend === null ? null : backend.delta(seen.dbBefore, await backend.snapshot(true));

  const merged = mergeShardOutcomes(outcomes, recorder);
  const metrics = recorder.metrics(null);
  metrics.live = {
    dropped: merged.dropped,
    errors_per_second: merged.errorsPerSecond,
    cache_errors_per_second: merged.cacheErrorsPerSecond,
    reconnects: merged.reconnects,
    warmup_ms: load.warmup,
    workers,
    worker_requests: merged.workerRequests,
    ...scheduleMetrics(outcomes, load, merged.dropped, sleepsBetweenArrivals),
  };
  if (merged.writeBehind !== null) metrics.write_behind = merged.writeBehind;
  if (merged.nodes !== null) {
    const { l1, l2, invalidation } = merged.nodes;
    metrics.tiers = { l1, l2: redisTierMetrics(l2) };
    if (invalidation !== null) {
      const { delaysMs, ...counts } = invalidation;
      metrics.invalidation = { ...counts, delay_ms: delaySummary(delaysMs) };
    }
  }
  if (merged.traceSkips !== null) {
    metrics.trace = {
      skipped_lines: merged.traceSkips.skippedLines,
      skipped_commands: Object.fromEntries(merged.traceSkips.skippedCommands),
    };
  }
  const achievedRate = (metrics.requests + merged.warmupRequests) / Math.max(wallMs / 1000, 1e-3);
  const database = backend === null ? null : mergeDatabaseOutcomes(outcomes.map((outcome) => outcome.database));
  const modelled = { ...scenario, database: simulatedDatabase(scenario.database, database) };
  const simulated = simulatedScenario(modelled, closedLoop ? closedLoopBaselineRate(modelled, load, achievedRate) : null);
  const databaseView = database === null ? null : backend!.view(database, scenario.database.max_concurrency, dbServer!);
  if (databaseView?.staleness === 'unknown') withUnknownStaleness(metrics);
  const reason = driven.stopReason;
  let baseline: RunMetrics;
  let baselineLatencyHdr: string;
  // A stopped run has no live baseline: it falls back to the measured latencies, and says so.
  let baselineSource: RunResult['baseline_source'] = backend === null ? 'simulated' : 'simulated-from-measured';
  if (backend !== null && scenario.database.baseline === 'live' && reason === null) {
    baselineSource = 'live';
    // The same workload at the same rate, straight to the database: what the cache is compared against.
    const live = await liveBaseline(scenario, prefix, options, backend!, { requests: metrics.requests + merged.warmupRequests, clockMs: wallMs });
    baseline = live.metrics;
    baselineLatencyHdr = live.latencyHdr;
    databaseView!.baseline = live.view;
    if (live.stopReason !== null) driven.stopReason = live.stopReason;
  } else {
    const baselineReplay = replay(simulated, false);
    baseline = baselineReplay.metrics;
    baselineLatencyHdr = baselineReplay.latencyHdr;
  }
  // The baseline replays the whole workload, warm-up included, so offload compares DB reads per read.
  if (baseline.db.reads > 0 && metrics.reads > 0)
    metrics.offload = 1 - metrics.db.reads / metrics.reads / (baseline.db.reads / baseline.reads);
  const memory = memoryProbe === null || config?.maxmemory == null ? null : completeModel(memoryProbe, infoBefore.used_memory, config.maxmemory);
  const prediction = config === null ? null : predict(simulated, config.maxmemory_policy, memory === null ? null : { model: memory, probe: memoryProbe! });

  const deltaUnknown = infoAfter === null ? null : deltaUnknownReason({ ...infoBefore }, { ...infoAfter });
  const result: RunResult = {
    name: run.name,
    params: run.params,
    metrics,
    baseline,
    thresholds: evaluateThresholds(thresholds, metrics),
    histograms: { latency_us: recorder.encodedLatency(), baseline_latency_us: baselineLatencyHdr },
    timeseries_window_ms: recorder.timeseries.windowMs,
    timeseries: recorder.timeseriesPoints(),
    redis: {
      target: connections.display,
      prefix,
      info_before: { ...infoBefore },
      info_after: infoAfter === null ? {} : { ...infoAfter },
      // Without INFO after the run (the server went away), every delta is 0 and info_error says why.
      delta: infoDelta({ ...infoBefore }, { ...(infoAfter ?? infoBefore) }),
      ...(infoError !== null ? { info_error: infoError } : {}),
      ...(deltaUnknown !== null ? { delta_unknown: deltaUnknown } : {}),
      client: merged.client,
      config_applied: config,
      ...(memory !== null ? { memory_model: memory } : {}),
      keys_deleted: 0,
    },
    ...(databaseView !== null ? { database: databaseView } : {}),
    baseline_source: baselineSource,
    ...(prediction !== null ? { prediction } : {}),
    ...(scenario.faults.length > 0 ? { faults: faultWindows(scenario.faults) } : {}),
  };
  const stopped = driven.stopReason;
  if (stopped !== null) throw new LiveRunStopped(stopped.message, stopped.exitCode, result);
  return result;
}

/** A stop of a live run: why, and its exit code. */
interface StopReason {
  message: string;
  exitCode: 3 | 130;
}

interface Driven {
  outcomes: ShardOutcome[];
  recorder: RunRecorder;
  workers: number;
  wallMs: number;
  stopReason: StopReason | null;
  /** Whether the shards slept between arrivals (the alarm thread, or a closed loop) rather than polling. */
  sleepsBetweenArrivals: boolean;
}

/**
 * Drives `scenario`'s load on the wall clock — one shard, or worker threads each with its share of the keys,
 * the Redis clients and the database pool — from a common origin until the workload ends or the run is
 * stopped (Ctrl-C, on_cache_error / on_db_error: fail, a failed shard). `hooks.beforeStart` runs once every
 * shard is ready, `hooks.afterRun` once they are done and before they close.
 */
async function drive(
  scenario: Scenario,
  prefix: string,
  options: LiveRunOptions,
  backend: PostgresBackend | null,
  cacheFailurePrefix: string,
  hooks: { beforeStart: () => Promise<void>; afterRun: () => Promise<void> },
  after?: { requests: number; clockMs: number },
): Promise<Driven> {
  const load = scenario.live!;
  const closedLoop = load.clients !== null;
  const workers = workerCount(scenario, availableParallelism());
  const dbPeak = new SlidingWindowPeak(QPS_WINDOW_MS);
  const recorder = new RunRecorder(true, true, scenario.max_staleness, scenario.timeseries_window, dbPeak);
  const submissions = new DbSubmissionMerge(workers, dbPeak);
  let stopReason: StopReason | null = null;
  const hosts: ShardHost[] = [];
  const stop = (message: string, exitCode: 3 | 130): void => {
    stopReason ??= { message, exitCode };
    for (const host of hosts) host.stop();
  };
  const events: ShardEvents = {
    cacheFailure: (message) => stop(`${cacheFailurePrefix}: ${message} (on_cache_error: fail)`, 3),
    requestFailure: (message) => stop(message, 3),
    databaseFailure: (message) => stop(`PostgreSQL at ${backend?.display ?? 'the database'}: ${message} (on_db_error: fail)`, 3),
  };
  const counters = createSharedCounters(workers);
  // Worker threads of an open loop sleep until their next arrival instead of polling for it, which
  // would keep a core busy each (arrival-alarm.ts); one event loop polls, the most precise.
  const alarm = closedLoop || workers === 1 ? null : createAlarmCells(workers);
  // Fault windows: a proxy in front of Redis that the load's clients go through (fault-windows.ts).
  const redisUrl = scenario.cache?.redis?.url ?? null;
  const postgres = backend === null ? null : parsePostgresAddress(backend.statements.url, 'database.postgres.url');
  const windows = await LiveFaultWindows.open(scenario.faults, redisUrl === null ? null : parseRedisAddress(redisUrl, 'cache.redis.url'), postgres);
  const alarmThread = alarm === null ? null : startAlarmThread(alarm);
  alarmThread?.running.catch(() => {});
  alarmThread?.thread.on('error', (error) => stop(`live run failed: the arrival alarm thread failed: ${error.message}`, 3));
  for (const [index, share] of shardShares(scenario, workers).entries()) {
    const setup: ShardSetup = {
      scenario,
      index,
      count: workers,
      prefix,
      counters,
      alarm,
      ...share,
      ...(backend !== null ? { postgres: windows === null ? backend.statements : { ...backend.statements, url: windows.postgresUrl(backend.statements.url) } } : {}),
      ...(windows !== null && redisUrl !== null ? { redisUrl: windows.redisUrl(redisUrl), subscriberUrl: windows.subscriberUrl(redisUrl) } : {}),
    };
    hosts.push(workers === 1 ? new LocalShardHost(setup, events, submissions) : new WorkerShardHost(setup, events, submissions));
  }
  const onAbort = (): void => stop('interrupted', 130);
  options.signal?.addEventListener('abort', onAbort);
  let outcomes: ShardOutcome[];
  let originNs = 0n;
  const progress = options.progress;
  // Each shard publishes its counts into the shared cells as it runs; the bar sums them.
  const progressTimer =
    progress === undefined
      ? undefined
      : setInterval(() => {
          // Nothing to report before the load's origin (while the shards calibrate their floor).
          const clockMs = originNs === 0n ? -1 : Number(process.hrtime.bigint() - originNs) / 1e6;
          if (clockMs < 0) return;
          const { requests, reads, hits } = progressOf(counters, workers);
          // The live baseline goes on from where the cached run ended (the bar expects both), with no hit rate of its own.
          if (after !== undefined) progress.report({ requests: after.requests + requests, clockMs: after.clockMs + clockMs, hitRate: null });
          else progress.report({ requests, clockMs, hitRate: reads > 0 ? hits / reads : null });
        }, PROGRESS_INTERVAL_MS);
  try {
    await Promise.all([...hosts.map((host) => host.ready), alarmThread?.running]);
    await hooks.beforeStart();
    if (options.signal?.aborted) onAbort();
    // Worker threads start a moment ahead, so that none begins late because the message took a while.
    originNs = process.hrtime.bigint() + (workers > 1 ? START_LEAD_NS : 0n) + CALIBRATION_NS;
    windows?.start(originNs);
    const running = hosts.map((host) => host.start(originNs));
    // A shard that fails stops the others before the failure is reported.
    for (const outcome of running) outcome.catch(() => stop('a worker thread failed', 3));
    outcomes = await Promise.all(running);
    await hooks.afterRun();
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    clearInterval(progressTimer);
    await Promise.all(hosts.map((host) => host.close()));
    await windows?.close();
    if (alarm !== null) stopAlarm(alarm);
    await alarmThread?.thread.terminate();
  }
  const wallMs = Number(process.hrtime.bigint() - originNs) / 1e6;
  return { outcomes, recorder, workers, wallMs, stopReason, sleepsBetweenArrivals: alarm !== null || closedLoop };
}

/** `baseline: live`: the scenario without a cache, driven against the real database, with the server's counters around it. */
async function liveBaseline(
  scenario: Scenario,
  prefix: string,
  options: LiveRunOptions,
  backend: PostgresBackend,
  after: { requests: number; clockMs: number },
): Promise<{ metrics: RunMetrics; latencyHdr: string; view: NonNullable<DatabaseView['baseline']>; stopReason: StopReason | null }> {
  const noCache: Scenario = { ...scenario, cache: null };
  let before: PostgresStatsSnapshot | string = '';
  const driven = await drive(noCache, prefix, options, backend, 'no cache', {
    beforeStart: async () => {
      before = await backend.snapshot(false);
    },
    afterRun: async () => {},
  }, after);
  const server = backend.delta(before, await backend.snapshot(true));
  const merged = mergeShardOutcomes(driven.outcomes, driven.recorder);
  const metrics = driven.recorder.metrics(null);
  const load = noCache.live!;
  // The baseline's own account of its schedule: a saturated baseline makes its latencies the client's too.
  metrics.live = {
    dropped: merged.dropped,
    errors_per_second: merged.errorsPerSecond,
    reconnects: merged.reconnects,
    warmup_ms: load.warmup,
    workers: driven.workers,
    worker_requests: merged.workerRequests,
    ...scheduleMetrics(driven.outcomes, load, merged.dropped, driven.sleepsBetweenArrivals),
  };
  const database = mergeDatabaseOutcomes(driven.outcomes.map((outcome) => outcome.database));
  if (stalenessOf(database.counts) !== null) withUnknownStaleness(metrics);
  return { metrics, latencyHdr: driven.recorder.encodedLatency(), view: { client: database.counts, ...server }, stopReason: driven.stopReason };
}

/** An error from talking to Redis (a reply error, a timeout, a closed connection) rather than a bug here. */
function isRedisFailure(error: unknown): boolean {
  return (
    error instanceof Error &&
    !(
      error instanceof TypeError ||
      error instanceof RangeError ||
      error instanceof ReferenceError ||
      error instanceof SyntaxError
    )
  );
}

/**
 * A shard's keys live under `<prefix>shard-<i>-of-<N>:`, so shards sharing a prefix (set by the user) never
 * see each other's keys: each checks that its own part is empty before starting and deletes only its own
 * keys at the end, however the shards' runs overlap.
 */
function shardPrefix(prefix: string, shard: ShardSpec | undefined): string {
  return shard === undefined ? prefix : `${prefix}shard-${shard.index}-of-${shard.count}:`;
}

function dbOf(target: RedisTargetSpec): number {
  return target.url === null ? 0 : parseRedisAddress(target.url, 'cache.redis.url').db;
}

