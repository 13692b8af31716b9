/**
 * How a run reports its progress while it goes on, for a display that is not part of it (the CLI's
 * progress bar). Reports come at most every ~150 ms of `now()`, and once at the end of a replay.
 */
export interface RunProgress {
  /** Wall-clock milliseconds, any origin: only differences are used, to throttle reports. */
  now(): number;
  report(update: ProgressUpdate): void;
}

export interface ProgressUpdate {
  /** Requests taken from the workload so far (the engine may still be completing some of them). */
  requests: number;
  /** The run's clock at the last of them, ms: the intended start of the last request (live: time since the start). */
  clockMs: number;
  /** Hits ÷ reads recorded so far; null before the first read. */
  hitRate: number | null;
}
