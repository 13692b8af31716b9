import { summedTierMetrics } from '../../src/engine/cache-tier.js';
import type { LatencySampler } from '../../src/engine/latency-model.js';
import { TimedSimulation } from '../../src/engine/timed-simulation.js';
import { RunRecorder } from '../../src/metrics/run-recorder.js';
import type { RunMetrics, TimeseriesPoint } from '../../src/result/run-result.js';
import { SCENARIO_DEFAULTS } from '../../src/scenario/defaults.js';
import type { CacheSpec, FaultSpec, InvalidationSpec, PatternName, StampedeSpec, TierSpec, TopologySpec, WriteBehindSpec } from '../../src/scenario/scenario.js';
import { Topology } from '../../src/topology/topology.js';
import { EventListStream, type ListedEvent } from './event-list-stream.js';

export const constantLatency = (value: number): LatencySampler => ({ sample: () => value, mean: value });

/** A tier in the tests' short form: entries, TTL (ms or null), constant latency (ms). */
export interface TestTier {
  capacity: number;
  ttl: number | null;
  latency: number;
  policy?: string;
}

export interface SimulationOptions {
  /** The shared tier; null: no cache at all (the baseline). Default: 100 entries, no TTL, 1 ms. */
  cache?: TestTier | null;
  /** No shared tier, only `local`. */
  noShared?: boolean;
  local?: TestTier;
  nodes?: number;
  routing?: TopologySpec['routing'];
  pattern?: PatternName;
  invalidation?: InvalidationSpec;
  pubsub?: { delay: number; loss: number };
  writeBehind?: Partial<WriteBehindSpec>;
  stampede?: Partial<StampedeSpec>;
  onCacheError?: 'fallback' | 'fail';
  faults?: FaultSpec[];
  dbRead?: number;
  dbWrite?: number;
  maxConcurrency?: number;
  timeout?: number | null;
  maxStaleness?: number | null;
  seed?: number;
}

function tierSpec(t: TestTier): TierSpec {
  return { policy: t.policy ?? 'lru', capacity: t.capacity, capacity_unit: 'entries', ttl: t.ttl, parameters: {}, latency: { type: 'constant', value: t.latency } };
}

/** The resolved cache spec the options describe (defaults as a scenario file's). */
export function testCacheSpec(o: SimulationOptions): CacheSpec | null {
  if (o.cache === null) return null;
  const shared = tierSpec(o.cache ?? { capacity: 100, ttl: null, latency: 1 });
  const pattern = o.pattern ?? 'cache-aside';
  const writes = pattern === 'write-through' || pattern === 'write-behind';
  const invalidation = o.invalidation ?? (writes ? 'update' : 'delete');
  return {
    ...shared,
    shared: o.noShared !== true,
    local: o.local === undefined ? null : tierSpec(o.local),
    pattern,
    invalidation,
    pubsub: invalidation === 'pubsub' ? { delay: { type: 'constant', value: o.pubsub?.delay ?? 1 }, loss: o.pubsub?.loss ?? 0 } : null,
    write_behind: pattern === 'write-behind' ? { ...SCENARIO_DEFAULTS.writeBehind, ...o.writeBehind } : null,
    stampede: { ...SCENARIO_DEFAULTS.stampede, ...o.stampede },
    on_cache_error: o.onCacheError ?? 'fallback',
  };
}

export interface SimulationOutcome {
  metrics: RunMetrics;
  timeseries: TimeseriesPoint[];
}

/** Runs the timed engine over a list of events with constant latencies: the hand-derived cases' harness. */
export function simulateEvents(events: ListedEvent[], o: SimulationOptions = {}): SimulationOutcome {
  const recorder = new RunRecorder(true, true, o.maxStaleness ?? null, 1000);
  const spec = testCacheSpec(o);
  const topology = spec === null ? null : new Topology(spec, o.routing ?? 'round-robin', o.nodes ?? 1, 16, o.seed ?? 1);
  const simulation = new TimedSimulation({
    stream: new EventListStream(events),
    topology,
    faults: o.faults ?? [],
    seed: o.seed ?? 1,
    dbReadLatency: constantLatency(o.dbRead ?? 10),
    dbWriteLatency: constantLatency(o.dbWrite ?? 10),
    maxConcurrency: o.maxConcurrency ?? Number.POSITIVE_INFINITY,
    timeoutMs: o.timeout ?? null,
    recorder,
  });
  simulation.run();
  const metrics = recorder.metrics(topology === null ? null : (topology.shared ?? topology.local![0]).metrics());
  if (topology?.local != null) metrics.tiers = { l1: summedTierMetrics(topology.local), l2: topology.shared?.tierMetrics() ?? null };
  const messages = simulation.invalidationMessages();
  if (messages !== null) metrics.invalidation = messages;
  const writeBehind = simulation.writeBehind();
  if (writeBehind !== null) metrics.write_behind = writeBehind;
  return { metrics, timeseries: recorder.timeseriesPoints() };
}
