import type { Worker } from 'node:worker_threads';
import { InputError, RunFailure } from '../errors.js';

/** What a worker posts once, at its end: its result, or the error it stopped on. */
export type WorkerReply<T> = { outcome: T } | { failure: { message: string; exitCode?: number; stack?: string } };

/** The reply a worker posts for an error it caught: user errors keep their exit code, bugs their stack. */
export function failureReply(error: unknown): WorkerReply<never> {
  const e = error as Error & { exitCode?: number };
  return { failure: { message: e.message, exitCode: e.exitCode, stack: e.stack } };
}

/**
 * Resolves with the outcome `worker` posts, or rejects with its failure as the same error class and message
 * (InputError, RunFailure: exit 2 and 3), or with a RunFailure naming `what` when the thread stops
 * without a reply. Terminates the worker once it has replied.
 */
export function workerReply<T>(worker: Worker, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.once('message', (message: WorkerReply<T>) => {
      void worker.terminate();
      if ('outcome' in message) {
        resolve(message.outcome);
        return;
      }
      const failure = message.failure;
      if (failure.exitCode === 2) {
        reject(new InputError(failure.message));
      } else if (failure.exitCode === 3) {
        reject(new RunFailure(failure.message));
      } else {
        const error = new Error(failure.message);
        error.stack = failure.stack;
        reject(error);
      }
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new RunFailure(`${what}'s worker thread stopped with code ${code}`));
    });
  });
}
