import type { RedisMemorySpec } from '../scenario/scenario.js';

/**
 * What Redis charges one string key against `maxmemory` (INFO `used_memory`), so that a simulated cache
 * with `memory_model: redis` holds what a Redis of the same maxmemory holds: not the value's size, but
 *
 *   key allocation + value allocation + entry_bytes + (a TTL? expires_bytes)
 *
 * each allocation rounded up to jemalloc's size class (Redis's default allocator), and the server's
 * baseline `used_memory` taken off the capacity before any key. The layout is Redis 7.0's (object.c,
 * sds.h, db.c): the key is an sds string of its own; a value of at most 44 bytes is an "embstr", one
 * allocation holding the 16-byte robj header and the sds string; a longer one is a 16-byte robj plus a
 * separate sds string. `entry_bytes` is the main dictionary's entry (24 bytes, allocated as 32) and its
 * share of the bucket array (8 bytes per slot, one slot per key when the table is full); `expires_bytes`
 * the same for the `expires` dictionary, which holds every key with a TTL. On redis-server 7.0.15
 * (jemalloc 5.3.0, x86-64) this formula equals the growth of used_memory per key for keys of 10 to 44
 * bytes and values of 10 bytes to 10 KB to within 0.51 bytes (bench/redis-memory.js; docs/scenario-reference.md, "Redis memory").
 */
export class RedisMemoryCharge {
  /** The key's allocation and the per-key constant, the same for every entry. */
  private readonly fixed: number;
  private readonly expires: number;
  /** What the entries may use: the capacity less the baseline. */
  readonly baseline: number;

  constructor(spec: Pick<RedisMemorySpec, 'baseline' | 'key_bytes' | 'entry_bytes' | 'expires_bytes'>) {
    this.fixed = keyAllocation(spec.key_bytes) + spec.entry_bytes;
    this.expires = spec.expires_bytes;
    this.baseline = spec.baseline;
  }

  /** Bytes of Redis memory a key with a `valueBytes`-byte value takes (with its expires entry when it has a TTL). */
  bytes(valueBytes: number, hasTtl: boolean): number {
    return Math.round(this.fixed + valueAllocation(valueBytes) + (hasTtl ? this.expires : 0));
  }

  /** The capacity left for keys in a Redis of `capacity` bytes of maxmemory (0 when the baseline takes it all). */
  capacityForKeys(capacity: number): number {
    return Math.max(0, capacity - this.baseline);
  }
}

/** Redis's embstr limit (object.c, OBJ_ENCODING_EMBSTR_SIZE_LIMIT): up to this many bytes, robj and string are one allocation. */
export const EMBSTR_MAX_BYTES = 44;
/** sizeof(robj) on 64-bit: type, encoding, lru (4 bytes together), refcount (4), ptr (8). */
const ROBJ_BYTES = 16;

/** The allocation of a string value: one embstr, or a robj header plus a raw sds string. */
export function valueAllocation(bytes: number): number {
  // embstr: robj + sdshdr8 (3 bytes) + the bytes + the terminating NUL, in one allocation.
  if (bytes <= EMBSTR_MAX_BYTES) return jemallocSize(ROBJ_BYTES + 3 + bytes + 1);
  return jemallocSize(ROBJ_BYTES) + jemallocSize(sdsHeaderBytes(bytes, false) + bytes + 1);
}

/** The allocation of a key's name: an sds string of its own (the key of both dictionaries). */
export function keyAllocation(bytes: number): number {
  return jemallocSize(sdsHeaderBytes(bytes, true) + bytes + 1);
}

/**
 * The header of an sds string of `length` bytes (sds.c, sdsReqType): sdshdr5 (1 byte) below 32 bytes —
 * Redis builds keys that way — then sdshdr8 (3), sdshdr16 (5), sdshdr32 (9). A value is never an sdshdr5:
 * short ones are embstr's sdshdr8, long ones at least 45 bytes.
 */
function sdsHeaderBytes(length: number, key: boolean): number {
  if (length < 32 && key) return 1;
  if (length < 256) return 3;
  if (length < 65536) return 5;
  return 9;
}

/**
 * jemalloc's size class for a request of `bytes` (jemalloc 5, x86-64: 16-byte quantum, 4 KiB pages): 8,
 * 16, then four classes per doubling — 32, 48, 64, 80, 96, 112, 128, 160, 192, …, 1024, 1280, … — the
 * same rule through the large classes.
 */
export function jemallocSize(bytes: number): number {
  if (bytes <= 8) return 8;
  if (bytes <= 16) return 16;
  // The doubling (2^k, 2^(k+1)] holding bytes, and its step: a quarter of 2^k, at least the 16-byte quantum.
  const k = 31 - Math.clz32(bytes - 1);
  const step = Math.max(16, 2 ** (k - 2));
  return Math.ceil(bytes / step) * step;
}
