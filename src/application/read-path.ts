import { OP_GET } from '../workload/access-event.js';
import type { Application } from './application.js';
import { WAKE_LOOKED_UP } from './application.js';
import { DONE, FAILED, PENDING } from './ports.js';
import { FLAG_BACKGROUND, FLAG_LEADER, STATE_LOOKUP } from './request-table.js';

/**
 * What a read does (docs/scenario-reference.md, "Patterns"). It reaches a node and looks up the node's
 * local tier, then the shared tier; a hit is served from the cached copy (a shared-tier hit also fills
 * the local tier). Lookups see the cache as of the moment they are made and add their round trips to
 * the read's response time. A miss goes to the database — or, under stampede protection, waits for a
 * fetch already in flight or for a lock (stampede-protection.ts, which also says what a hit does under
 * refresh-ahead, stale-while-revalidate and xfetch). The query reads the committed version; its result
 * fills the shared tier — cache-aside: the application SETs it after serving the read, one more round
 * trip before the read completes; read-through and the write patterns: the cache fills itself, never
 * older over newer, and answers with the newer copy when it holds one — and then the local tier.
 */
export class ReadPath {
  /** Whether a miss's fill is mediated by the cache (read-through, write-through, write-behind): never older over newer. */
  private readonly mediated: boolean;
  /** Whether the cache-aside application fills the shared tier itself (one more round trip on a miss's path). */
  private readonly applicationFills: boolean;

  /**
   * A slot of its own that a read takes while a shared tier that answers at once (answersAtOnce) looks
   * it up: a hit completes in it and frees nothing; a miss moves to a slot of its own. So a hit
   * allocates nothing.
   */
  private readonly probe: number;

  constructor(private readonly app: Application) {
    const pattern = app.spec?.pattern;
    this.mediated = pattern !== undefined && pattern !== 'cache-aside';
    this.applicationFills = pattern === 'cache-aside';
    this.probe = app.requests.allocate(0, 0, OP_GET, 0, 0);
  }

  arrive(start: number, now: number, key: number, size: number, ttl: number, tag: number): void {
    const app = this.app;
    const recorder = app.recorder;
    const nodes = app.nodes!;
    const node = nodes.route(key);
    if (node < 0) {
      recorder.readOutcome(start, false, size);
      recorder.requestFailed(start, now, true);
      app.completed(tag);
      return;
    }
    let latency = 0;
    const local = nodes.local;
    const shared = app.shared;
    if (local !== null) {
      const tier = local[node];
      latency += nodes.localLatency!.sample();
      const copy = tier.lookup(key, now);
      recorder.tierLookup(start, 1, copy >= 0);
      if (
        copy >= 0 &&
        (shared !== null || !app.protection.hitsConsult || app.protection.hitIsServed(tier.freshUntil[copy], tier.fetchMs[copy], true, node, key, now, size, ttl))
      ) {
        this.hitServed(start, key, tier.version[copy], tier.staleSince[copy], size, now, now + latency);
        app.completed(tag);
        return;
      }
    }
    const r = app.requests;
    const slot = shared?.answersAtOnce === true ? this.probe : r.allocate(start, key, OP_GET, size, ttl);
    if (slot === this.probe) {
      r.arrival[slot] = start;
      r.key[slot] = key;
      r.size[slot] = size;
      r.ttl[slot] = ttl;
    } else {
      r.state[slot] = STATE_LOOKUP;
    }
    r.node[slot] = node;
    r.tag[slot] = tag;
    r.readyAt[slot] = now + latency;
    if (shared === null) {
      app.alarm.at(now + latency, slot * 8 + WAKE_LOOKED_UP);
      return;
    }
    const answer = shared.lookup(slot, key, now);
    if (answer !== PENDING) this.sharedAnswered(slot, answer, now);
  }

  /** The shared tier answered the lookup at `now`: a hit is served (and fills the local tier); a miss (or a failed lookup, under fallback) goes on to the database. */
  sharedAnswered(looked: number, answer: number, now: number): void {
    const app = this.app;
    const r = app.requests;
    let slot = looked;
    const nodes = app.nodes!;
    const local = nodes.local;
    let at = Math.max(r.readyAt[slot], now) + app.shared!.roundTrip();
    const start = r.arrival[slot];
    if (answer === FAILED) {
      if (app.spec!.on_cache_error === 'fail') {
        app.recorder.readOutcome(start, false, r.size[slot]);
        app.recorder.requestFailed(start, at, true);
        this.complete(slot);
        return;
      }
    } else {
      const hit = answer === DONE;
      if (local !== null) app.recorder.tierLookup(start, 2, hit);
      const node = r.node[slot];
      const key = r.key[slot];
      if (hit && (!app.protection.hitsConsult || app.protection.hitIsServed(r.freshUntil[slot], r.fetchMs[slot], false, node, key, now, r.size[slot], r.ttl[slot]))) {
        if (local !== null) {
          local[node].fill(key, r.size[slot], r.ttl[slot], r.version[slot], r.staleSince[slot], now);
          at += nodes.localLatency!.sample();
        }
        this.hitServed(start, key, r.version[slot], r.staleSince[slot], r.size[slot], now, at);
        this.complete(slot);
        return;
      }
    }
    if (slot === this.probe) slot = this.moveOutOfProbe();
    r.state[slot] = STATE_LOOKUP;
    app.alarm.at(at, slot * 8 + WAKE_LOOKED_UP);
  }

  /** The read in the probe slot missed: it goes on in a slot of its own. */
  private moveOutOfProbe(): number {
    const r = this.app.requests;
    const probe = this.probe;
    const slot = r.allocate(r.arrival[probe], r.key[probe], OP_GET, r.size[probe], r.ttl[probe]);
    r.node[slot] = r.node[probe];
    r.tag[slot] = r.tag[probe];
    r.readyAt[slot] = r.readyAt[probe];
    return slot;
  }

  private hitServed(start: number, key: number, version: number, staleSince: number, size: number, now: number, end: number): void {
    const recorder = this.app.recorder;
    this.app.served(start, key, version, staleSince, now);
    recorder.readOutcome(start, true, size);
    recorder.readCompleted(start, end, true);
  }

  /** The read's query returned `version` at `now`: fill the shared tier (or, without one, go on to the local tier). */
  fetched(slot: number, version: number, staleSince: number, now: number): void {
    const app = this.app;
    const r = app.requests;
    r.version[slot] = version;
    r.staleSince[slot] = staleSince;
    r.readyAt[slot] = now;
    // Cache-aside serves the read when its query returns, before the SET; a mediating cache serves it with its fill's answer.
    if (!this.mediated) this.judge(slot, now);
    const shared = app.shared;
    if (shared === null) {
      this.filled(slot, DONE, now);
      return;
    }
    r.state[slot] = STATE_LOOKUP;
    const answer = shared.fill(slot, r.key[slot], r.size[slot], r.ttl[slot], this.mediated, now, now - r.submitted[slot]);
    if (answer !== PENDING) this.filled(slot, answer, now);
  }

  /**
   * The shared tier answered the fill at `now` (without a shared tier: the query returned): the local
   * tier is filled, the read is served — with the newer copy a mediating cache answered with — and so are
   * the reads that shared its fetch; a background refresh just renews the copy and ends.
   */
  filled(slot: number, answer: number, now: number): void {
    const app = this.app;
    const r = app.requests;
    const recorder = app.recorder;
    const nodes = app.nodes;
    const key = r.key[slot];
    const fetchedAt = r.readyAt[slot];
    let end = now;
    const background = (r.flags[slot] & FLAG_BACKGROUND) !== 0;
    if (nodes !== null) {
      const shared = app.shared;
      if (shared !== null && this.applicationFills && (answer === FAILED || !background)) end += shared.roundTrip();
      if (answer === FAILED && !background && app.spec!.on_cache_error === 'fail') {
        // The fill failed, and a failed cache operation fails its request: the read (and those sharing its fetch) fail.
        this.failRead(slot, end);
        r.release(slot);
        return;
      }
      const local = nodes.local;
      const node = r.node[slot];
      // A background refresh renews the protected copy only: the shared one, or the node's own without a shared tier.
      if (local !== null && nodes.isUp(node) && !(background && shared !== null)) {
        const tier = local[node];
        const version = r.version[slot];
        if (!this.mediated || !tier.holdsNewer(key, version, now)) {
          tier.fill(key, r.size[slot], r.ttl[slot], version, r.staleSince[slot], now, fetchedAt - r.submitted[slot]);
          if (!background) end += nodes.localLatency!.sample();
        }
      }
      if (background) {
        app.protection.refreshEnded(slot);
        r.release(slot);
        return;
      }
    }
    if (this.mediated) this.judge(slot, now);
    recorder.readOutcome(r.arrival[slot], false, r.size[slot]);
    recorder.readCompleted(r.arrival[slot], end, false);
    // The reads that shared this fetch get the same answer at the same time.
    for (let w = app.protection.release(slot); w !== -1; ) {
      const next = r.chain[w];
      recorder.readOutcome(r.arrival[w], false, r.size[w]);
      recorder.readCompleted(r.arrival[w], end, false);
      this.complete(w);
      w = next;
    }
    this.complete(slot);
  }

  /** The fetched read — and the reads sharing its fetch — is served at `now`: stale or not, by the truth of that moment. */
  private judge(slot: number, now: number): void {
    const app = this.app;
    const r = app.requests;
    if ((r.flags[slot] & FLAG_BACKGROUND) !== 0) return;
    const key = r.key[slot];
    const version = r.version[slot];
    const staleSince = r.staleSince[slot];
    app.served(r.arrival[slot], key, version, staleSince, now);
    if ((r.flags[slot] & FLAG_LEADER) === 0) return;
    for (let w = r.waiters[slot]; w !== -1; w = r.chain[w]) app.served(r.arrival[w], key, version, staleSince, now);
  }

  /** A read failed at `end` (database down, timed out, the cache down under on_cache_error: fail): so do the reads sharing its fetch; its lock is released. The caller frees its slot. */
  failRead(slot: number, end: number): void {
    const app = this.app;
    const r = app.requests;
    const recorder = app.recorder;
    if ((r.flags[slot] & FLAG_BACKGROUND) !== 0) {
      app.protection.refreshEnded(slot);
      return;
    }
    recorder.readOutcome(r.arrival[slot], false, r.size[slot]);
    recorder.requestFailed(r.arrival[slot], end, true);
    for (let w = app.protection.release(slot); w !== -1; ) {
      const next = r.chain[w];
      recorder.readOutcome(r.arrival[w], false, r.size[w]);
      recorder.requestFailed(r.arrival[w], end, true);
      this.complete(w);
      w = next;
    }
    app.completed(r.tag[slot]);
  }

  /** The read is done: its driver is told, its slot freed (the probe's stays the probe's). */
  complete(slot: number): void {
    const r = this.app.requests;
    this.app.completed(r.tag[slot]);
    if (slot !== this.probe) r.release(slot);
  }
}
