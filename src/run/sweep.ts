import { availableParallelism } from 'node:os';
import { startWorker } from '../threads/worker-script.js';
import { workerReply } from '../threads/worker-reply.js';
import type { AccessStream } from '../workload/access-event.js';
import { createWorkload } from '../workload/create-workload.js';
import { openSharedPrefetchedWorkload } from '../workload/prefetched-stream.js';
import { SharedStopLimit, StoppableStream } from '../workload/stoppable-stream.js';
import type { ReplayOutcome } from './replay.js';
import { isTimed, longUntimedWorkload } from './replay.js';
import type { RunProgress } from './run-progress.js';
import { openLanes, type SweepLane } from './sweep-lanes.js';
import { worthAWorker } from './replay-in-worker.js';
import type { SweepWorkerData } from './sweep-worker.js';

/**
 * Relative cost of a lane per policy, measured on the 10M-request Zipf benchmark (LRU = 1), to spread the
 * lanes evenly over the threads. Only the balance depends on it, never a result.
 */
const LANE_COST: Readonly<Record<string, number>> = {
  fifo: 0.8,
  clock: 0.9,
  sieve: 0.9,
  s3fifo: 1.7,
  arc: 1.8,
  twoq: 1.5,
  lirs: 2.5,
  wtinylfu: 2.2,
  lfu: 1.6,
};

/** More threads than this is a mistake (each holds its share of the caches and a worker's memory). */
export const MAX_SWEEP_THREADS = 64;

/**
 * Threads that replay lanes when none are asked for: one per core. Decoding (the prefetching worker) costs
 * little beside the lanes: on 2 cores the 12-run bench sweep took 5.8 s with 2 lane threads and 11.2 s with 1.
 */
export function defaultSweepThreads(): number {
  return availableParallelism();
}

/** Batches this thread replays between two looks at the signal: a few milliseconds of work per lane. */
const STEP_BATCHES = 4;
/** A timed lane costs several times a hit-ratio lane per batch. */
const TIMED_STEP_BATCHES = 1;

/**
 * The replays (`lanes`) of runs that differ only in their cache settings (sweep-plan.ts), in one pass: the
 * workload is decoded once, in a worker, and every lane — a run's cache, hit-ratio or timed, or a timed
 * pass's one no-cache baseline — is fed from the same batches, the lanes spread over `threads` threads
 * (this one and threads − 1 workers), each reading the shared ring of batches. Each outcome is exactly
 * what `replay(scenario, withCache)` gives for the lane alone, whatever the number of threads. `progress`
 * follows this thread's first run. With `signal`, this thread replays in
 * steps and looks at it between them; once it has aborted, every thread stops at the same request
 * (`stoppedAt`), so the outcomes still compare the same requests.
 */
export async function replaySweep(
  lanes: readonly SweepLane[],
  threads: number,
  progress?: RunProgress,
  signal?: AbortSignal,
): Promise<{ outcomes: ReplayOutcome[]; stoppedAt: number | null }> {
  const readers = Math.max(1, Math.min(threads, lanes.length));
  const shares = assignLanes(lanes, readers);
  const first = lanes[0].scenario;
  const timed = isTimed(first);
  const outcomes: ReplayOutcome[] = new Array(lanes.length);
  const place = (share: number[], results: ReplayOutcome[]) => {
    for (const [i, index] of share.entries()) outcomes[index] = results[i];
  };

  let source: AccessStream;
  let ring = null;
  // One thread decodes as it replays, unless the workload is long enough to be worth a decoding worker.
  if (readers === 1 && !(timed ? worthAWorker(first) : longUntimedWorkload(first))) {
    source = createWorkload(first.workload, first.seed);
  } else {
    ({ stream: source, ring } = openSharedPrefetchedWorkload(first.workload, first.seed, readers));
  }
  const stream = new StoppableStream(source);
  const limit = readers > 1 ? SharedStopLimit.create(readers - 1) : null;
  const workers = [];
  try {
    const pending: Promise<ReplayOutcome[]>[] = [];
    for (let reader = 1; reader < readers; reader++) {
      const data: SweepWorkerData = { ring: ring!, reader, lanes: shares[reader].map((index) => lanes[index]), stopLimit: limit!.buffer };
      const worker = startWorker(import.meta.url, 'sweep-worker', data);
      workers.push(worker);
      const reply = workerReply<ReplayOutcome[]>(worker, 'a sweep');
      // Observed at once: a failure here must not surface as an unhandled rejection while this thread replays.
      reply.catch(() => {});
      pending.push(reply);
    }
    const here = openLanes(
      stream,
      shares[0].map((index) => lanes[index]),
      progress,
    );
    const stepBatches = timed ? TIMED_STEP_BATCHES : STEP_BATCHES;
    let stoppedAt: number | null = null;
    if (signal === undefined) {
      here.step(Number.POSITIVE_INFINITY);
    } else {
      for (;;) {
        if (stoppedAt === null && signal.aborted) {
          // At least as far as the furthest thread has claimed: all of them stop at the same request.
          stoppedAt = limit === null ? stream.taken : limit.stop(stream.taken);
          stream.stopAt(stoppedAt);
        }
        if (here.step(stepBatches)) break;
        if (stoppedAt === null) await new Promise((resolve) => setImmediate(resolve));
      }
    }
    // The stream ended (or was cut) there: what the replays actually covered.
    if (stoppedAt !== null) stoppedAt = stream.taken;
    place(shares[0], here.outcomes());
    const replies = await Promise.all(pending);
    for (const [r, results] of replies.entries()) place(shares[r + 1], results);
    const skips = first.workload.kind === 'trace' ? source.traceStats?.() : undefined;
    if (skips !== undefined) {
      for (const outcome of outcomes) {
        outcome.metrics.trace = { skipped_lines: skips.skippedLines, skipped_commands: Object.fromEntries(skips.skippedCommands) };
      }
    }
    return { outcomes, stoppedAt };
  } finally {
    for (const worker of workers) void worker.terminate();
    stream.close();
  }
}

/** Lanes to readers, the costliest first, each to the least loaded reader (LPT): indices per reader, in lane order. */
function assignLanes(lanes: readonly SweepLane[], readers: number): number[][] {
  const costs = lanes.map(laneCost);
  const order = lanes.map((_, index) => index).sort((a, b) => costs[b] - costs[a] || a - b);
  const load = new Array<number>(readers).fill(0);
  const shares: number[][] = Array.from({ length: readers }, () => []);
  for (const index of order) {
    let least = 0;
    for (let r = 1; r < readers; r++) if (load[r] < load[least]) least = r;
    load[least] += costs[index];
    shares[least].push(index);
  }
  for (const share of shares) share.sort((a, b) => a - b);
  return shares;
}

/**
 * A lane's relative cost per request (only the balance depends on it). A timed lane's cost is the
 * simulation's, which its hit rate sways more than its policy (1M timed Zipf requests: LRU and S3-FIFO at
 * 1k entries and the no-cache baseline within 10% of each other, at 300k entries ~0.6 of that): all alike.
 */
function laneCost({ scenario, withCache }: SweepLane): number {
  if (isTimed(scenario)) return 1;
  return scenario.cache === null || !withCache ? 0.2 : (LANE_COST[scenario.cache.policy] ?? 1);
}
