import type { RunResult } from '../result/run-result.js';

/**
 * A run that stopped before its end — Ctrl-C or SIGTERM (exit 130), or, live, a Redis error under
 * `on_cache_error: fail` (exit 3) — with what it measured until then, marked `partial` with the reason, so
 * the partial result is still written. The message names the cause with passwords masked.
 */
export class RunStopped extends Error {
  readonly result: RunResult;

  constructor(
    message: string,
    readonly exitCode: 3 | 130,
    result: RunResult,
  ) {
    super(message);
    this.name = 'RunStopped';
    this.result = partialRun(result, message);
  }
}

/**
 * Runs that shared one pass (a sweep, sweep.ts) stopped together, at the same request: every one's partial
 * result, in their order (`result` is the first's).
 */
export class SweepStopped extends RunStopped {
  readonly results: RunResult[];

  constructor(message: string, results: RunResult[]) {
    super(message, 130, results[0]);
    this.name = 'SweepStopped';
    this.results = results.map((result) => partialRun(result, message));
  }
}

function partialRun(result: RunResult, message: string): RunResult {
  // Next to the run's name in the JSON, where a reader looks first.
  const { name, params, ...measured } = result;
  return { name, params, partial: true, partial_reason: message, ...measured };
}
