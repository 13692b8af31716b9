import type { RandomSource } from '../random/random-source.js';
import { StampedeGuard } from './stampede-guard.js';
import { OP_GET } from '../workload/access-event.js';
import type { Application } from './application.js';
import { WAKE_RETRY, WAKE_SUBMIT } from './application.js';
import { DONE, FAILED, PENDING } from './ports.js';
import { FLAG_BACKGROUND, FLAG_HOLDS_LOCK, FLAG_LEADER, STATE_LOOKUP, STATE_WAITING } from './request-table.js';

const P_NONE = 0;
const P_LOCK = 1;
const P_COALESCE = 2;
const P_REFRESH_AHEAD = 3;
const P_SWR = 4;
const P_XFETCH = 5;
const PROTECTIONS = ['none', 'lock', 'coalesce', 'refresh-ahead', 'stale-while-revalidate', 'xfetch'];

/**
 * What a read does under each stampede protection (docs/scenario-reference.md, "Stampede protection"),
 * on the protected tier — the shared one, or each node's local one without it:
 * - `lock`: a miss takes the lock (SET NX PX lock_ttl, one round trip) and fetches; a read that finds it
 *   taken sleeps `retry`, looks again — a hit is a hit — and goes for the lock again. The holder releases
 *   it once its fetch is over (compare-and-delete: an expired lock may be another's by then).
 * - `coalesce`: single flight per node — a miss while the node already fetches the key waits for that
 *   fetch and is served with it.
 * - `refresh-ahead`: a hit whose remaining TTL is below `refresh_ahead` × TTL is served and starts one
 *   background refresh of the copy.
 * - `stale-while-revalidate`: entries outlive their TTL by `grace`; a hit past the TTL is served (stale)
 *   and starts one background refresh.
 * - `xfetch` (Vattani et al., VLDB 2015): a hit is taken as a miss by this request when
 *   now − Δ·β·ln(U) ≥ expiry, with Δ the copy's fetch time and U uniform on (0, 1].
 */
export class StampedeProtection {
  private readonly protection: number;
  /** Whether hits consult the protection (refresh-ahead, stale-while-revalidate, xfetch). */
  readonly hitsConsult: boolean;
  private readonly guard: StampedeGuard | null;
  /** The lock lives in the shared tier (a port), not in each node. */
  private readonly protectsShared: boolean;

  constructor(
    private readonly app: Application,
    private readonly random: RandomSource,
  ) {
    const spec = app.spec;
    this.protection = spec === null ? P_NONE : PROTECTIONS.indexOf(spec.stampede.protection);
    this.hitsConsult = this.protection >= P_REFRESH_AHEAD;
    this.protectsShared = app.shared !== null;
    this.guard = app.nodes !== null && this.protection !== P_NONE ? new StampedeGuard(app.nodes.nodes, this.protectsShared) : null;
  }

  ensureKeySpace(keySpace: number): void {
    this.guard?.ensureKeySpace(keySpace);
  }

  /**
   * A hit on the protected tier under refresh-ahead, stale-while-revalidate or xfetch, of a copy fresh
   * until `freshUntil` whose fetch took `fetchMs`: whether it is served from the cache (possibly starting
   * a background refresh) or, for xfetch's early expiry, taken as a miss by this request.
   */
  hitIsServed(freshUntil: number, fetchMs: number, localTier: boolean, node: number, key: number, now: number, size: number, ttl: number): boolean {
    const stampede = this.app.spec!.stampede;
    if (this.protection === P_XFETCH) {
      return now - fetchMs * stampede.beta * Math.log(this.random.nextOpenFloat()) < freshUntil;
    }
    if (this.protection === P_SWR) {
      if (now >= freshUntil) this.refreshInBackground(node, key, now, size, ttl);
    } else {
      const spec = this.app.spec!;
      const tierTtl = localTier ? spec.local!.ttl : spec.ttl;
      const ttlMs = ttl > 0 ? ttl : (tierTtl ?? Number.POSITIVE_INFINITY);
      if (freshUntil - now < stampede.refresh_ahead * ttlMs) this.refreshInBackground(node, key, now, size, ttl);
    }
    return true;
  }

  private refreshInBackground(node: number, key: number, now: number, size: number, ttl: number): void {
    const guard = this.guard!;
    const cell = guard.cell(node, key);
    if (guard.refreshing[cell] === 1) return;
    guard.refreshing[cell] = 1;
    const r = this.app.requests;
    const slot = r.allocate(now, key, OP_GET, size, ttl);
    r.node[slot] = node;
    r.flags[slot] = FLAG_BACKGROUND;
    this.app.submit(slot, now);
  }

  /** A background refresh is over (its copy renewed, or its fetch failed): the next may start. */
  refreshEnded(slot: number): void {
    const r = this.app.requests;
    const guard = this.guard!;
    guard.refreshing[guard.cell(r.node[slot], r.key[slot])] = 0;
  }

  /** A read missed every tier (its lookups done) at `now`: fetch, share a fetch, or go for the lock. */
  missed(slot: number, now: number): void {
    const r = this.app.requests;
    if (this.protection === P_COALESCE) {
      const guard = this.guard!;
      const cell = guard.flightCell(r.node[slot], r.key[slot]);
      const leader = guard.flight[cell];
      if (leader !== -1) {
        r.state[slot] = STATE_WAITING;
        r.chain[slot] = r.waiters[leader];
        r.waiters[leader] = slot;
        return;
      }
      guard.flight[cell] = slot;
      r.flags[slot] |= FLAG_LEADER;
      r.waiters[slot] = -1;
    } else if (this.protection === P_LOCK) {
      this.lockOrWait(slot, now);
      return;
    }
    this.app.submit(slot, now);
  }

  /** One round trip to the protected tier: SET NX PX. Taken: fetch. Taken by another: sleep `retry`, then look again. */
  private lockOrWait(slot: number, now: number): void {
    const app = this.app;
    const r = app.requests;
    const stampede = app.spec!.stampede;
    if (this.protectsShared) {
      r.state[slot] = STATE_LOOKUP;
      r.readyAt[slot] = now;
      const answer = app.shared!.lock(slot, r.key[slot], now, stampede.lock_ttl);
      if (answer !== PENDING) this.lockAnswered(slot, answer, now);
      return;
    }
    const guard = this.guard!;
    const roundTrip = app.nodes!.localLatency!.sample();
    this.lockDecided(slot, guard.locks.tryLock(guard.cell(r.node[slot], r.key[slot]), slot, now, stampede.lock_ttl), now + roundTrip);
  }

  /** The shared tier answered the lock attempt at `now`. A failed attempt leaves the read unprotected: it goes to the database. */
  lockAnswered(slot: number, answer: number, now: number): void {
    const app = this.app;
    const at = Math.max(app.requests.readyAt[slot], now);
    if (answer === FAILED) app.submit(slot, at);
    else this.lockDecided(slot, answer === DONE, at + app.shared!.roundTrip());
  }

  private lockDecided(slot: number, taken: boolean, at: number): void {
    const app = this.app;
    const r = app.requests;
    if (taken) {
      r.flags[slot] |= FLAG_HOLDS_LOCK;
      r.state[slot] = STATE_LOOKUP;
      app.alarm.at(at, slot * 8 + WAKE_SUBMIT);
    } else {
      r.state[slot] = STATE_WAITING;
      app.alarm.at(at + app.spec!.stampede.retry, slot * 8 + WAKE_RETRY);
    }
  }

  /** A lock waiter looks again at `now`: a hit is served; a miss goes for the lock again. */
  retry(slot: number, now: number): void {
    const app = this.app;
    const r = app.requests;
    const key = r.key[slot];
    if (this.protectsShared) {
      r.readyAt[slot] = now;
      const answer = app.shared!.lookup(slot, key, now);
      if (answer !== PENDING) this.retryAnswered(slot, answer, now);
      return;
    }
    const nodes = app.nodes!;
    const tier = nodes.local![r.node[slot]];
    const end = now + nodes.localLatency!.sample();
    const copy = tier.lookup(key, now);
    app.recorder.tierLookup(r.arrival[slot], 1, copy >= 0);
    if (copy >= 0) {
      this.servedOnRetry(slot, tier.version[copy], tier.staleSince[copy], now, end);
    } else {
      this.lockOrWait(slot, end);
    }
  }

  /** The shared tier answered a lock waiter's lookup at `now`. */
  retryAnswered(slot: number, answer: number, now: number): void {
    const app = this.app;
    const r = app.requests;
    const at = Math.max(r.readyAt[slot], now);
    if (answer === FAILED) {
      // The lock lives in the shared tier, which failed: no protection left.
      if (app.spec!.on_cache_error === 'fail') {
        app.reads.failRead(slot, at + app.shared!.roundTrip());
        r.release(slot);
      } else {
        app.submit(slot, at);
      }
      return;
    }
    let end = at + app.shared!.roundTrip();
    const nodes = app.nodes!;
    const local = nodes.local;
    if (local !== null) app.recorder.tierLookup(r.arrival[slot], 2, answer === DONE);
    if (answer !== DONE) {
      this.lockOrWait(slot, end);
      return;
    }
    if (local !== null) {
      local[r.node[slot]].fill(r.key[slot], r.size[slot], r.ttl[slot], r.version[slot], r.staleSince[slot], now);
      end += nodes.localLatency!.sample();
    }
    this.servedOnRetry(slot, r.version[slot], r.staleSince[slot], now, end);
  }

  private servedOnRetry(slot: number, version: number, staleSince: number, now: number, end: number): void {
    const app = this.app;
    const r = app.requests;
    const start = r.arrival[slot];
    app.served(start, r.key[slot], version, staleSince, now);
    app.recorder.readOutcome(start, true, r.size[slot]);
    app.recorder.readCompleted(start, end, true);
    app.reads.complete(slot);
  }

  /** A fetch is over (answered or failed): its lock is released, its key's flight ends; returns the first read that shared it, or -1. */
  release(slot: number): number {
    const app = this.app;
    const r = app.requests;
    const flags = r.flags[slot];
    if ((flags & (FLAG_HOLDS_LOCK | FLAG_LEADER)) === 0) return -1;
    const guard = this.guard!;
    const key = r.key[slot];
    r.flags[slot] = flags & FLAG_BACKGROUND;
    if ((flags & FLAG_HOLDS_LOCK) !== 0) {
      if (this.protectsShared) app.shared!.unlock(slot, key);
      else guard.locks.unlock(guard.cell(r.node[slot], key), slot);
    }
    if ((flags & FLAG_LEADER) === 0) return -1;
    guard.flight[guard.flightCell(r.node[slot], key)] = -1;
    const first = r.waiters[slot];
    r.waiters[slot] = -1;
    return first;
  }
}
