import { formatCount, formatDuration } from '../report/number-format.js';
import type { ProgressUpdate, RunProgress } from '../run/run-progress.js';
import { type ExpectedWork, progressFraction } from './progress-bar.js';
import type { Terminal } from './terminal.js';

/** The pace is judged after this much of the run: long enough for a steady rate, short enough to matter. */
export const NOTICE_AFTER_MS = 3_000;
/** A run expected to take longer than this gets one line on stderr. */
export const LONG_RUN_MS = 60_000;

/** Shared by the runs of one command, so a matrix says it once. */
export interface LongRunNotices {
  given: boolean;
}

/**
 * Without a progress bar (stderr is not a terminal: a pipe, a CI log), a run that will take minutes would
 * otherwise run without a word. After NOTICE_AFTER_MS this projects the whole run from its pace so far and,
 * when that is over LONG_RUN_MS, says once on stderr how long it will take and what it is doing.
 */
export class LongRunNotice implements RunProgress {
  private readonly startedAt: number;

  constructor(
    private readonly terminal: Terminal,
    private readonly label: string,
    private readonly expected: ExpectedWork,
    /** Runs of the command still to go after this one. */
    private readonly runsAfter: number,
    private readonly notices: LongRunNotices,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.startedAt = clock();
  }

  now(): number {
    return this.clock();
  }

  report(update: ProgressUpdate): void {
    if (this.notices.given) return;
    const elapsedMs = this.clock() - this.startedAt;
    if (elapsedMs < NOTICE_AFTER_MS) return;
    const fraction = progressFraction(this.expected, update);
    if (fraction === null || fraction <= 0 || fraction >= 1) return;
    const totalMs = elapsedMs / fraction;
    if (totalMs <= LONG_RUN_MS) return;
    this.notices.given = true;
    const rate = formatCount(Math.round((update.requests / elapsedMs) * 1000));
    const after = this.runsAfter === 0 ? '' : `, and ${this.runsAfter} more run${this.runsAfter === 1 ? '' : 's'} follow`;
    const name = this.label === '' ? 'this run' : this.label;
    this.terminal.stderr(
      `cachebench: ${name} will take about ${formatDuration(totalMs)} at its pace so far (${rate} requests/s, ${formatDuration(totalMs - elapsedMs)} to go)${after}; Ctrl-C stops it\n`,
    );
  }

  finish(): void {}
}
