import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { scanKeys } from './redis-server.js';

// Scenarios for `mode: live` tests: a small synthetic workload on the wall clock against a given Redis.

export const liveWork = mkdtempSync(join(tmpdir(), 'cachebench-live-'));

/** A prefix no other run uses, so a test can find exactly its own keys. */
export function uniquePrefix(label: string): string {
  return `cachebench:test-${label}-${randomBytes(4).toString('hex')}:`;
}

type Fields = Record<string, unknown>;

export interface LiveScenarioOptions {
  name: string;
  /** `cache.redis`: { url } or { cluster }, plus connections, prefix, reuse_keys, … */
  redis: Fields;
  workload?: Fields;
  cache?: Fields;
  top?: Fields;
}

/**
 * Writes a live scenario and returns its path: 2 s at a constant 300 requests/s, no warm-up, a 1 ms database,
 * 90% reads over 500 keys — short, and far below what one event loop drives on a loaded 2-core machine.
 * With `workload.trace` the trace supplies the requests: only the given workload fields apply.
 */
export function liveScenario(options: LiveScenarioOptions): string {
  const synthetic = {
    keys: 500,
    distribution: { type: 'zipf', alpha: 1.0 },
    mix: { get: 0.9, set: 0.1 },
    value_size: 100,
    duration: '2s',
    rate: '300/s',
    arrival: 'constant',
    warmup: '0s',
    max_in_flight: 10_000,
  };
  const scenario = {
    name: options.name,
    seed: 7,
    mode: 'live',
    workload: { ...(options.workload?.trace === undefined ? synthetic : {}), ...options.workload },
    database: { latency: '1ms' },
    cache: { ttl: '60s', ...options.cache, redis: options.redis },
    ...options.top,
  };
  const path = join(liveWork, `${options.name}-${randomBytes(3).toString('hex')}.yaml`);
  writeFileSync(path, stringify(scenario));
  return path;
}

/**
 * Resolves once a key under `prefix` exists — the run is under way — or rejects after `timeoutMs`: a guard
 * against a run that never starts, not a bound on start-up (at load 34 on 2 cores a run with two workers took
 * over 10 s to write its first key).
 */
export async function waitForKeys(client: Redis, prefix: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await scanKeys(client, `${prefix}*`)).length === 0) {
    if (Date.now() > deadline) throw new Error(`no key under ${prefix} appeared within ${timeoutMs} ms: the run never started`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The JSON result from `--json -` output, with the process's stderr in the message if it is not JSON. */
export function parseResult(stdout: string, stderr: string): LiveResult {
  try {
    return JSON.parse(stdout) as LiveResult;
  } catch {
    throw new Error(`stdout is not a JSON result.\nstdout: ${stdout.slice(0, 2000)}\nstderr: ${stderr.slice(0, 2000)}`);
  }
}

/** The parts of a live RunResult the tests read (the contract of issue 5). */
export interface LiveResult {
  runs: Array<{
    metrics: {
      requests: number;
      reads: number;
      writes: number;
      deletes: number;
      hits: number;
      misses: number;
      errors: number;
      duration_ms: number;
      latency_ms: { p50: number; p99: number; max: number };
      staleness: {
        stale_reads: number;
        stale_rate: number | null;
        age_ms: { p50: number | null; p99: number | null; max: number | null };
      };
      live: {
        dropped: number;
        errors_per_second: number[];
        reconnects: number;
        warmup_ms: number;
        workers: number;
        worker_requests: number[];
      };
    };
    timeseries: Array<{ t_ms: number; requests_per_s: number }>;
    redis?: {
      client: { gets: number; hits: number; misses: number; errors: number };
      keys_deleted: number;
      delta: {
        keyspace_hits: number;
        keyspace_misses: number;
        evicted_keys: number;
        expired_keys: number;
        used_memory: number;
        total_commands_processed: number;
      };
    };
  }>;
}
