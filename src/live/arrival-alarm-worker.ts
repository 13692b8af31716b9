import { parentPort, workerData } from 'node:worker_threads';
import { type AlarmCells, runAlarm } from './arrival-alarm.js';

// Worker entry: the alarm thread of a live run (arrival-alarm.ts). It says it is running, then blocks in
// Atomics.wait (it has no event loop to speak of) until the run sets the stop cell.
parentPort!.postMessage('running');
runAlarm((workerData as { cells: AlarmCells }).cells);
