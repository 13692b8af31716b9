import { parentPort, workerData } from 'node:worker_threads';
import type { Scenario } from '../scenario/scenario.js';
import { SharedStopLimit } from '../workload/stoppable-stream.js';
import { replay } from './replay.js';
import { failureReply } from '../threads/worker-reply.js';

/** Worker entry: one replay of a scenario, posted back to the thread that started it; `stopLimit` may stop it early. */
const { scenario, withCache, stopLimit } = workerData as { scenario: Scenario; withCache: boolean; stopLimit?: SharedArrayBuffer };
try {
  const stop = stopLimit === undefined ? {} : { stopLimit: new SharedStopLimit(stopLimit) };
  parentPort!.postMessage({ outcome: replay(scenario, withCache, undefined, stop) });
} catch (error) {
  parentPort!.postMessage(failureReply(error));
}
