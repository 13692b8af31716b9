import { OP_DELETE } from '../workload/access-event.js';
import type { Application } from './application.js';
import { WAKE_ACKNOWLEDGE } from './application.js';
import { DONE, FAILED, PENDING } from './ports.js';
import { FLAG_TAKEN_BY_CACHE, STATE_ACKING, STATE_LOOKUP } from './request-table.js';

/**
 * What a write does (docs/scenario-reference.md, "Patterns" and "Invalidation"). Cache-aside,
 * read-through and write-through write to the database first; once committed, the writer's cached
 * copies are deleted or updated (`update`, write-through: the new value; one round trip to the shared
 * tier) — the writer's tiers only; other nodes' local tiers learn of it by pub/sub, if at all — and the
 * write is acknowledged. Under write-behind the cache takes the write (a new version, ahead of the
 * database) and acknowledges it at once; the node's queue flushes it later, in batches (write-behind.ts).
 * A shared tier that fails keeps its old copy (on_cache_error: fallback) or fails the write (fail); a
 * write-behind write the cache cannot take is written through to the database instead.
 */
export class WritePath {
  /** Whether writes put the value into the writer's tiers (update, write-through, write-behind) rather than deleting it. */
  private readonly writesTheValue: boolean;
  private writesSeen = false;

  constructor(private readonly app: Application) {
    const spec = app.spec;
    this.writesTheValue = spec !== null && (spec.pattern === 'write-through' || spec.pattern === 'write-behind' || spec.invalidation === 'update');
  }

  arrive(start: number, now: number, key: number, op: number, size: number, ttl: number, tag: number): void {
    const app = this.app;
    const nodes = app.nodes!;
    if (!this.writesSeen) {
      this.writesSeen = true;
      app.shared?.writesBegin();
      for (const tier of nodes.local ?? []) tier.writesSeen = true;
    }
    const node = nodes.route(key);
    if (node < 0) {
      app.recorder.requestFailed(start, now, false);
      app.completed(tag);
      return;
    }
    const r = app.requests;
    const slot = r.allocate(start, key, op, size, ttl);
    r.node[slot] = node;
    r.tag[slot] = tag;
    if (app.writeBehind === null) app.submit(slot, now);
    else app.writeBehind.admit(slot, now);
  }

  /** Write-behind: the cache takes the write — a new version, ahead of the database — into the writer's tiers. */
  take(slot: number, now: number): void {
    const r = this.app.requests;
    r.version[slot] = this.app.ledger.issue(r.key[slot]);
    r.flags[slot] |= FLAG_TAKEN_BY_CACHE;
    this.writeTiers(slot, now);
  }

  /** A synchronous write committed `version` at `now`: invalidate or update the writer's copies, tell the other nodes, then acknowledge. */
  committed(slot: number, version: number, now: number): void {
    const app = this.app;
    app.requests.version[slot] = version;
    if (app.nodes === null || app.spec!.invalidation === 'ttl-only') {
      this.acknowledge(slot, now);
      return;
    }
    this.writeTiers(slot, now);
  }

  /** The write's effect on the shared tier: DEL or SET (or the fill script), one round trip. */
  private writeTiers(slot: number, now: number): void {
    const app = this.app;
    const r = app.requests;
    r.readyAt[slot] = now;
    const shared = app.shared;
    if (shared === null) {
      this.sharedWritten(slot, DONE, now);
      return;
    }
    r.state[slot] = STATE_LOOKUP;
    const answer = shared.write(slot, r.key[slot], this.removes(slot), r.size[slot], r.ttl[slot], now);
    if (answer !== PENDING) this.sharedWritten(slot, answer, now);
  }

  private removes(slot: number): boolean {
    return this.app.requests.op[slot] === OP_DELETE || !this.writesTheValue;
  }

  /** The shared tier answered the write at `now` (DONE without one): the node's local tier, pub/sub, then the acknowledgement. */
  sharedWritten(slot: number, answer: number, now: number): void {
    const app = this.app;
    const r = app.requests;
    const shared = app.shared;
    const taken = (r.flags[slot] & FLAG_TAKEN_BY_CACHE) !== 0;
    let at = Math.max(r.readyAt[slot], now);
    if (answer === FAILED) {
      if (taken) app.writeBehind!.notTaken(r.node[slot], at);
      if (app.spec!.on_cache_error === 'fail') {
        this.fail(slot, at + shared!.roundTrip());
        return;
      }
      if (taken) {
        // The cache cannot take it: written through to the database instead.
        r.flags[slot] &= ~FLAG_TAKEN_BY_CACHE;
        app.submit(slot, at);
        return;
      }
    }
    if (shared !== null) at += shared.roundTrip();
    const key = r.key[slot];
    const node = r.node[slot];
    const version = r.version[slot];
    const nodes = app.nodes!;
    if (nodes.local !== null) {
      at += nodes.localLatency!.sample();
      const tier = nodes.local[node];
      if (this.removes(slot)) tier.invalidate(key);
      else tier.update(key, r.size[slot], r.ttl[slot], version, now);
    }
    if (taken) app.writeBehind!.enqueue(node, key, version, r.size[slot], now);
    app.pubsub?.publish(node, key, version, now);
    r.state[slot] = STATE_ACKING;
    app.alarm.at(at, slot * 8 + WAKE_ACKNOWLEDGE);
    if (taken) app.writeBehind!.maybeFlush(node, now);
  }

  /** The write is acknowledged at `now`: when that advances the truth, every older copy — cached, queued, or being read — is stale from now on. */
  acknowledge(slot: number, now: number): void {
    const app = this.app;
    const r = app.requests;
    const key = r.key[slot];
    const version = r.version[slot];
    if (app.ledger.acknowledge(key, version, now)) {
      const nodes = app.nodes;
      if (nodes !== null) {
        app.shared?.superseded(key, version, now);
        const local = nodes.local;
        if (local !== null) for (let n = 0; n < local.length; n++) local[n].superseded(key, version, now);
        app.writeBehind?.superseded(key, version, now);
      }
      app.database.superseded(key, version, now);
    }
    app.recorder.writeCompleted(r.arrival[slot], now);
    app.completed(r.tag[slot]);
    r.release(slot);
  }

  /** The write fails at `end`: its query was refused or timed out, or the shared tier failed under on_cache_error: fail. */
  fail(slot: number, end: number): void {
    const app = this.app;
    const r = app.requests;
    app.recorder.requestFailed(r.arrival[slot], end, false);
    app.completed(r.tag[slot]);
    r.release(slot);
  }
}
