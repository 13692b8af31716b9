import type { CacheTier } from '../engine/cache-tier.js';
import type { LatencySampler } from '../engine/latency-model.js';

/**
 * What the application (application.ts) asks of the world it runs in, and how the world answers. The
 * application performs no I/O and reads no clock: every call into it says what happened and when, and
 * it answers through these ports — look up, fill, write or lock in the shared tier, query the
 * database, publish to the other nodes, wake me at a time. Two worlds implement them: the virtual clock
 * (engine/: built-in tiers, the database model, an event queue) and the wall clock (live/: Redis, a
 * database model on timers or PostgreSQL, real pub/sub).
 *
 * A port's call either answers at once (the virtual clock: the built-in tier answers as of `now`, and
 * says how long the round trip took through `roundTrip()`) or returns PENDING and answers later through
 * the application's matching method (the wall clock: Redis replies, time passes for real). Answers about
 * a request travel in its slot's columns of the application's request table (version, staleSince,
 * freshUntil, fetchMs).
 */

/** The answer will come later, through the application (sharedAnswered, queryDone, …). */
export const PENDING = -1;
/** A lookup found a copy (its columns are in the request's slot); a lock was taken; a fill or write was done. */
export const DONE = 0;
/** A lookup found nothing; a lock is held by another request. */
export const NOT_FOUND = 1;
/** The command failed (the tier is down or errored): the application falls back or fails (on_cache_error). */
export const FAILED = 2;
/** A mediated fill found a newer copy already cached (its version and staleSince are in the slot). */
export const NEWER = 3;

/** The shared tier (L2): the built-in one, or Redis. */
export interface SharedTierPort {
  /** Whether every command answers before its call returns (never PENDING): the virtual clock's built-in tier. */
  readonly answersAtOnce: boolean;
  /**
   * How long the round trip of the command just issued took, to add to the request's response time: a
   * modeled draw on the virtual clock, 0 on the wall clock (where an answer arrives when it arrives).
   * Called once per command, in the order the commands are issued, so a simulation stays deterministic.
   */
  roundTrip(): number;
  /** Looks up the request's key: DONE (the copy's version, staleSince and — when tracked — freshUntil, fetchMs in the slot), NOT_FOUND, FAILED, or PENDING. */
  lookup(slot: number, key: number, now: number): number;
  /**
   * Stores what a read fetched (version, staleSince of the slot; `fetchMs` for xfetch). `mediated`: the
   * cache fills itself and never over a newer copy (answers NEWER with that copy in the slot). DONE, NEWER, FAILED, or PENDING.
   */
  fill(slot: number, key: number, size: number, ttl: number, mediated: boolean, now: number, fetchMs: number): number;
  /** A write's effect on the cached copy: removed (`remove`) or replaced by the slot's version. DONE, FAILED, or PENDING. */
  write(slot: number, key: number, remove: boolean, size: number, ttl: number, now: number): number;
  /** `lock` protection: SET NX PX lock_ttl for the request. DONE (taken), NOT_FOUND (held by another), FAILED, or PENDING. */
  lock(slot: number, key: number, now: number, ttlMs: number): number;
  /** Releases the request's lock if it still holds it (compare-and-delete); nothing waits for it. */
  unlock(slot: number, key: number): void;
  /** `version` of `key` became the acknowledged truth at `now`: an older cached copy is stale from then on. */
  superseded(key: number, version: number, now: number): void;
  /** The first write of the run: copies carry versions from now on. */
  writesBegin(): void;
}

/**
 * The database: the model with its pool (virtual or wall clock), or PostgreSQL. Each submitted query
 * answers exactly once, through Application.queryDone or Application.queryFailed — possibly before
 * `submit` returns (refused at once).
 */
export interface DatabasePort {
  /** Runs the request's read (`op` get: the version it read) or write (set or delete: the version it committed). */
  submit(slot: number, key: number, op: number, size: number, arrival: number, now: number): void;
  /** A write-behind batch: one write query for the entries from `first` (WriteBehindQueues), never timed out. */
  flush(slot: number, first: number, count: number, now: number): void;
  /** A crashed node's flush still waiting for a connection is withdrawn: true when it was (it will never answer). */
  withdraw(slot: number): boolean;
  /** `version` of `key` was acknowledged at `now`: a read executing now that saw an older version is stale from then on. */
  superseded(key: number, version: number, now: number): void;
}

/** Pub/sub invalidation: a message to every other node. Deliveries come back through Application.delivered. */
export interface PubSubPort {
  publish(from: number, key: number, version: number, now: number): void;
}

/** Wakes the application at a time: Application.wake(payload, time). Payloads are the application's own. */
export interface AlarmPort {
  at(time: number, payload: number): void;
}

/** The application's nodes: routing, up or down, and each one's local tier (in-process in both worlds). */
export interface ApplicationNodes {
  readonly nodes: number;
  readonly local: CacheTier[] | null;
  /** The local tier's round trip (a draw on the virtual clock; 0 on the wall clock). */
  readonly localLatency: LatencySampler | null;
  route(key: number): number;
  isUp(node: number): boolean;
  setUp(node: number, up: boolean): void;
}
