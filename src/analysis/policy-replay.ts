import type { RedisMemoryCharge } from '../engine/redis-memory-charge.js';
import type { CapacityUnit, EvictionPolicy } from '../policies/eviction-policy.js';
import { createPolicy } from '../policies/registry.js';
import { type AccessBatch, OP_GET } from '../workload/access-event.js';

/** A cache size: entries, or bytes. */
export interface CacheSize {
  value: number;
  unit: CapacityUnit;
}

/** What a cache of `size` gives its objects: in Redis memory, a size in bytes less the server's baseline (at least a byte). */
export function capacityFor(size: CacheSize, memory: RedisMemoryCharge | null): number {
  return memory === null || size.unit !== 'bytes' ? size.value : Math.max(1, memory.capacityForKeys(size.value));
}

/** One policy at one size, replayed over the whole trace (or Belady's optimum). */
export interface SimulatedPoint {
  policy: string;
  size: number;
  unit: CapacityUnit;
  reads: number;
  hits: number;
  hit_rate: number;
  /** Read bytes served from the cache ÷ all read bytes. */
  byte_hit_rate: number;
}

/**
 * Replays the trace through registered policies (`createPolicy`) at chosen sizes, all of them in the same
 * pass. The replay matches the curve's model: a read looks up (and fills on a miss); a set or delete
 * removes the key (delete-on-write); TTLs are not applied.
 */
export class PolicyReplay {
  private readonly caches: EvictionPolicy[] = [];
  private readonly points: SimulatedPoint[] = [];
  private readonly hitBytes: number[] = [];
  private readBytes = 0;

  constructor(
    policies: readonly string[],
    sizes: readonly CacheSize[],
    keySpaceHint: number,
    /** `--memory-model redis`: a size in bytes is Redis memory, each object charged its Redis bytes (null: its size). */
    private readonly memory: RedisMemoryCharge | null = null,
  ) {
    for (const policy of policies) {
      for (const size of sizes) {
        this.caches.push(createPolicy(policy, { capacity: capacityFor(size, memory), unit: size.unit, keySpaceHint, seed: 1 }));
        this.points.push({ policy, size: size.value, unit: size.unit, reads: 0, hits: 0, hit_rate: 0, byte_hit_rate: 0 });
        this.hitBytes.push(0);
      }
    }
  }

  get empty(): boolean {
    return this.caches.length === 0;
  }

  observe(batch: AccessBatch, n: number): void {
    const { key: keys, op: ops, size: sizes, ttl: ttls } = batch;
    const memory = this.memory;
    for (let i = 0; i < n; i++) if (ops[i] === OP_GET) this.readBytes += sizes[i];
    for (let c = 0; c < this.caches.length; c++) {
      const cache = this.caches[c];
      let hits = 0;
      let hitBytes = 0;
      let reads = 0;
      for (let i = 0; i < n; i++) {
        const key = keys[i];
        if (ops[i] !== OP_GET) {
          cache.delete(key);
          continue;
        }
        reads++;
        if (cache.get(key, 0)) {
          hits++;
          hitBytes += sizes[i];
        } else {
          cache.set(key, memory === null ? sizes[i] : memory.bytes(sizes[i], ttls[i] > 0), Number.POSITIVE_INFINITY, 0);
        }
      }
      this.points[c].hits += hits;
      this.points[c].reads += reads;
      this.hitBytes[c] += hitBytes;
    }
  }

  finish(): SimulatedPoint[] {
    return this.points.map((point, c) => {
      this.caches[c].checkInvariants();
      return {
        ...point,
        hit_rate: point.reads > 0 ? point.hits / point.reads : 0,
        byte_hit_rate: this.readBytes > 0 ? this.hitBytes[c] / this.readBytes : 0,
      };
    });
  }
}
