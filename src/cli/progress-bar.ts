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
  // A live baseline against a real database runs the workload a second time, after the cached run.
  const passes = scenario.database.postgres !== undefined && scenario.database.baseline === 'live' ? 2 : 1;
  return {
    requests: w.requests === null || closedLoop ? null : (passes * w.requests) / share,
    durationMs: w.duration === null ? null : passes * w.duration,
  };
}

/** How far a run has got, 0 to 1, by whichever limit comes first; null when neither is known. */
export function progressFraction(expected: ExpectedWork, update: ProgressUpdate): number | null {
  const { requests, durationMs } = expected;
  const byRequests = requests !== null && requests > 0 ? update.requests / requests : null;
  const byClock = durationMs !== null && durationMs > 0 ? update.clockMs / durationMs : null;
  if (byRequests === null && byClock === null) return null;
  return Math.min(1, Math.max(byRequests ?? 0, byClock ?? 0));
}

/** What one line of the bar shows, formatted. */
export interface ProgressFields {
  label: string;
  /** 0 to 1; null: the workload's length is unknown (no bar, no ETA). */
  fraction: number | null;
  timeLeft: string;
  requests: string;
  rate: string;
  hitRate: string;
}

const BAR_WIDEST = 24;
const BAR_NARROWEST = 8;

/**
 * The bar's line, fitted to `width` columns: the ETA first, then the bar and its percentage, requests,
 * rate and hit rate. When the line is too long the bar narrows, then the least useful parts go (hit rate,
 * rate, requests, the label, the bar), so the time left always shows.
 */
export function progressLine(fields: ProgressFields, width: number): string {
  const known = fields.fraction !== null;
  const bar = (size: number) => {
    const done = Math.round((fields.fraction ?? 0) * size);
    return `${'█'.repeat(done)}${'░'.repeat(size - done)} ${Math.round((fields.fraction ?? 0) * 100)}%`;
  };
  const tail = [`${fields.requests} requests`, fields.rate, `hit rate ${fields.hitRate}`];
  const compose = (label: boolean, barSize: number, tailParts: number) => {
    const head = known ? [`ETA ${fields.timeLeft}`, ...(barSize > 0 ? [bar(barSize)] : [])] : [];
    const parts = [...head, ...tail.slice(0, tailParts)];
    const body = parts.join(' · ');
    return label ? (body === '' ? fields.label : `${fields.label} · ${body}`) : body;
  };
  const fits = (line: string) => [...line].length <= width;
  // From the richest line to the barest: narrower bar first, then parts dropped from the end.
  for (let size = BAR_WIDEST; size >= BAR_NARROWEST; size -= 4) {
    const line = compose(true, known ? size : 0, tail.length);
    if (fits(line)) return line;
  }
  const barSize = known ? BAR_NARROWEST : 0;
  for (let parts = tail.length - 1; parts >= 0; parts--) {
    const line = compose(true, barSize, parts);
    if (fits(line)) return line;
  }
  for (const line of [compose(false, barSize, 0), compose(false, 0, 0)]) if (fits(line)) return line;
  return [...compose(false, 0, known ? 0 : 1)].slice(0, Math.max(0, width)).join('');
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
    const payload: ProgressFields = {
      label: this.label,
      fraction,
      requests: formatCount(update.requests),
      rate: formatRate(elapsedMs > 0 ? (update.requests / elapsedMs) * 1000 : null),
      hitRate: formatPercent(update.hitRate),
      timeLeft: fraction === null || fraction <= 0 ? '–' : formatDuration((elapsedMs * (1 - fraction)) / fraction),
    };
    const value = fraction === null ? 0 : Math.round(fraction * 1000);
    if (this.bar === null) {
      this.bar = this.createBar();
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
    return progressFraction(this.expected, update);
  }

  private createBar(): SingleBar {
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
      // One column less than the terminal: a line that fills the last column wraps on some terminals.
      format: (_options, params, payload) => progressLine(payload as ProgressFields, Math.max(1, params.maxWidth - 1)),
      fps: 10,
      clearOnComplete: true,
      // A simulation killed by Ctrl-C never reaches stop(): leave the cursor and line wrapping alone.
      hideCursor: null,
      linewrap: true,
      gracefulExit: false,
    });
  }
}
