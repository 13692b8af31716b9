import type { Scenario } from '../scenario/scenario.js';
import type { ReplayOutcome } from './replay.js';
import { workerReply } from '../threads/worker-reply.js';
import { startWorker } from '../threads/worker-script.js';
import type { SharedStopLimit } from '../workload/stoppable-stream.js';

/** Below this many requests a worker's start-up (~50 ms) costs more than the second core saves. */
const WORKER_MIN_REQUESTS = 200_000;

/** Whether a replay of this scenario is large enough to be worth a worker thread. */
export function worthAWorker(scenario: Scenario): boolean {
  const w = scenario.workload;
  if (w.kind === 'trace') return w.requests === null || w.requests >= WORKER_MIN_REQUESTS;
  const byRequests = w.requests ?? Number.POSITIVE_INFINITY;
  const rate = w.arrival.type === 'poisson' || w.arrival.type === 'constant' ? w.arrival.rate : Number.POSITIVE_INFINITY;
  const byDuration = w.duration === null ? Number.POSITIVE_INFINITY : (w.duration / 1000) * rate;
  return Math.min(byRequests, byDuration) >= WORKER_MIN_REQUESTS;
}

/**
 * The same replay as `replay(scenario, withCache)`, on another thread (stopped through `stopLimit`, if given). Results are identical (same code,
 * same seeds); user errors come back as the same error classes, with the same messages.
 */
export function replayInWorker(scenario: Scenario, withCache: boolean, stopLimit?: SharedStopLimit): Promise<ReplayOutcome> {
  const worker = startWorker(import.meta.url, 'replay-worker', { scenario, withCache, stopLimit: stopLimit?.buffer });
  return workerReply<ReplayOutcome>(worker, 'the baseline replay');
}
