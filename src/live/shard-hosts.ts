import type { Worker } from 'node:worker_threads';
import { InputError, RunFailure } from '../errors.js';
import { startWorker } from '../threads/worker-script.js';
import type { DbSubmissionMerge } from './db-submission-merge.js';
import { LiveShard } from './live-shard.js';
import type { ShardEvents, ShardOutcome, ShardSetup } from './shard-contract.js';

/**
 * Where a shard runs, as the run sees it: in this thread (a run of one shard) or in a worker thread.
 * Both run the same LiveShard; only the way messages travel differs.
 */
export interface ShardHost {
  /** Resolves once the shard has its workload and its connections; rejects with why it cannot run. */
  readonly ready: Promise<void>;
  /** Starts the load at `originNs` (process.hrtime.bigint()); resolves with what the shard measured. */
  start(originNs: bigint): Promise<ShardOutcome>;
  /** Stop starting requests; the outcome follows once those in flight are done (or after STOP_DRAIN_MS). */
  stop(): void;
  /** Releases the shard (its connections, its thread); safe at any point, also twice. */
  close(): Promise<void>;
}

/** The one shard of a single-threaded run, in this thread. */
export class LocalShardHost implements ShardHost {
  readonly ready: Promise<void>;
  private shard: LiveShard | null = null;
  private stopped = false;

  constructor(
    private readonly setup: ShardSetup,
    events: ShardEvents,
    private readonly submissions: DbSubmissionMerge,
  ) {
    this.ready = LiveShard.open(setup, events).then((shard) => {
      this.shard = shard;
      if (this.stopped) shard.stop();
    });
  }

  start(originNs: bigint): Promise<ShardOutcome> {
    return this.shard!.run(originNs, (times, watermark) => this.submissions.add(this.setup.index, times, watermark));
  }

  stop(): void {
    this.stopped = true;
    this.shard?.stop();
  }

  async close(): Promise<void> {
    const shard = this.shard;
    this.shard = null;
    await shard?.close();
  }
}

/** Messages from a shard's worker thread (live-shard-worker.ts). */
export type ShardWorkerMessage =
  | { type: 'ready' }
  | { type: 'db-submissions'; times: Float64Array; watermark: number }
  | { type: 'cache-failure'; message: string }
  | { type: 'request-failure'; message: string }
  | { type: 'database-failure'; message: string }
  | { type: 'outcome'; outcome: ShardOutcome }
  | { type: 'failure'; name: string; message: string; exitCode?: number; stack?: string };

/** Messages to a shard's worker thread. */
export type ShardControlMessage = { type: 'start'; originNs: bigint } | { type: 'stop' };

/** A shard in a worker thread of its own (live-shard-worker.ts). */
export class WorkerShardHost implements ShardHost {
  readonly ready: Promise<void>;
  private readonly outcome: Promise<ShardOutcome>;
  private readonly worker: Worker;
  private closed = false;

  constructor(setup: ShardSetup, events: ShardEvents, submissions: DbSubmissionMerge) {
    this.worker = startWorker(import.meta.url, 'live-shard-worker', { setup });
    let readied!: () => void;
    let finished!: (outcome: ShardOutcome) => void;
    let failed!: (error: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      readied = resolve;
      failed = reject;
    });
    let failOutcome!: (error: Error) => void;
    this.outcome = new Promise<ShardOutcome>((resolve, reject) => {
      finished = resolve;
      failOutcome = reject;
    });
    // Whoever awaits them sees the failure; an unawaited one must not become an unhandled rejection.
    this.ready.catch(() => {});
    this.outcome.catch(() => {});
    const fail = (error: Error): void => {
      failed(error);
      failOutcome(error);
    };
    this.worker.on('message', (message: ShardWorkerMessage) => {
      switch (message.type) {
        case 'ready':
          readied();
          break;
        case 'db-submissions':
          submissions.add(setup.index, message.times, message.watermark);
          break;
        case 'cache-failure':
          events.cacheFailure(message.message);
          break;
        case 'request-failure':
          events.requestFailure(message.message);
          break;
        case 'database-failure':
          events.databaseFailure(message.message);
          break;
        case 'outcome':
          finished(message.outcome);
          break;
        case 'failure':
          fail(rebuiltError(message));
          break;
      }
    });
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      if (!this.closed) fail(new RunFailure(`a live run's worker thread (shard ${setup.index}) stopped with code ${code}`));
    });
  }

  start(originNs: bigint): Promise<ShardOutcome> {
    this.post({ type: 'start', originNs });
    return this.outcome;
  }

  stop(): void {
    this.post({ type: 'stop' });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }

  private post(message: ShardControlMessage): void {
    if (!this.closed) this.worker.postMessage(message);
  }
}

const BUILT_IN_ERRORS: Record<string, ErrorConstructor> = { TypeError, RangeError, ReferenceError, SyntaxError };

/** The error a worker reported, as the same class, so the CLI treats it the same (exit code, message, stack). */
function rebuiltError(failure: { name?: string; message: string; exitCode?: number; stack?: string }): Error {
  if (failure.exitCode === 2) return new InputError(failure.message);
  if (failure.exitCode === 3) return new RunFailure(failure.message);
  const error = new (BUILT_IN_ERRORS[failure.name ?? ''] ?? Error)(failure.message);
  if (failure.stack !== undefined) error.stack = failure.stack;
  return error;
}
