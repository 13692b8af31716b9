import type { Terminal } from '../../src/cli/terminal.js';

/** A terminal that keeps what it is given; `stderrIsTTY` says whether stderr plays a terminal (progress bar). */
export function captureTerminal(options: { stderrIsTTY?: boolean } = {}): Terminal & { out: string; err: string } {
  const terminal = {
    out: '',
    err: '',
    stdout: (text: string) => {
      terminal.out += text;
    },
    stderr: (text: string) => {
      terminal.err += text;
    },
    stdoutColor: false,
    stderrColor: false,
    ...(options.stderrIsTTY === undefined ? {} : { stderrIsTTY: options.stderrIsTTY, stderrColumns: 120 }),
  };
  return terminal;
}
