import { availableParallelism } from 'node:os';
import type { Scenario } from '../scenario/scenario.js';
import { startWorker } from '../threads/worker-script.js';
import { workerReply } from '../threads/worker-reply.js';
import type { AccessStream } from '../workload/access-event.js';
import { createWorkload } from '../workload/create-workload.js';
import { openSharedPrefetchedWorkload } from '../workload/prefetched-stream.js';
import { SharedStopLimit, StoppableStream } from '../workload/stoppable-stream.js';
import type { ReplayOutcome } from './replay.js';
import { longUntimedWorkload } from './replay.js';
import type { RunProgress } from './run-progress.js';
import { SweepLanes } from './sweep-lanes.js';
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

/**
 * The hit-ratio replays of runs that differ only in their cache settings (sweep-plan.ts), in one pass: the
 * workload is decoded once, in a worker, and every run's cache is fed from the same batches, the caches
 * spread over `threads` threads (this one and threads − 1 workers), each reading the shared ring of
 * batches. Each outcome is exactly what `replay(scenario, true)` gives for the run alone, whatever the
 * number of threads. `progress` follows this thread's first run. With `signal`, this thread replays in
 * steps and looks at it between them; once it has aborted, every thread stops at the same request
 * (`stoppedAt`), so the outcomes still compare the same requests.
 */
export async function replaySweep(
  scenarios: readonly Scenario[],
  threads: number,
  progress?: RunProgress,
  signal?: AbortSignal,
): Promise<{ outcomes: ReplayOutcome[]; stoppedAt: number | null }> {
  const readers = Math.max(1, Math.min(threads, scenarios.length));
  const shares = assignLanes(scenarios, readers);
  const first = scenarios[0];
  const outcomes: ReplayOutcome[] = new Array(scenarios.length);
  const place = (share: number[], results: ReplayOutcome[]) => {
    for (const [i, index] of share.entries()) outcomes[index] = results[i];
  };

  let source: AccessStream;
  let ring = null;
  if (readers === 1 && !longUntimedWorkload(first)) {
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
      const data: SweepWorkerData = { ring: ring!, reader, scenarios: shares[reader].map((index) => scenarios[index]), stopLimit: limit!.buffer };
      const worker = startWorker(import.meta.url, 'sweep-worker', data);
      workers.push(worker);
      const reply = workerReply<ReplayOutcome[]>(worker, 'a sweep');
      // Observed at once: a failure here must not surface as an unhandled rejection while this thread replays.
      reply.catch(() => {});
      pending.push(reply);
    }
    const lanes = new SweepLanes(
      stream,
      shares[0].map((index) => scenarios[index]),
      progress,
    );
    let stoppedAt: number | null = null;
    if (signal === undefined) {
      lanes.step(Number.POSITIVE_INFINITY);
    } else {
      for (;;) {
        if (stoppedAt === null && signal.aborted) {
          // At least as far as the furthest thread has claimed: all of them stop at the same request.
          stoppedAt = limit === null ? stream.taken : limit.stop(stream.taken);
          stream.stopAt(stoppedAt);
        }
        if (lanes.step(STEP_BATCHES)) break;
        if (stoppedAt === null) await new Promise((resolve) => setImmediate(resolve));
      }
    }
    // The stream ended (or was cut) there: what the replays actually covered.
    if (stoppedAt !== null) stoppedAt = stream.taken;
    place(shares[0], lanes.outcomes());
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

/** Lanes to readers, the costliest first, each to the least loaded reader (LPT): indices per reader, in run order. */
function assignLanes(scenarios: readonly Scenario[], readers: number): number[][] {
  const cost = (scenario: Scenario) => (scenario.cache === null ? 0.2 : (LANE_COST[scenario.cache.policy] ?? 1));
  const order = scenarios.map((_, index) => index).sort((a, b) => cost(scenarios[b]) - cost(scenarios[a]) || a - b);
  const load = new Array<number>(readers).fill(0);
  const shares: number[][] = Array.from({ length: readers }, () => []);
  for (const index of order) {
    let least = 0;
    for (let r = 1; r < readers; r++) if (load[r] < load[least]) least = r;
    load[least] += cost(scenarios[index]);
    shares[least].push(index);
  }
  for (const share of shares) share.sort((a, b) => a - b);
  return shares;
}
