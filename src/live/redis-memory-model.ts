import type { ChainableCommander, Redis } from 'ioredis';
import { keyAllocation, RedisMemoryCharge, valueAllocation } from '../engine/redis-memory-charge.js';
import type { RedisMemoryModel } from '../result/run-result.js';
import type { Scenario } from '../scenario/scenario.js';
import { AccessBatch, type AccessStream } from '../workload/access-event.js';
import { createWorkload } from '../workload/create-workload.js';
import { WrappedStream } from '../workload/wrapped-stream.js';
import type { RedisConnections } from './redis-connection.js';
import { encodeValue } from './versioned-value.js';

/** What a key of this run costs in Redis's memory, measured on the live server (its JSON contract is in run-result.ts). */
export type { RedisMemoryModel };

/** The most keys written to measure: enough to amortise the dict's buckets, few enough to take ~100 ms. */
const PROBE_KEYS = 2000;
/** How far into the workload the probe looks for distinct keys. */
const PROBE_EVENTS = 200_000;
/** Commands per pipeline: a small query buffer, so the client's own buffers do not show in used_memory. */
const CHUNK = 100;
/** The probe's own TTL on its keys, for the expires entry: long enough that none expires while it measures. */
const PROBE_TTL_MS = 3_600_000;
/**
 * A key's share of a dictionary's bucket array (one 8-byte pointer a slot) in a full table, one slot a key.
 * Redis doubles the array when the keys reach its size (or, near maxmemory, at 1.618 keys a slot), so a
 * key's share runs from 5 to 16 bytes; 8 is the full table's.
 */
const BUCKET_BYTES = 8;

/** Bytes of Redis memory per request of the run: the measured charge, with the cache's TTL when a request has none of its own. */
export class RedisMemorySizes {
  constructor(
    readonly charge: RedisMemoryCharge,
    /** Whether the cache has a default TTL (every key then has an expires entry). */
    private readonly cacheTtl: boolean,
  ) {}

  bytesFor(size: number, requestTtlMs: number): number {
    return this.charge.bytes(size, requestTtlMs > 0 || this.cacheTtl);
  }
}

/** What the probe measured; the model is completed once the run's clients are connected (`completeModel`). */
export interface RedisMemoryProbe {
  /** The charge the prediction replays with (its baseline is 0 until `completeModel`: the prediction's capacity is capacity_for_keys). */
  sizes: RedisMemorySizes;
  probedKeys: number;
  bytesPerKey: number;
  usagePerKey: number;
  valueBytesPerKey: number;
  keyBytes: number;
  entryBytes: number;
  expiresBytes: number;
  redisVersion: string;
  memAllocator: string;
  /** Memory the probe left behind in the dictionaries' bucket arrays it grew (which the run's keys would grow anyway). */
  leftover: number;
}

/** The model, from the probe and `used_memory` just before the load (every client connected, no key of the run). */
export function completeModel(probe: RedisMemoryProbe, usedMemory: number, maxmemory: number): RedisMemoryModel {
  const baseline = Math.max(0, usedMemory - probe.leftover);
  return {
    baseline_used_memory: baseline,
    capacity_for_keys: Math.max(0, maxmemory - baseline),
    probed_keys: probe.probedKeys,
    bytes_per_key: round(probe.bytesPerKey),
    memory_usage_per_key: round(probe.usagePerKey),
    value_bytes_per_key: round(probe.valueBytesPerKey),
    key_bytes: probe.keyBytes,
    entry_bytes: round(probe.entryBytes),
    expires_bytes: round(probe.expiresBytes),
    redis_version: probe.redisVersion,
    mem_allocator: probe.memAllocator,
  };
}

/**
 * Measures per-key memory: SETs the run's first distinct keys (their own names under the run's prefix,
 * values of their own sizes) a pipeline of 100 at a time, reading the server's memory after each, then gives
 * each an expiry (PEXPIRE) the same way, reads `MEMORY USAGE` of each, and DELs them, so the run still starts
 * from an empty prefix. Call before `maxmemory` is lowered, so that the probe evicts nothing; the run's
 * cleanup covers its keys should it fail.
 *
 * What a key allocates is the median growth per key over the pipelines: a pipeline in which a dictionary's
 * bucket array doubled, finished an incremental rehash (freeing the old array) or was shrunk by the server's
 * cron is an outlier, and how large the arrays already were depends on what the server held before. The
 * buckets are then counted as in a full table, BUCKET_BYTES a key and a dictionary.
 */
export async function probeRedisMemory(scenario: Scenario, connections: RedisConnections, prefix: string, _db: number): Promise<RedisMemoryProbe> {
  const probes = firstKeys(scenario);
  const client = connections.pick();
  const names = probes.map((p) => prefix + p.key);
  const values = probes.map((p) => encodeValue(0, p.size));
  const nameBytes = names.map((name) => Buffer.byteLength(name));
  const valueBytes = values.map((value) => Buffer.byteLength(value));
  const used = () => keysMemory(connections.masters());
  /** Runs `command` for every probe, a pipeline of CHUNK at a time; the growth of memory per key of each pipeline, and the replies. */
  const each = async (command: (pipeline: ChainableCommander, i: number) => void, measure: boolean) => {
    const growth: { from: number; to: number; bytes: number }[] = [];
    const replies: unknown[] = [];
    let last = measure ? await used() : 0;
    for (let from = 0; from < probes.length; from += CHUNK) {
      const to = Math.min(probes.length, from + CHUNK);
      const pipeline = client.pipeline();
      for (let j = from; j < to; j++) command(pipeline, j);
      replies.push(...(await checked(pipeline.exec())));
      if (!measure) continue;
      const now = await used();
      growth.push({ from, to, bytes: now - last });
      last = now;
    }
    return { growth, replies };
  };
  const before = await used();
  const set = await each((pipeline, j) => pipeline.set(names[j], values[j]), true);
  const expire = await each((pipeline, j) => pipeline.pexpire(names[j], PROBE_TTL_MS), true);
  const usages = (await each((pipeline, j) => pipeline.call('MEMORY', 'USAGE', names[j]), false)).replies.map(Number);
  // Redis allocates a command's latency histogram (24 KB) the first time it runs it: the run's GETs and the
  // floor's PINGs go first here, so that a fresh server's histograms are in the baseline, not taken from the keys.
  if (probes.length > 0) await checked(client.pipeline().get(names[0]).ping().exec());
  await each((pipeline, j) => pipeline.del(names[j]), false);
  // What stays is the dictionaries' bucket arrays the probe grew (the run's keys grow them anyway, and are
  // charged BUCKET_BYTES each for them) and what is the server's own from now on (those histograms): only
  // the first comes off the baseline.
  const tables = 2 * BUCKET_BYTES * 2 ** Math.ceil(Math.log2(Math.max(1, probes.length)));
  const leftover = Math.min(tables, (await used()) - before);
  const server = await serverOf(connections.masters()[0]);

  const count = Math.max(1, probes.length);
  const mean = (of: (i: number) => number) => probes.reduce((sum, _, i) => sum + of(i), 0) / count;
  const allocations = (i: number) => keyAllocation(nameBytes[i]) + valueAllocation(valueBytes[i]);
  // Per pipeline: what its keys added beyond their names' and values' allocations (the dictionary entry), per key.
  const entryAllocation = median(set.growth.map(({ from, to, bytes }) => (bytes - sum(from, to, allocations)) / (to - from)));
  const expiresAllocation = Math.max(0, median(expire.growth.map(({ from, to, bytes }) => bytes / (to - from))));
  const keyBytes = mostCommon(nameBytes);
  // One key length for all: the others' allocations differ on average by this much, carried in entry_bytes.
  const otherNames = mean((i) => keyAllocation(nameBytes[i])) - keyAllocation(keyBytes);
  const entryBytes = entryAllocation + BUCKET_BYTES + otherNames;
  const expiresBytes = expiresAllocation + BUCKET_BYTES;
  const cacheTtl = (scenario.cache?.ttl ?? null) !== null;
  const charge = new RedisMemoryCharge({ baseline: 0, key_bytes: keyBytes, entry_bytes: entryBytes, expires_bytes: expiresBytes });
  return {
    sizes: new RedisMemorySizes(charge, cacheTtl),
    probedKeys: probes.length,
    bytesPerKey: mean(allocations) + entryAllocation + BUCKET_BYTES + (cacheTtl ? expiresBytes : 0),
    usagePerKey: mean((i) => usages[i]),
    valueBytesPerKey: mean((i) => probes[i].size),
    keyBytes,
    entryBytes,
    expiresBytes,
    ...server,
    leftover: Math.max(0, leftover),
  };
}

/** Sum of `of(i)` for i in [from, to). */
function sum(from: number, to: number, of: (i: number) => number): number {
  let total = 0;
  for (let i = from; i < to; i++) total += of(i);
  return total;
}

/** The middle value (the mean of the two middle ones); 0 for none. */
function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The most common of the lengths (the first of equals): the charge's one key length. Names of mixed lengths
 * whose allocations differ leave the difference in entry_bytes, so the mean charge stays the measured one.
 */
function mostCommon(lengths: readonly number[]): number {
  const counts = new Map<number, number>();
  let best = lengths[0] ?? 0;
  for (const length of lengths) {
    const count = (counts.get(length) ?? 0) + 1;
    counts.set(length, count);
    if (count > (counts.get(best) ?? 0)) best = length;
  }
  return best;
}

/**
 * used_memory less every client's memory (CLIENT LIST's tot-mem: query and reply buffers, the client
 * itself), read together in one MULTI, summed over the nodes: the server's cron grows and shrinks a
 * client's buffers by kilobytes at a time, which over 2,000 keys would be several bytes a key of noise.
 */
async function keysMemory(nodes: readonly Redis[]): Promise<number> {
  let bytes = 0;
  for (const node of nodes) {
    const [memory, clients] = await checked(node.multi().info('memory').client('LIST').exec());
    const used = Number(/^used_memory:(\d+)/m.exec(String(memory))?.[1] ?? 0);
    let clientBytes = 0;
    for (const match of String(clients).matchAll(/ tot-mem=(\d+)/g)) clientBytes += Number(match[1]);
    bytes += used - clientBytes;
  }
  return bytes;
}

/** INFO's redis_version and mem_allocator. */
async function serverOf(node: Redis): Promise<{ redisVersion: string; memAllocator: string }> {
  const text = `${await node.info('server')}\n${await node.info('memory')}`;
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  return { redisVersion: field('redis_version'), memAllocator: field('mem_allocator') };
}

/** The workload's first distinct keys and the size each first has (what the run will write first). */
function firstKeys(scenario: Scenario): { key: number; size: number }[] {
  const stream = createWorkload(scenario.workload, scenario.seed);
  const seen = new Set<number>();
  const probes: { key: number; size: number }[] = [];
  const batch = new AccessBatch(4096);
  try {
    let events = 0;
    while (probes.length < PROBE_KEYS && events < PROBE_EVENTS) {
      const n = stream.next(batch);
      if (n === 0) break;
      events += n;
      for (let i = 0; i < n && probes.length < PROBE_KEYS; i++) {
        const key = batch.key[i];
        if (seen.has(key)) continue;
        seen.add(key);
        probes.push({ key, size: batch.size[i] });
      }
    }
  } finally {
    stream.close();
  }
  return probes;
}

/** A stream whose sizes are bytes of Redis memory (the prediction's replay charges those against the capacity). */
export class RedisMemoryStream extends WrappedStream {
  constructor(
    source: AccessStream,
    private readonly sizes: RedisMemorySizes,
  ) {
    super(source);
  }

  next(batch: AccessBatch): number {
    const n = this.source.next(batch);
    const { size, ttl } = batch;
    for (let i = 0; i < n; i++) size[i] = this.sizes.bytesFor(size[i], ttl[i]);
    return n;
  }
}

async function checked(replies: Promise<[Error | null, unknown][] | null>): Promise<unknown[]> {
  const results = (await replies) ?? [];
  for (const [error] of results) if (error !== null) throw error;
  return results.map(([, value]) => value);
}

function round(bytes: number): number {
  return Math.round(bytes * 10) / 10;
}
