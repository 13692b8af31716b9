import { VersionLedger } from '../engine/version-ledger.js';
import type { RunRecorder } from '../metrics/run-recorder.js';
import type { RandomSource } from '../random/random-source.js';
import type { CacheSpec } from '../scenario/scenario.js';
import { OP_GET } from '../workload/access-event.js';
import type { AlarmPort, ApplicationNodes, DatabasePort, PubSubPort, SharedTierPort } from './ports.js';
import { ReadPath } from './read-path.js';
import { RequestTable, STATE_IN_DATABASE } from './request-table.js';
import { StampedeProtection } from './stampede-protection.js';
import { OP_FLUSH, WriteBehind } from './write-behind.js';
import { WritePath } from './write-path.js';

export { OP_FLUSH };

export interface ApplicationSetup {
  /** The cache's settings; null: the no-cache baseline (every request straight to the database). */
  spec: CacheSpec | null;
  /** The nodes and their local tiers; null exactly when `spec` is. */
  nodes: ApplicationNodes | null;
  /** The shared tier; null without one (local tiers only) and for the baseline. */
  shared: SharedTierPort | null;
  database: DatabasePort;
  /** Pub/sub invalidation's messages; null without it. */
  pubsub: PubSubPort | null;
  alarm: AlarmPort;
  recorder: RunRecorder;
  /** xfetch's draws. */
  random: RandomSource;
  /** Told each request's tag when it completes (served, failed, or acknowledged); absent: nobody asks. */
  completed?: (tag: number) => void;
  /**
   * When `version` of `key` was superseded, for a world whose answers can age between the moment they
   * were taken and the moment they are served (the wall clock: a fill's round trip); absent: every copy
   * is marked as it is superseded (the virtual clock), and an unmarked stale copy is a bug.
   */
  supersededAt?: (key: number, version: number) => number;
}

/** What the application's alarms are for: payload = slot × 8 + kind. */
export const WAKE_LOOKED_UP = 0;
export const WAKE_ACKNOWLEDGE = 1;
export const WAKE_SUBMIT = 2;
export const WAKE_RETRY = 3;
export const WAKE_FLUSH_DUE = 4;

/**
 * The application — its request paths through the tiers, its pattern, invalidation, stampede protection
 * and write-behind queues — as one state machine that performs no I/O and reads no clock (ports.ts).
 * The virtual clock (engine/timed-simulation.ts) and the wall clock (live/live-application.ts) drive the
 * same code: a run simulated and a run against Redis differ only in where answers come from.
 *
 * Each request arrives (`arrive`) at a node (the topology's routing); what it does next is in its path:
 * a read in read-path.ts (with stampede-protection.ts for what a hit or a miss does under each
 * protection), a write in write-path.ts (write-behind.ts for the queues). Values carry versions, so a
 * read is stale when its version is older than the newest acknowledged write at the moment it is served.
 */
export class Application {
  readonly requests = new RequestTable();
  readonly ledger = new VersionLedger();
  readonly recorder: RunRecorder;
  readonly spec: CacheSpec | null;
  readonly nodes: ApplicationNodes | null;
  readonly shared: SharedTierPort | null;
  readonly database: DatabasePort;
  readonly pubsub: PubSubPort | null;
  readonly alarm: AlarmPort;
  readonly reads: ReadPath;
  readonly writes: WritePath;
  readonly protection: StampedeProtection;
  readonly writeBehind: WriteBehind | null;
  /** Database fault windows open now (the world says): write-behind holds its flushes meanwhile. */
  databaseDown = 0;
  private readonly completedTag: ((tag: number) => void) | null;
  private readonly supersededAt: ((key: number, version: number) => number) | null;
  private keySpace = 0;

  constructor(setup: ApplicationSetup) {
    this.spec = setup.spec;
    this.nodes = setup.nodes;
    this.shared = setup.shared;
    this.database = setup.database;
    this.pubsub = setup.pubsub;
    this.alarm = setup.alarm;
    this.recorder = setup.recorder;
    this.completedTag = setup.completed ?? null;
    this.supersededAt = setup.supersededAt ?? null;
    this.protection = new StampedeProtection(this, setup.random);
    this.writeBehind = setup.spec?.pattern === 'write-behind' ? new WriteBehind(this, setup.spec.write_behind!) : null;
    this.reads = new ReadPath(this);
    this.writes = new WritePath(this);
  }

  /**
   * A request whose intended start is `start` arrives at `now` (the same moment on the virtual clock; on
   * the wall clock, a little later when the load driver runs behind: its latency counts from `start`).
   * `tag` comes back through `completed` when it is done.
   */
  arrive(start: number, key: number, op: number, size: number, ttl: number, tag = 0, now = start): void {
    if (key >= this.keySpace) this.ensureKeySpace(key + 1);
    this.recorder.arrival(start, op);
    if (this.nodes === null) {
      const slot = this.requests.allocate(start, key, op, size, ttl);
      this.requests.tag[slot] = tag;
      this.submit(slot, now);
    } else if (op === OP_GET) {
      this.reads.arrive(start, now, key, size, ttl, tag);
    } else {
      this.writes.arrive(start, now, key, op, size, ttl, tag);
    }
  }

  /** An alarm the application set (alarm.at) went off at `now`. */
  wake(payload: number, now: number): void {
    const slot = payload >> 3;
    switch (payload & 7) {
      case WAKE_LOOKED_UP:
        this.protection.missed(slot, now);
        break;
      case WAKE_ACKNOWLEDGE:
        this.writes.acknowledge(slot, now);
        break;
      case WAKE_SUBMIT:
        this.submit(slot, now);
        break;
      case WAKE_RETRY:
        this.protection.retry(slot, now);
        break;
      default:
        this.writeBehind!.flushDue(slot, now);
    }
  }

  /** The shared tier answered the request's lookup (PENDING earlier) at `now`. */
  sharedAnswered(slot: number, answer: number, now: number): void {
    this.reads.sharedAnswered(slot, answer, now);
  }

  /** The shared tier answered a fetched read's fill at `now`. */
  filled(slot: number, answer: number, now: number): void {
    this.reads.filled(slot, answer, now);
  }

  /** The shared tier answered a write's invalidation (or write-behind's take) at `now`. */
  written(slot: number, answer: number, now: number): void {
    this.writes.sharedWritten(slot, answer, now);
  }

  /** The shared tier answered a lock attempt at `now`. */
  lockAnswered(slot: number, answer: number, now: number): void {
    this.protection.lockAnswered(slot, answer, now);
  }

  /** Sends the request's query to the database. */
  submit(slot: number, now: number): void {
    const r = this.requests;
    r.submitted[slot] = now;
    r.state[slot] = STATE_IN_DATABASE;
    this.database.submit(slot, r.key[slot], r.op[slot], r.size[slot], r.arrival[slot], now);
  }

  /** The request's query returned at `now`: a read's version (and since when it is stale), or the version a write committed. */
  queryDone(slot: number, version: number, staleSince: number, now: number): void {
    const op = this.requests.op[slot];
    if (op === OP_FLUSH) this.writeBehind!.flushed(slot, now);
    else if (op === OP_GET) this.reads.fetched(slot, version, staleSince, now);
    else this.writes.committed(slot, version, now);
  }

  /** The request's query failed at `now`: refused (the database is down), timed out, or an error. */
  queryFailed(slot: number, now: number): void {
    const op = this.requests.op[slot];
    if (op === OP_FLUSH) this.writeBehind!.refused(slot, now);
    else if (op === OP_GET) {
      this.reads.failRead(slot, now);
      this.requests.release(slot);
    } else this.writes.fail(slot, now);
  }

  /** A pub/sub message about `version` of `key` reached `node` at `now`: it drops its older local copy. False: the node is down (the delivery is lost). */
  delivered(node: number, key: number, version: number, now: number): boolean {
    if (!this.nodes!.isUp(node)) return false;
    this.nodes!.local![node].dropOlder(key, version, now);
    return true;
  }

  /** A node crashes at `now`: its local tier is lost, and so are its write-behind writes not yet handed to the database. */
  crash(node: number, staysDown: boolean, now: number): void {
    const nodes = this.nodes;
    if (nodes === null) return; // the baseline has no nodes' caches to lose
    if (staysDown) nodes.setUp(node, false);
    nodes.local?.[node].clear();
    this.writeBehind?.crash(node, now);
  }

  restart(node: number): void {
    this.nodes?.setUp(node, true);
  }

  /** A read returns `version` of `key` at `now`; stale when older than the acknowledged truth. A negative version is a value not of this run's: no staleness known. */
  served(start: number, key: number, version: number, staleSince: number, now: number): void {
    if (version < this.ledger.acknowledged[key] && version >= 0) {
      let since = staleSince;
      if (since === Number.POSITIVE_INFINITY) {
        if (this.supersededAt === null) throw new Error(`application: stale copy of key ${key} was never marked`);
        since = this.supersededAt(key, version);
      }
      this.recorder.staleRead(start, Math.max(0, now - since));
    }
  }

  /** The request tagged `tag` is done. */
  completed(tag: number): void {
    if (this.completedTag !== null) this.completedTag(tag);
  }

  private ensureKeySpace(keySpace: number): void {
    this.ledger.ensureKeySpace(keySpace);
    this.protection.ensureKeySpace(keySpace);
    this.writeBehind?.ensureKeySpace(keySpace);
    this.keySpace = this.ledger.committed.length;
  }
}
