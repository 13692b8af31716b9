import { parentPort, workerData } from 'node:worker_threads';
import { LiveShard } from './live-shard.js';
import type { ShardSetup } from './shard-contract.js';
import type { ShardControlMessage, ShardWorkerMessage } from './shard-hosts.js';

// Worker entry: one shard of a live run (live-shard.ts), driven by a WorkerShardHost in the main thread.
const port = parentPort!;
const { setup } = workerData as { setup: ShardSetup };

function post(message: ShardWorkerMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function postFailure(error: unknown): void {
  const e = error as Error & { exitCode?: number };
  post({ type: 'failure', name: e.name, message: e.message, exitCode: e.exitCode, stack: e.stack });
}

async function run(shard: LiveShard, originNs: bigint): Promise<void> {
  try {
    const outcome = await shard.run(originNs, (times, watermark) =>
      post({ type: 'db-submissions', times, watermark }, [times.buffer as ArrayBuffer]),
    );
    // Closed first: a real database's backends end and flush their statistics before the run reads them.
    await shard.close();
    post({ type: 'outcome', outcome });
  } catch (error) {
    postFailure(error);
  }
}

try {
  const shard = await LiveShard.open(setup, {
    cacheFailure: (message) => post({ type: 'cache-failure', message }),
    requestFailure: (message) => post({ type: 'request-failure', message }),
    databaseFailure: (message) => post({ type: 'database-failure', message }),
  });
  port.on('message', (message: ShardControlMessage) => {
    if (message.type === 'start') void run(shard, message.originNs);
    else shard.stop();
  });
  post({ type: 'ready' });
} catch (error) {
  postFailure(error);
}
