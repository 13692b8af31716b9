import { SingleBar } from 'cli-progress';
import { formatCount, formatDuration, formatPercent, formatRate } from '../report/number-format.js';
import type { ProgressUpdate, RunProgress } from '../run/run-progress.js';
import type { Scenario } from '../scenario/scenario.js';
import type { Terminal } from './terminal.js';

/** A run that ends sooner shows no bar at all (no flicker before a sub-second summary). */
export const SHOW_AFTER_MS = 500;

/** How much work a run is expected to do, to turn a progress report into a fraction (null: unknown). */
export interface ExpectedWork {
  /** Requests the run will take (a shard's share of the workload's `requests`, estimated). */
  requests: number | null;
  /** The run's clock at its end, ms (the workload's `duration`). */
  durationMs: number | null;
}

/** Whichever limit the workload sets; a shard expects its share of the requests (keys are hashed evenly). */
export function expectedWork(scenario: Scenario): ExpectedWork {
  const w = scenario.workload;
  const share = w.shard === undefined ? 1 : w.shard.count;
  const closedLoop = scenario.mode === 'live' && scenario.live?.clients !== null && scenario.live?.clients !== undefined;
  return {
    requests: w.requests === null || closedLoop ? null : w.requests / share,
    durationMs: w.duration,
  };
}

/**
 * The progress bar of one run, on stderr, for a person watching a terminal: how far (a bar and percent when
 * the workload's size is known), requests so far, their rate, the time left and the hit rate so far. The
 * CLI creates one only when stderr is a TTY; it draws nothing until the run has gone on for SHOW_AFTER_MS,
 * and `finish()` clears its line, so the summary that follows is all that stays on screen.
 */
export class RunProgressBar implements RunProgress {
  private readonly startedAt: number;
  private bar: SingleBar | null = null;
  private finished = false;

  constructor(
    private readonly terminal: Terminal,
    private readonly label: string,
    private readonly expected: ExpectedWork,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.startedAt = clock();
  }

  now(): number {
    return this.clock();
  }

  report(update: ProgressUpdate): void {
    if (this.finished) return;
    const elapsedMs = this.clock() - this.startedAt;
    if (this.bar === null && elapsedMs < SHOW_AFTER_MS) return;
    const fraction = this.fraction(update);
    const payload = {
      label: this.label,
      requests: formatCount(update.requests),
      rate: formatRate(elapsedMs > 0 ? (update.requests / elapsedMs) * 1000 : null),
      hitRate: formatPercent(update.hitRate),
      timeLeft: fraction === null || fraction <= 0 ? '–' : formatDuration((elapsedMs * (1 - fraction)) / fraction),
    };
    const value = fraction === null ? 0 : Math.round(fraction * 1000);
    if (this.bar === null) {
      this.bar = this.createBar(fraction !== null);
      this.bar.start(1000, value, payload);
    } else {
      this.bar.update(value, payload);
    }
  }

  /** Clears the bar's line (if it was ever drawn). Safe to call twice. */
  finish(): void {
    this.finished = true;
    this.bar?.stop();
    this.bar = null;
  }

  private fraction(update: ProgressUpdate): number | null {
    const { requests, durationMs } = this.expected;
    const byRequests = requests !== null && requests > 0 ? update.requests / requests : null;
    const byClock = durationMs !== null && durationMs > 0 ? update.clockMs / durationMs : null;
    if (byRequests === null && byClock === null) return null;
    return Math.min(1, Math.max(byRequests ?? 0, byClock ?? 0));
  }

  private createBar(known: boolean): SingleBar {
    const terminal = this.terminal;
    // cli-progress draws through a stream; this one writes where every other line of the CLI goes.
    const stream = {
      isTTY: true,
      get columns() {
        return terminal.stderrColumns ?? 80;
      },
      write: (text: string) => {
        terminal.stderr(text);
        return true;
      },
    };
    return new SingleBar({
      stream: stream as unknown as NodeJS.WritableStream,
      format: known
        ? '{label} {bar} {percentage}% · {requests} requests · {rate} · hit rate {hitRate} · ETA {timeLeft}'
        : '{label} · {requests} requests · {rate} · hit rate {hitRate}',
      barsize: 24,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      fps: 10,
      clearOnComplete: true,
      // A simulation killed by Ctrl-C never reaches stop(): leave the cursor and line wrapping alone.
      hideCursor: null,
      linewrap: true,
      gracefulExit: false,
    });
  }
}
