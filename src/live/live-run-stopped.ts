import type { RunResult } from '../result/run-result.js';
import { RunStopped } from '../run/run-stopped.js';

/**
 * A live run that stopped before its end — Ctrl-C (exit 130) or a Redis error under
 * `on_cache_error: fail` (exit 3) — with what it measured until then, so the partial result is still
 * written. The message names the cause with passwords masked.
 */
export class LiveRunStopped extends RunStopped {
  constructor(message: string, exitCode: 3 | 130, result: RunResult) {
    super(message, exitCode, result);
    this.name = 'LiveRunStopped';
  }
}
