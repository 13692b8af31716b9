import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { InputError } from '../errors.js';

/**
 * A report file named by a flag (`--junit`, `--markdown`): opened before the work starts, so a bad path
 * fails at once (exit 2) rather than after a long run, and rewritten whole each time there is more to say.
 */
export class ReportFile {
  /** Not a regular file (a pipe, /dev/null, /dev/stdout): cannot be rewritten in place, so it gets the last text once, at close. */
  private readonly stream: boolean;
  private pending: string | null = null;

  private constructor(
    private readonly fd: number,
    readonly path: string,
  ) {
    this.stream = !fstatSync(fd).isFile();
  }

  static open(flag: string, path: string): ReportFile {
    if (path === '-') throw new InputError(`${flag} -: give a file name (stdout carries the summary, or the JSON with --json -)`);
    try {
      return new ReportFile(openSync(path, 'w'), path);
    } catch (error) {
      throw new InputError(`${flag} ${path}: cannot write there (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }

  rewrite(text: string): void {
    if (this.stream) {
      this.pending = text;
      return;
    }
    ftruncateSync(this.fd, 0);
    writeSync(this.fd, text, 0);
  }

  close(): void {
    if (this.pending !== null) writeSync(this.fd, this.pending);
    closeSync(this.fd);
  }
}
