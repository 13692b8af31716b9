import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  openSync,
  realpathSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError, RunFailure } from '../errors.js';

/** A file a command reads: no output may be the same file (it would destroy what it reads). */
export interface ReadFile {
  /** What the file is to the command, e.g. "the scenario", "the trace (workload.trace)". */
  role: string;
  path: string;
}

/** An output a command was asked for: the flag and the path it names (undefined: the flag was not given). */
export interface NamedOutput {
  flag: string;
  path: string | undefined;
}

/**
 * Two outputs naming one file — by any spelling (`out.json`, `./out.json`, a symlinked folder), a symlink
 * or a hard link — are refused before any work (exit 2, naming both flags): the second write would replace
 * the first. Devices and pipes (`/dev/null`, `/dev/stdout`) are written where they are, never replaced, so
 * outputs may share one; `-` (stdout) is not a file.
 */
export function checkDistinctOutputs(outputs: readonly NamedOutput[]): void {
  const seen = new Map<string, NamedOutput>();
  for (const output of outputs) {
    if (output.path === undefined || output.path === '-') continue;
    const identity = fileIdentity(output.path);
    if (identity === null) continue;
    const earlier = seen.get(identity);
    if (earlier !== undefined) {
      throw new InputError(
        `${earlier.flag} ${earlier.path} and ${output.flag} ${output.path} name the same file: each output needs a file of its own (the second would overwrite the first); choose another name for one of them`,
      );
    }
    seen.set(identity, output);
  }
}

/**
 * What makes two paths one file: an existing regular file's device and inode; for a file still to be
 * created, its folder with symlinks resolved and its name. null for what is never replaced (a device, a
 * pipe, a folder — which OutputFile.open refuses on its own).
 */
function fileIdentity(path: string): string | null {
  const stats = statOrNull(path);
  if (stats !== null) return stats.isFile() && !isProcessStream(path) ? `file ${stats.dev}:${stats.ino}` : null;
  const absolute = resolve(path);
  let folder = dirname(absolute);
  try {
    folder = realpathSync(folder);
  } catch {
    // No such folder: OutputFile.open says so; the spelling alone still tells two new files apart.
  }
  return `new ${join(folder, basename(absolute))}`;
}

/**
 * How the text reaches the target:
 * - `atomic`: a regular file in a folder we may write: a temporary file next to it, renamed over it;
 * - `in-place`: a regular file we may write in a folder we may not: rewritten in place at the end;
 * - `direct`: not a regular file (/dev/null, a pipe, /dev/stdout): opened and written at the end.
 */
type Delivery = 'atomic' | 'in-place' | 'direct';

/**
 * Test-only hook: when this variable names a file, every atomic write, once its temporary file is
 * written, puts the temporary file's path there and waits (up to a minute) before the rename, so a test
 * can kill the process at that point and find the old file intact. Not for users.
 */
export const HOLD_BEFORE_RENAME_ENV = 'CACHEBENCH_TEST_HOLD_BEFORE_RENAME';

/** Temporary files not yet renamed or removed: removed by `removeTemporaryFiles` when the process must end at once. */
const temporaryFiles = new Set<string>();

/**
 * An output file named by a flag (`--json`, `--html`, `--junit`, `--markdown`, `--out`). Checked when
 * opened, before any work (exit 2 naming the flag and path: no such folder, not writable, a folder, the
 * same file as an input) without creating or truncating anything. Written only when there is something
 * to write, atomically: a failed or interrupted run never leaves an empty or half-written file, and the
 * previous contents stay until the new ones are complete. A write that fails (a full disk) is exit 3
 * naming the path and the reason.
 */
export class OutputFile {
  /** Text for a `direct` target, written at close (a pipe or device cannot be rewritten). */
  private pending: string | null = null;

  private constructor(
    readonly flag: string,
    readonly path: string,
    /** Where the text goes: the path with symlinks resolved (a link stays a link). */
    private readonly target: string,
    private readonly delivery: Delivery,
  ) {}

  /** Checks `path` for `flag` (exit 2 with the reason); `inputs` are the files the command reads. */
  static open(flag: string, path: string, inputs: ReadFile[] = []): OutputFile {
    if (path === '-') throw new InputError(`${flag} -: give a file name (stdout carries the summary, or the JSON with --json -)`);
    const cannot = (code: string) => new InputError(`${flag} ${path}: cannot write there (${code})`);
    const stats = statOrNull(path);
    if (stats === null) {
      // A new file: its folder must exist and take new files.
      const folder = dirname(resolve(path));
      try {
        accessSync(folder, constants.W_OK | constants.X_OK);
      } catch (error) {
        throw cannot(errorCode(error));
      }
      return new OutputFile(flag, path, resolve(path), 'atomic');
    }
    if (stats.isDirectory()) throw cannot('EISDIR');
    for (const input of inputs) {
      const read = statOrNull(input.path);
      if (read !== null && read.dev === stats.dev && read.ino === stats.ino) {
        throw new InputError(
          `${flag} ${path} is the same file as ${input.role} ${input.path}: writing it would destroy that input; choose another file`,
        );
      }
    }
    try {
      accessSync(path, constants.W_OK);
    } catch (error) {
      throw cannot(errorCode(error));
    }
    if (!stats.isFile() || isProcessStream(path)) return new OutputFile(flag, path, path, 'direct');
    const target = realpathSync(path);
    try {
      accessSync(dirname(target), constants.W_OK | constants.X_OK);
      return new OutputFile(flag, path, target, 'atomic');
    } catch {
      // The file may be written but its folder takes no new file: no temporary file is possible.
      return new OutputFile(flag, path, target, 'in-place');
    }
  }

  /** Replaces the file's contents with `text` (a `direct` target gets the last text once, at close). */
  write(text: string): void {
    if (this.delivery === 'direct') {
      this.pending = text;
      return;
    }
    this.writeWhole(text);
  }

  /** Writes what a `direct` target was given. Call it once the work has ended. */
  close(): void {
    if (this.pending === null) return;
    const text = this.pending;
    this.pending = null;
    this.writeWhole(text);
  }

  private writeWhole(text: string): void {
    const stream = this.begin();
    try {
      stream.append(text);
    } catch (error) {
      stream.discard();
      throw error;
    }
    stream.commit();
  }

  /**
   * The file written piece by piece (a recording): appended to a temporary file that replaces the target
   * at `commit`, or directly to a `direct` target. `discard` drops what was written and keeps the old file.
   */
  begin(): OutputStream {
    if (this.delivery === 'atomic') return new TemporaryFileStream(this);
    return new DirectStream(this, this.delivery === 'direct' ? 'a' : 'w');
  }

  /** @internal the failure of a write, for the streams. */
  writeFailure(error: unknown): RunFailure {
    return new RunFailure(`${this.flag} ${this.path}: write failed (${writeErrorReason(error)})`);
  }

  /** @internal */
  get targetPath(): string {
    return this.target;
  }
}

/** Text written to an output in pieces; see OutputFile.begin. */
export interface OutputStream {
  append(text: string): void;
  /** Makes what was appended the file's contents. */
  commit(): void;
  /** Drops what was appended; the target keeps its previous contents (a `direct` target keeps what it got). */
  discard(): void;
}

class TemporaryFileStream implements OutputStream {
  private readonly temporary: string;
  private fd: number;

  constructor(private readonly file: OutputFile) {
    const target = file.targetPath;
    this.temporary = join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    try {
      this.fd = openSync(this.temporary, 'wx', 0o666);
    } catch (error) {
      throw file.writeFailure(error);
    }
    temporaryFiles.add(this.temporary);
    // The replacement keeps the permissions of the file it replaces.
    const previous = statOrNull(target);
    if (previous !== null) {
      try {
        fchmodSync(this.fd, previous.mode & 0o7777);
      } catch {
        // Not the owner: the new file gets the default permissions.
      }
    }
  }

  append(text: string): void {
    try {
      writeAll(this.fd, text);
    } catch (error) {
      throw this.file.writeFailure(error);
    }
  }

  commit(): void {
    try {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = -1;
      holdBeforeRename(this.temporary);
      renameSync(this.temporary, this.file.targetPath);
      temporaryFiles.delete(this.temporary);
    } catch (error) {
      this.discard();
      throw this.file.writeFailure(error);
    }
  }

  discard(): void {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // Already failing: the removal below is what matters.
      }
      this.fd = -1;
    }
    removeTemporaryFile(this.temporary);
  }
}

/** A target written where it is: a device, a pipe, or a file in a folder that takes no temporary file. */
class DirectStream implements OutputStream {
  private fd = -1;

  constructor(
    private readonly file: OutputFile,
    private readonly mode: 'a' | 'w',
  ) {}

  append(text: string): void {
    try {
      if (this.fd < 0) this.fd = processStreamFd(this.file.targetPath) ?? openSync(this.file.targetPath, this.mode);
      writeAll(this.fd, text);
    } catch (error) {
      throw this.file.writeFailure(error);
    }
  }

  commit(): void {
    if (this.fd < 0) {
      // Nothing appended: the file is still created (or emptied) as the command said.
      this.append('');
    }
    try {
      if (this.fd > 2) closeSync(this.fd);
    } catch (error) {
      throw this.file.writeFailure(error);
    } finally {
      this.fd = -1;
    }
  }

  discard(): void {
    if (this.fd < 0) return;
    try {
      if (this.fd > 2) closeSync(this.fd);
    } catch {
      // Nothing more to lose.
    }
    this.fd = -1;
  }
}

/** Removes every temporary file still open: the process is ending at once (a second Ctrl-C). */
export function removeTemporaryFiles(): void {
  for (const path of [...temporaryFiles]) removeTemporaryFile(path);
}

function removeTemporaryFile(path: string): void {
  temporaryFiles.delete(path);
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/** writeSync until every byte is out (a pipe may take part of a large write). */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      // A non-blocking pipe that is full: wait a moment and go on.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

/** Devices and the process's own streams (/dev/stdout, /proc/self/fd/1) are written where they are, never replaced. */
function isProcessStream(path: string): boolean {
  const absolute = resolve(path);
  return absolute.startsWith('/dev/') || absolute.startsWith('/proc/');
}

/**
 * The descriptor behind /dev/stdout, /dev/stderr, /dev/fd/N or /proc/self/fd/N (N ≤ 2): written through
 * it, so the text lands after what the process already wrote there (opening the path anew would write
 * from another offset of a redirected file).
 */
function processStreamFd(path: string): number | null {
  const absolute = resolve(path);
  if (absolute === '/dev/stdout') return 1;
  if (absolute === '/dev/stderr') return 2;
  const match = /^\/(?:dev|proc\/self)\/fd\/([0-2])$/.exec(absolute);
  return match === null ? null : Number(match[1]);
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

/** Why a write failed, for a person: `ENOSPC: no space left on device` (Node says `…, write '/path'`). */
export function writeErrorReason(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === undefined || typeof message !== 'string') return String(error);
  const text = message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message;
  return `${code}: ${text.replace(/, \w+( '.*')?$/, '')}`;
}

function holdBeforeRename(temporary: string): void {
  const marker = process.env[HOLD_BEFORE_RENAME_ENV];
  if (marker === undefined || marker === '') return;
  writeFileSync(marker, temporary);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
}
