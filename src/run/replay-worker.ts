import { parentPort, workerData } from 'node:worker_threads';
import type { Scenario } from '../scenario/scenario.js';
import { replay } from './replay.js';

/** Worker entry: one replay of a scenario, posted back to the thread that started it. */
const { scenario, withCache } = workerData as { scenario: Scenario; withCache: boolean };
try {
  parentPort!.postMessage({ outcome: replay(scenario, withCache) });
} catch (error) {
  const e = error as Error & { exitCode?: number };
  parentPort!.postMessage({ failure: { message: e.message, exitCode: e.exitCode, stack: e.stack } });
}
