import { createLatencySampler } from '../engine/latency-model.js';
import { resolveParameters } from '../policies/policy-parameters.js';
import { policyParameters } from '../policies/registry.js';
import { RandomSource } from '../random/random-source.js';
import type { RunMetrics } from '../result/run-result.js';
import { replay } from '../run/replay.js';
import type { LiveLoadSpec, Scenario } from '../scenario/scenario.js';
import { measuredLatency, type MergedDatabase } from './postgres-backend.js';
import { type RedisMemoryModel, type RedisMemoryProbe, RedisMemoryStream } from './redis-memory-model.js';

// What a live run is set beside, simulated on the virtual clock: the same workload without a cache (the
// baseline, against the database model) and, with --allow-config, the prediction of what Redis's own
// eviction would hit.

/**
 * The virtual-clock engine is open-loop, so a closed loop's no-cache baseline runs as Poisson arrivals at
 * the throughput N clients could reach without a cache — the asymptotic bounds of operational analysis
 * (Denning & Buzen 1978): X ≤ N / (D + Z) and X ≤ c / D, with D the mean DB service time, Z the think
 * time and c the pool size — and never above the rate the live run achieved.
 */
export function closedLoopBaselineRate(scenario: Scenario, load: LiveLoadSpec, achievedRate: number): number {
  const clients = load.clients ?? 1;
  const demandMs = Math.max(meanLatencyMs(scenario.database.latency), 1e-3);
  const bound = Math.min((clients * 1000) / (demandMs + load.think_time), (scenario.database.max_concurrency * 1000) / demandMs);
  return Math.max(1e-3, Math.min(achievedRate, bound));
}

export function meanLatencyMs(spec: Scenario['database']['latency']): number {
  return createLatencySampler(spec, RandomSource.derive(0, 'mean-only')).mean;
}


/**
 * The scenario as the virtual-clock engine runs it: built-in tier, no Redis, the closed loop as an open one
 * at the rate it achieved, and a real database as the latencies its queries were measured at.
 */
export function simulatedScenario(scenario: Scenario, closedLoopRate: number | null): Scenario {
  const { live: _live, ...rest } = scenario;
  const cache = scenario.cache === null ? null : { ...scenario.cache };
  if (cache !== null) {
    delete cache.redis;
  }
  const workload = scenario.workload;
  return {
    ...rest,
    mode: 'simulate',
    cache,
    workload: closedLoopRate !== null ? { ...workload, arrival: { type: 'poisson', rate: closedLoopRate } } : workload,
  };
}

/** The database as the virtual clock runs it: the model itself, or a real one as the latencies its queries were measured at. */
export function simulatedDatabase(real: Scenario['database'], measured: MergedDatabase | null): Scenario['database'] {
  if (real.postgres === undefined) return real;
  const { postgres: _postgres, baseline: _baseline, on_db_error: _onDbError, ...model } = real;
  if (measured === null) return model;
  const latency = measuredLatency(measured.readServiceMs, model.latency);
  return { ...model, latency, write_latency: measuredLatency(measured.writeServiceMs, latency) };
}

export function predictedPolicy(maxmemoryPolicy: string | null): 'redis-lru' | 'redis-lfu' | null {
  return maxmemoryPolicy === 'allkeys-lru' ? 'redis-lru' : maxmemoryPolicy === 'allkeys-lfu' ? 'redis-lfu' : null;
}

/**
 * The same scenario simulated with Redis's approximated LRU or LFU (what --allow-config set); null for
 * other policies. With the measured memory model (a maxmemory was set), the simulated cache holds what
 * Redis holds: its capacity is maxmemory less the empty server's used_memory, and every key is charged
 * the bytes of Redis memory it was measured to take, not its value's size.
 */
export function predict(simulated: Scenario, maxmemoryPolicy: string | null, memory: { model: RedisMemoryModel; probe: RedisMemoryProbe } | null): RunMetrics | null {
  const policy = predictedPolicy(maxmemoryPolicy);
  if (policy === null || simulated.cache === null) return null;
  const specs = policyParameters(policy);
  const parameters = specs === undefined ? {} : resolveParameters(policy, specs, undefined);
  const cache = { ...simulated.cache, policy, parameters };
  if (memory === null) return replay({ ...simulated, cache }, true).metrics;
  const sized = { ...cache, capacity: memory.model.capacity_for_keys, capacity_unit: 'bytes' as const };
  return replay({ ...simulated, cache: sized }, true, undefined, {}, (stream) => new RedisMemoryStream(stream, memory.probe.sizes)).metrics;
}
