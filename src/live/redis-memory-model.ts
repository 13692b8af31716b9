import type { Scenario } from '../scenario/scenario.js';
import { AccessBatch, type AccessStream } from '../workload/access-event.js';
import { createWorkload } from '../workload/create-workload.js';
import { WrappedStream } from '../workload/wrapped-stream.js';
import type { RedisConnections } from './redis-connection.js';
import { readRedisInfo } from './redis-info.js';
import { encodeValue } from './versioned-value.js';

/**
 * What a key of this run costs in Redis's memory, measured on the live server before the run — so that
 * the simulated prediction of `--allow-config` sizes its cache in the bytes Redis counts against
 * `maxmemory` (`used_memory`), not in bytes of values. Nothing here is a version's constant: the
 * server's own allocator (jemalloc's size classes), its dict entries and buckets, the TTL's `expires`
 * entry and the run's key names are all in the measurement.
 */
export interface RedisMemoryModel {
  /**
   * `used_memory` with the run's clients connected and none of its keys (the empty server's, plus
   * whatever else it holds; each connection takes tens of kB), less what the probe's dict tables left.
   */
  baseline_used_memory: number;
  /** `maxmemory` − the baseline: what the run's keys can use before Redis evicts. */
  capacity_for_keys: number;
  /** Keys written (then deleted) to measure: the run's own first keys, with their names, sizes and TTL. */
  probed_keys: number;
  /** Growth of `used_memory` per probed key: what one key of the run really costs. */
  bytes_per_key: number;
  /** Mean `MEMORY USAGE` of the probed keys (the key's own allocations, without buckets or `expires`). */
  memory_usage_per_key: number;
  /** Mean value size of the probed keys: what a capacity in bytes of values would have charged. */
  value_bytes_per_key: number;
}

/** The most keys written to measure: enough to amortise the dict's buckets, few enough to take ~100 ms. */
const PROBE_KEYS = 2000;
/** How far into the workload the probe looks for distinct keys. */
const PROBE_EVENTS = 200_000;
/** Commands per pipeline: a small query buffer, so the client's own buffers do not show in used_memory. */
const CHUNK = 100;

/** Redis memory per value size: the measured `MEMORY USAGE` per size, plus the per-key rest. */
export class RedisMemorySizes {
  private readonly sizes: number[];
  private readonly usage: number[];

  constructor(
    usageBySize: ReadonlyMap<number, number>,
    /** Per key, beyond MEMORY USAGE: the dict's bucket, the expires entry and its bucket, allocator slack. */
    private readonly extra: number,
  ) {
    this.sizes = [...usageBySize.keys()].sort((a, b) => a - b);
    this.usage = this.sizes.map((size) => usageBySize.get(size)!);
  }

  /** Bytes of Redis memory a key with a value of `size` bytes takes: measured, or interpolated between measured sizes. */
  bytesFor(size: number): number {
    const { sizes, usage } = this;
    // The first measured size ≥ size (binary search).
    let lo0 = 0;
    let hi = sizes.length;
    while (lo0 < hi) {
      const mid = (lo0 + hi) >> 1;
      if (sizes[mid] < size) lo0 = mid + 1;
      else hi = mid;
    }
    let bytes: number;
    if (hi < sizes.length && sizes[hi] === size) bytes = usage[hi];
    else if (hi === 0) bytes = usage[0] - (sizes[0] - size);
    else if (hi === sizes.length) bytes = usage[hi - 1] + (size - sizes[hi - 1]);
    else {
      const lo = hi - 1;
      bytes = usage[lo] + ((usage[hi] - usage[lo]) * (size - sizes[lo])) / (sizes[hi] - sizes[lo]);
    }
    return Math.max(1, Math.round(bytes + this.extra));
  }
}

/** What the probe measured; the model is completed once the run's clients are connected (`completeModel`). */
export interface RedisMemoryProbe {
  sizes: RedisMemorySizes;
  probedKeys: number;
  bytesPerKey: number;
  usagePerKey: number;
  valueBytesPerKey: number;
  /** used_memory the probe left behind (the dict tables it grew, which the run's keys would grow anyway). */
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
  };
}

/**
 * Measures per-key memory: `used_memory` now, then SETs the run's first distinct keys (their own names under
 * the run's prefix, values of their own sizes, PX with the cache's TTL), `used_memory` again and
 * `MEMORY USAGE` of each, then DELs them, so the run still starts from an empty prefix. Call before
 * `maxmemory` is lowered, so that the probe evicts nothing; the run's cleanup covers its keys should it fail.
 */
export async function probeRedisMemory(scenario: Scenario, connections: RedisConnections, prefix: string, db: number): Promise<RedisMemoryProbe> {
  const probes = firstKeys(scenario);
  const ttl = scenario.cache?.ttl ?? null;
  const client = connections.pick();
  const names = probes.map((p) => prefix + p.key);
  const before = (await readRedisInfo(connections.masters(), db)).used_memory;
  for (let i = 0; i < probes.length; i += CHUNK) {
    const pipeline = client.pipeline();
    for (let j = i; j < Math.min(probes.length, i + CHUNK); j++) {
      const value = encodeValue(0, probes[j].size);
      if (ttl === null) pipeline.set(names[j], value);
      else pipeline.set(names[j], value, 'PX', Math.max(1, Math.round(ttl)));
    }
    await checked(pipeline.exec());
  }
  const after = (await readRedisInfo(connections.masters(), db)).used_memory;
  const usages: number[] = [];
  for (let i = 0; i < probes.length; i += CHUNK) {
    const pipeline = client.pipeline();
    for (let j = i; j < Math.min(probes.length, i + CHUNK); j++) pipeline.call('MEMORY', 'USAGE', names[j]);
    for (const reply of await checked(pipeline.exec())) usages.push(Number(reply));
  }
  for (let i = 0; i < probes.length; i += CHUNK) {
    const pipeline = client.pipeline();
    for (let j = i; j < Math.min(probes.length, i + CHUNK); j++) pipeline.del(names[j]);
    await checked(pipeline.exec());
  }
  const leftover = (await readRedisInfo(connections.masters(), db)).used_memory - before;
  const count = Math.max(1, probes.length);
  const bytesPerKey = (after - before) / count;
  const usagePerKey = usages.reduce((sum, u) => sum + u, 0) / count;
  const bySize = new Map<number, { total: number; n: number }>();
  for (const [i, probe] of probes.entries()) {
    const entry = bySize.get(probe.size) ?? { total: 0, n: 0 };
    entry.total += usages[i];
    entry.n++;
    bySize.set(probe.size, entry);
  }
  const usageBySize = new Map([...bySize].map(([size, { total, n }]) => [size, total / n]));
  return {
    sizes: new RedisMemorySizes(usageBySize, bytesPerKey - usagePerKey),
    probedKeys: probes.length,
    bytesPerKey,
    usagePerKey,
    valueBytesPerKey: probes.reduce((sum, p) => sum + p.size, 0) / count,
    leftover: Math.max(0, leftover),
  };
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
    const size = batch.size;
    for (let i = 0; i < n; i++) size[i] = this.sizes.bytesFor(size[i]);
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
