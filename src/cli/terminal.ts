import { removeTemporaryFiles, writeErrorReason } from './output-file.js';

/**
 * Where output goes. Only the CLI entry point touches process streams; commands receive this, so tests
 * can run a whole command in-process and read what it printed.
 */
export interface Terminal {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether colour may be used on stdout / stderr (a TTY and NO_COLOR unset). */
  stdoutColor: boolean;
  stderrColor: boolean;
  /** Whether stderr is a terminal: the progress bar of a long run is drawn there only then. Absent: no. */
  stderrIsTTY?: boolean;
  /** stderr's width in columns, when it is a terminal. */
  stderrColumns?: number;
  /**
   * Calls `handler` on the next Ctrl-C (SIGINT) or SIGTERM instead of dying, until the returned function
   * is called; a second signal meanwhile ends the process at once (exit 130), removing any temporary
   * output file. Absent (tests in-process): no interrupt is ever delivered.
   */
  onInterrupt?: (handler: (signal: InterruptSignal) => void) => () => void;
}

export type InterruptSignal = 'SIGINT' | 'SIGTERM';
const INTERRUPT_SIGNALS: InterruptSignal[] = ['SIGINT', 'SIGTERM'];

export function processTerminal(): Terminal {
  // A reader that stops early (`| head`) closes the pipe: the end of the output, not an error. Any other
  // failure to write stdout (a full disk) is exit 3 with the reason, never a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    process.stderr.write(`cachebench: cannot write to stdout (${writeErrorReason(error)})\n`);
    process.exit(3);
  });
  // no-color.org: NO_COLOR counts when present and not empty; FORCE_COLOR likewise, unless "0".
  const noColor = (process.env.NO_COLOR ?? '') !== '';
  const forced = (process.env.FORCE_COLOR ?? '0') !== '0' && process.env.FORCE_COLOR !== '';
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdoutColor: !noColor && (forced || process.stdout.isTTY === true),
    stderrColor: !noColor && (forced || process.stderr.isTTY === true),
    stderrIsTTY: process.stderr.isTTY === true,
    get stderrColumns() {
      return process.stderr.columns;
    },
    onInterrupt: (handler) => {
      const again = () => {
        removeTemporaryFiles();
        process.stderr.write('cachebench: interrupted again: stopped at once, without writing the outputs (a live run may leave keys under its prefix)\n');
        process.exit(130);
      };
      const first = (signal: InterruptSignal) => {
        for (const name of INTERRUPT_SIGNALS) {
          process.removeListener(name, first);
          process.once(name, again);
        }
        handler(signal);
      };
      for (const name of INTERRUPT_SIGNALS) process.once(name, first);
      return () => {
        for (const name of INTERRUPT_SIGNALS) {
          process.removeListener(name, first);
          process.removeListener(name, again);
        }
      };
    },
  };
}
