import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { startWorker } from '../threads/worker-script.js';
import { deleteKeysWithPrefix } from './key-cleanup.js';
import { parseRedisAddress, type RedisAddress } from './redis-address.js';
import type { PipelinedRedisConnection } from './pipelined-redis-connection.js';
import { PipelinedRedisPool } from './pipelined-redis-pool.js';
import { RedisConnections } from './redis-connection.js';

export interface ThroughputProbeOptions {
  url: string;
  /** Connections (redis-benchmark's -c): the pipelined connections a live run's requests use. */
  connections: number;
  seconds: number;
  /** Auto-pipelining on each client (false: one command at a time per client, like redis-benchmark without -P). */
  pipelining: boolean;
  /** Keys written and read, under a per-probe prefix deleted afterwards. Default 10,000. */
  keys?: number;
  /** Value size in bytes; default 3, redis-benchmark's default -d. */
  valueSize?: number;
  /**
   * Event loops driving the load: 1 runs in this thread; more split the connections over worker threads
   * (one event loop tops out around 100–130k commands/s). Default: 2 with pipelining (when
   * the machine has 2 cores or more), 1 without (a connection waiting for each reply does not need more).
   */
  threads?: number;
}

export interface ThroughputProbeResult {
  requestsPerSecond: number;
  requests: number;
  errors: number;
  seconds: number;
}

/**
 * GET/SET throughput of this client against a server, half GETs and half SETs, for `npm run bench:redis`
 * (next to `redis-benchmark -c 50 -t get,set`), over the connections a live run uses
 * (pipelined-redis-connection.ts). With pipelining each connection keeps many commands in flight and
 * those issued in one tick go out in one write; without it each connection waits
 * for every reply, as redis-benchmark does without -P.
 */
export async function probeGetSetThroughput(options: ThroughputProbeOptions): Promise<ThroughputProbeResult> {
  const defaultThreads = options.pipelining ? Math.min(2, availableParallelism()) : 1;
  const threads = Math.max(1, Math.min(options.threads ?? defaultThreads, options.connections));
  if (threads === 1) return probeInThisThread(options);
  const prefix = `cachebench:probe:${randomBytes(6).toString('hex')}:`;
  const workers = Array.from({ length: threads }, (_, i) => {
    const connections = Math.floor(options.connections / threads) + (i < options.connections % threads ? 1 : 0);
    return startWorker(import.meta.url, 'throughput-probe-worker', {
      ...options,
      connections,
      threads: 1,
      prefix,
      cleanup: false,
    });
  });
  const results = (await Promise.all(workers.map(async (w) => (await once(w, 'message'))[0]))) as ThroughputProbeResult[];
  await Promise.all(workers.map((w) => w.terminate()));
  await deleteProbeKeys(parseRedisAddress(options.url, 'url'), prefix);
  return {
    requestsPerSecond: results.reduce((sum, r) => sum + r.requestsPerSecond, 0),
    requests: results.reduce((sum, r) => sum + r.requests, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    seconds: Math.max(...results.map((r) => r.seconds)),
  };
}

/** One event loop's share; `prefix` and `cleanup` are set by the worker threads of a multi-threaded probe. */
export async function probeInThisThread(
  options: ThroughputProbeOptions & { prefix?: string; cleanup?: boolean },
): Promise<ThroughputProbeResult> {
  const address = parseRedisAddress(options.url, 'url');
  const pool = await PipelinedRedisPool.open({
    addresses: [address],
    cluster: false,
    connections: options.connections,
    autoPipelining: options.pipelining,
    connectTimeoutMs: 2000,
    commandTimeoutMs: 5000,
  });
  const prefix = options.prefix ?? `cachebench:probe:${randomBytes(6).toString('hex')}:`;
  const keys = options.keys ?? 10_000;
  const value = 'x'.repeat(options.valueSize ?? 3);
  // In flight per connection: enough to fill a pipeline, few enough that replies stay prompt.
  const depth = options.pipelining ? 32 : 1;
  let requests = 0;
  let errors = 0;
  let stopping = false;
  let seq = 0;
  const loop = async (client: PipelinedRedisConnection): Promise<void> => {
    while (!stopping) {
      const key = prefix + (seq++ % keys);
      try {
        if ((seq & 1) === 0) await client.set(key, value);
        else await client.getVersion(key);
        requests++;
      } catch {
        errors++;
      }
    }
  };
  const started = performance.now();
  const loops: Promise<void>[] = [];
  for (const client of pool.connections) for (let i = 0; i < depth; i++) loops.push(loop(client));
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  stopping = true;
  const measuredRequests = requests;
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(loops);
  pool.close();
  if (options.cleanup !== false) await deleteProbeKeys(address, prefix);
  return { requestsPerSecond: measuredRequests / elapsed, requests: measuredRequests, errors, seconds: elapsed };
}

/** Deletes the probe's keys (its prefix only) over a connection of its own. */
async function deleteProbeKeys(address: RedisAddress, prefix: string): Promise<void> {
  const cleanup = await RedisConnections.open({
    addresses: [address],
    cluster: false,
    connections: 1,
    autoPipelining: false,
    connectTimeoutMs: 2000,
    commandTimeoutMs: 5000,
  });
  try {
    await deleteKeysWithPrefix(cleanup, prefix);
  } finally {
    cleanup.close();
  }
}
