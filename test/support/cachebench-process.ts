import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: CLI tests run the real executable from here (bin/cachebench.js over dist/, compiled by `npm test`). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(repoRoot, 'bin', 'cachebench.js');

/** Runs `cachebench args…` as a user would, with colour decided by `env` alone. */
export function cachebench(args: string[], env: Record<string, string> = {}) {
  const inherited = { ...process.env };
  delete inherited.NO_COLOR;
  delete inherited.FORCE_COLOR;
  const child = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    cwd: repoRoot,
    env: { ...inherited, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

export interface FinishedProcess {
  /** The exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

export interface RunningCachebench {
  child: ChildProcess;
  /** Resolves when the process has exited; it is killed (SIGKILL) after `timeoutMs` so a hung run fails the test. */
  finished: Promise<FinishedProcess>;
}

/**
 * Starts `cachebench args…` without waiting: for tests that act on a server, or on the process, mid-run.
 * The event loop stays free (unlike cachebench()), so the test can pause or kill servers meanwhile.
 */
export function startCachebench(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): RunningCachebench {
  const inherited = { ...process.env };
  delete inherited.NO_COLOR;
  delete inherited.FORCE_COLOR;
  const started = Date.now();
  const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, env: { ...inherited, ...options.env } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const finished = new Promise<FinishedProcess>((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, elapsedMs: Date.now() - started });
    });
  });
  return { child, finished };
}

/** A user mistake gets a message, never a stack trace. */
export function assertNoStack(text: string): void {
  assert.doesNotMatch(text, /\n\s+at .+\(.+:\d+:\d+\)/);
}
