import type { RunRecorder } from '../metrics/run-recorder.js';
import type { TraceSkips } from '../workload/access-event.js';
import type { ClientCounts } from './live-cache-aside.js';
import type { ShardOutcome } from './live-shard.js';

/** A live run's shards taken together. */
export interface MergedOutcomes {
  dropped: number;
  /** Element-wise sums: every shard counts on the run's clock. */
  errorsPerSecond: number[];
  reconnects: number;
  warmupRequests: number;
  /** Measured requests per shard, in shard order. */
  workerRequests: number[];
  client: ClientCounts;
  /** The shard that read furthest into the trace (every shard reads all of it); null for a synthetic workload. */
  traceSkips: TraceSkips | null;
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
    reconnects: 0,
    warmupRequests: 0,
    workerRequests: [],
    client: { gets: 0, hits: 0, misses: 0, errors: 0 },
    traceSkips: null,
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
    for (const name of ['gets', 'hits', 'misses', 'errors'] as const) merged.client[name] += outcome.client[name];
    const skips = outcome.traceSkips;
    if (skips !== null && (merged.traceSkips === null || skipped(skips) > skipped(merged.traceSkips))) merged.traceSkips = skips;
  }
  return merged;
}

function skipped(skips: TraceSkips): number {
  let total = skips.skippedLines;
  for (const count of skips.skippedCommands.values()) total += count;
  return total;
}
