/**
 * One cache tier's replacement policy over dense integer key ids. One policy per file behind this
 * interface; `registry.ts` maps names to factories.
 *
 * Semantics every policy shares (they match libCacheSim's, so the golden counts in
 * test/policies.test.ts are reproducible):
 * - capacity is in entries (every object counts 1) or in bytes (objects count their size);
 * - `get` on a present, unexpired key is a hit and updates the policy's recency/frequency state;
 *   on a hit the cached size is not updated;
 * - `set` of an absent key admits it: an object larger than the whole capacity is not inserted;
 *   otherwise the policy evicts until `used + size <= capacity`, then inserts;
 * - `set` of a present key replaces its size and expiry in place (an update, not an access);
 * - TTL: every entry has an absolute `expiresAt` (Infinity for none). Expired entries are removed lazily,
 *   when looked up (a miss) or when chosen as a victim; either way they count as expirations, not evictions.
 */
export interface EvictionPolicy {
  readonly name: string;
  /** A lookup at time `now` (ms). True on a hit. */
  get(key: number, now: number): boolean;
  /** `get` that returns the hit's slot (see `slotOf`), or -1 on a miss. */
  lookup(key: number, now: number): number;
  /** Present and unexpired at `now`, without touching policy state. */
  has(key: number, now: number): boolean;
  /** Admit or update. Returns false when the object was not admitted (larger than the whole capacity). */
  set(key: number, size: number, expiresAt: number, now: number): boolean;
  /**
   * The slot holding `key` while it is resident (expired-but-not-yet-removed included), or -1. A slot is
   * a small integer below the cache's slot capacity, the entry's own until it leaves: callers keep
   * per-entry data in their own slot-indexed columns.
   */
  slotOf(key: number): number;
  /** Removes a key (invalidation). True if it was present. */
  delete(key: number): boolean;
  /** Entries currently held (expired-but-not-yet-removed included). */
  readonly entries: number;
  /** Bytes currently held (sum of cached sizes). */
  readonly bytes: number;
  /** Entries removed to make room. */
  readonly evictions: number;
  /** Entries removed because their TTL had passed. */
  readonly expirations: number;
  /** Throws an Error describing the first broken invariant (occupancy ≤ capacity, tracked bytes = recomputed). */
  checkInvariants(): void;
}

export type CapacityUnit = 'entries' | 'bytes';

export interface PolicyOptions {
  /** A positive number of entries or bytes; Infinity for an unbounded cache. */
  capacity: number;
  unit: CapacityUnit;
  /** Expected number of distinct key ids (a sizing hint; policies must grow past it). */
  keySpaceHint: number;
  /** Seed for policies that draw random numbers (Random, Redis's sampling). */
  seed: number;
  /**
   * Per-policy tuning by name, e.g. `{ 'maxmemory-samples': 10 }` for `redis-lru`. Absent names take the
   * policy's default; a name the policy does not know, or a value outside its range, is an input error
   * listing the valid ones. Each policy documents its names (see `policy-parameters.ts`); policies without
   * parameters accept only an empty record.
   */
  parameters?: Readonly<Record<string, number>>;
}

export type PolicyFactory = (options: PolicyOptions) => EvictionPolicy;
