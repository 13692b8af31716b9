import type { RunRecorder } from '../metrics/run-recorder.js';
import type { InvalidationMessageMetrics, TierMetrics, WriteBehindMetrics } from '../result/run-result.js';
import type { TraceSkips } from '../workload/access-event.js';
import type { ClientCounts } from './live-application.js';
import type { ShardOutcome } from './shard-contract.js';
import type { NodesOutcome } from './live-nodes.js';

/** A live run's shards taken together. */
export interface MergedOutcomes {
  dropped: number;
  /** Element-wise sums: every shard counts on the run's clock. */
  errorsPerSecond: number[];
  cacheErrorsPerSecond: number[];
  reconnects: number;
  warmupRequests: number;
  /** Measured requests per shard, in shard order. */
  workerRequests: number[];
  client: ClientCounts;
  /** The shard that read furthest into the trace (every shard reads all of it); null for a synthetic workload. */
  traceSkips: TraceSkips | null;
  /** With local tiers: every shard's nodes taken together; null without. */
  nodes: MergedNodes | null;
  /** With write-behind: counts summed, max_pending the sum of each shard's (an upper bound); null without. */
  writeBehind: WriteBehindMetrics | null;
}

/** The nodes of every shard: L1 summed (each shard holds every node's tier for its keys), L2 lookups, pub/sub. */
export interface MergedNodes {
  l1: TierMetrics;
  l2: { lookups: number; hits: number; errors: number };
  invalidation: (InvalidationMessageMetrics & { delaysMs: number[] }) | null;
}

/**
 * Adds every shard's measurements into `recorder` (counters and histograms merge exactly; see
 * RunRecorder.add) and sums the rest. The shards' keys are disjoint, so per-key maxima and staleness
 * need nothing more than this.
 */
export function mergeShardOutcomes(outcomes: readonly ShardOutcome[], recorder: RunRecorder): MergedOutcomes {
  const merged: MergedOutcomes = {
    dropped: 0,
    errorsPerSecond: [],
    cacheErrorsPerSecond: [],
    reconnects: 0,
    warmupRequests: 0,
    workerRequests: [],
    client: { gets: 0, hits: 0, misses: 0, errors: 0 },
    traceSkips: null,
    nodes: null,
    writeBehind: null,
  };
  for (const outcome of outcomes) {
    recorder.add(outcome.measured);
    merged.dropped += outcome.dropped;
    merged.reconnects += outcome.reconnects;
    merged.warmupRequests += outcome.warmupRequests;
    merged.workerRequests.push(outcome.measured.counts.requests);
    for (const [second, errors] of outcome.errorsPerSecond.entries()) {
      merged.errorsPerSecond[second] = (merged.errorsPerSecond[second] ?? 0) + errors;
    }
    for (const [second, errors] of outcome.cacheErrorsPerSecond.entries()) {
      merged.cacheErrorsPerSecond[second] = (merged.cacheErrorsPerSecond[second] ?? 0) + errors;
    }
    for (const name of ['gets', 'hits', 'misses', 'errors'] as const) merged.client[name] += outcome.client[name];
    const wb = outcome.writeBehind;
    if (wb !== null) {
      if (merged.writeBehind === null) merged.writeBehind = { max_pending: 0, flushed_writes: 0, lost_writes: 0 };
      const into = merged.writeBehind;
      into.max_pending += wb.max_pending;
      into.flushed_writes += wb.flushed_writes;
      into.lost_writes += wb.lost_writes;
    }
    if (outcome.nodes !== null) merged.nodes = mergeNodes(merged.nodes, outcome.nodes);
    const skips = outcome.traceSkips;
    if (skips !== null && (merged.traceSkips === null || skipped(skips) > skipped(merged.traceSkips))) merged.traceSkips = skips;
  }
  return merged;
}

function mergeNodes(into: MergedNodes | null, from: NodesOutcome): MergedNodes {
  if (into === null) {
    const m = from.invalidation;
    return { l1: { ...from.l1 }, l2: { ...from.l2 }, invalidation: m === null ? null : { ...m, delaysMs: [...m.delaysMs] } };
  }
  for (const name of ['evictions', 'expirations', 'invalidations', 'entries', 'bytes', 'peak_entries', 'peak_bytes', 'lookups', 'hits', 'errors'] as const) {
    into.l1[name] += from.l1[name];
  }
  into.l1.hit_rate = into.l1.lookups > 0 ? into.l1.hits / into.l1.lookups : null;
  for (const name of ['lookups', 'hits', 'errors'] as const) into.l2[name] += from.l2[name];
  const m = from.invalidation;
  if (m !== null && into.invalidation !== null) {
    into.invalidation.sent += m.sent;
    into.invalidation.received += m.received;
    into.invalidation.lost += m.lost;
    for (const delay of m.delaysMs) into.invalidation.delaysMs.push(delay);
  }
  return into;
}

function skipped(skips: TraceSkips): number {
  let total = skips.skippedLines;
  for (const count of skips.skippedCommands.values()) total += count;
  return total;
}
