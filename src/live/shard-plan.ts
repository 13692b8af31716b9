import type { Scenario } from '../scenario/scenario.js';
import { AccessBatch } from '../workload/access-event.js';
import { createWorkload } from '../workload/create-workload.js';

/**
 * Requests per second one event loop drives through cache-aside (ioredis, the database model on timers,
 * the recorder) before its own latency shows in the tail: about 20k/s on the 2-core development machine,
 * so one worker per 15k/s leaves headroom (docs/live-redis.md).
 */
export const REQUESTS_PER_WORKER = 15_000;

/**
 * A closed-loop client's round trip assumed when choosing workers: with think time Z it sends at most
 * 1000 / (Z + this) requests per second (a loopback Redis answers a GET in well under this).
 */
const ASSUMED_ROUND_TRIP_MS = 0.2;

/** Events read from the head of a trace to estimate the rate `arrival: trace` replays it at. */
const TRACE_RATE_SAMPLE = 65_536;

/** One shard's share of the run's resources. */
export interface ShardShare {
  /** ioredis clients: `cache.redis.connections` split, at least one each. */
  connections: number;
  /** Closed loop: `clients` split; open loop: null. */
  clients: number | null;
  /** `database.max_concurrency` split (each shard has its part of the pool). */
  databaseConnections: number;
}

/**
 * How many worker threads drive a live run: `live.workers` when given; otherwise one per
 * REQUESTS_PER_WORKER of offered rate, at most the machine's cores, and never more than there are
 * closed-loop clients or database connections to share out. One means no worker thread at all.
 */
export function workerCount(scenario: Scenario, cores: number): number {
  const load = scenario.live!;
  if (load.workers !== null) return load.workers;
  // One core is left to the rest (the alarm thread, the main thread, GC, a local Redis): on 2 cores two
  // workers measured a worse p99 than one (docs/live-redis.md, "Worker threads").
  let limit = Math.min(Math.max(1, cores - 1), scenario.database.max_concurrency);
  if (load.clients !== null) limit = Math.min(limit, load.clients);
  const wanted = Math.ceil(offeredRate(scenario) / REQUESTS_PER_WORKER);
  return Math.max(1, Math.min(wanted, limit));
}

/** `total` split over `parts` as evenly as whole numbers allow: part `index`'s share (Infinity stays Infinity). */
export function shareOf(total: number, parts: number, index: number): number {
  if (!Number.isFinite(total)) return total;
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}

export function shardShares(scenario: Scenario, workers: number): ShardShare[] {
  const load = scenario.live!;
  // The live no-cache baseline has no Redis: one (unused) client each.
  const connections = scenario.cache?.redis?.connections ?? 1;
  return Array.from({ length: workers }, (_, i) => ({
    connections: Math.max(1, shareOf(connections, workers, i)),
    clients: load.clients === null ? null : shareOf(load.clients, workers, i),
    databaseConnections: shareOf(scenario.database.max_concurrency, workers, i),
  }));
}

/**
 * Requests per second the scenario offers: the rate of an open loop, a trace's own rate (from its first
 * TRACE_RATE_SAMPLE events, sped up) with `arrival: trace`, or what a closed loop's clients could send at most.
 */
export function offeredRate(scenario: Scenario): number {
  const load = scenario.live!;
  if (load.clients !== null) return (load.clients * 1000) / (load.think_time + ASSUMED_ROUND_TRIP_MS);
  const arrival = scenario.workload.arrival;
  if (arrival.type === 'poisson' || arrival.type === 'constant') return arrival.rate;
  return traceRate(scenario);
}

function traceRate(scenario: Scenario): number {
  const stream = createWorkload(scenario.workload, scenario.seed);
  try {
    const batch = new AccessBatch(4096);
    let events = 0;
    let last = 0;
    while (events < TRACE_RATE_SAMPLE && stream.next(batch) > 0) {
      events += batch.length;
      last = batch.time[batch.length - 1];
    }
    // Times start at 0; a head with no time span (or none at all) is as fast as the trace can go.
    return last > 0 ? (events * 1000) / last : events > 1 ? Number.POSITIVE_INFINITY : 0;
  } finally {
    stream.close();
  }
}
