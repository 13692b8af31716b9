import { parentPort, workerData } from 'node:worker_threads';
import { probeInThisThread } from './throughput-probe.js';

// One event loop's share of a multi-threaded throughput probe (throughput-probe.ts).
parentPort?.postMessage(await probeInThisThread(workerData));
