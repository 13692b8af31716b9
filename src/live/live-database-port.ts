import type { Application } from '../application/application.js';
import type { DatabasePort } from '../application/ports.js';
import { doubledLength, grownInt32 } from '../collections/typed-array-growth.js';
import type { RunRecorder } from '../metrics/run-recorder.js';
import { OP_GET } from '../workload/access-event.js';
import { type FlushedWrite, type LiveDatabase, QUERY_FAILED, QUERY_TIMED_OUT } from './live-database.js';
import type { SupersessionTimes } from './supersession-times.js';

export interface LiveDatabasePortSetup {
  recorder: RunRecorder;
  supersession: SupersessionTimes;
  now: () => number;
  /** A query failed or timed out (under on_db_error: fail outside a fault window the run stops). */
  onDbError: (message: string) => void;
  /** Something threw while the application took an answer: a bug, which stops the run. */
  onBug: (error: unknown) => void;
}

/**
 * The application's database on the wall clock when it is a real one: its queries go to PostgreSQL
 * (postgres-database.ts, with its pool, queue and timeout) and each one's outcome comes back to the
 * application when the query settles. (Against the model, a live run answers with the simulation's own
 * database model, its events on timers: engine/database-model.ts.) A read's
 * staleness clock starts when its version was superseded (SupersessionTimes). A write-behind batch is
 * one flush; one that fails goes back to its queue and is tried again (the application's retry).
 */
export class LiveDatabasePort implements DatabasePort {
  private app: Application | null = null;
  private database: LiveDatabase | null = null;
  /** DB reads in flight, by key: the herd (herd.duplicate_fetches). */
  private fetchesInFlight = new Int32Array(1024);

  constructor(private readonly setup: LiveDatabasePortSetup) {}

  attach(app: Application, database: LiveDatabase): void {
    this.app = app;
    this.database = database;
  }

  submit(slot: number, key: number, op: number, size: number, arrival: number, now: number): void {
    const s = this.setup;
    const isRead = op === OP_GET;
    s.recorder.dbSubmitted(now, isRead, arrival);
    if (isRead) {
      if (key >= this.fetchesInFlight.length) this.fetchesInFlight = grownInt32(this.fetchesInFlight, doubledLength(this.fetchesInFlight.length, key + 1));
      s.recorder.fetchStarted(++this.fetchesInFlight[key], arrival);
    }
    this.database!
      .query(key, isRead, (waitMs, inUse) => s.recorder.dbStarted(waitMs, inUse, s.now(), arrival), size)
      .then(
        (version) => {
          if (isRead) this.fetchesInFlight[key]--;
          this.settled(slot, key, isRead, arrival, version);
        },
        (error: unknown) => s.onBug(error),
      );
  }

  flush(slot: number, first: number, count: number, now: number): void {
    const s = this.setup;
    const queues = this.app!.writeBehind!.queues;
    const batch: FlushedWrite[] = new Array(count);
    for (let e = first, i = 0; e !== -1; e = queues.next[e], i++) batch[i] = { key: queues.key[e], version: queues.version[e], size: queues.size[e] };
    s.recorder.dbSubmitted(now, false, now);
    this.database!.flush((waitMs, inUse) => s.recorder.dbStarted(waitMs, inUse, s.now(), now), batch).then(
      (persisted) => {
        if (!persisted) s.recorder.errors++;
        this.answer(() => (persisted ? this.app!.queryDone(slot, 0, Number.POSITIVE_INFINITY, s.now()) : this.app!.queryFailed(slot, s.now())));
      },
      (error: unknown) => s.onBug(error),
    );
  }

  /** A query sent is the database's: it cannot be withdrawn. */
  withdraw(_slot: number): boolean {
    return false;
  }

  /** Staleness of reads in flight is taken when they return (SupersessionTimes). */
  superseded(_key: number, _version: number, _now: number): void {}

  private settled(slot: number, key: number, isRead: boolean, arrival: number, version: number): void {
    const s = this.setup;
    const now = s.now();
    if (version === QUERY_TIMED_OUT || version === QUERY_FAILED) {
      if (version === QUERY_TIMED_OUT) s.recorder.dbTimedOut(arrival);
      this.answer(() => this.app!.queryFailed(slot, now));
      s.onDbError(version === QUERY_TIMED_OUT ? `a ${isRead ? 'read' : 'write'} query timed out (database.timeout)` : `a ${isRead ? 'read' : 'write'} query failed`);
      return;
    }
    const staleSince = isRead && version >= 0 ? s.supersession.supersededAt(key, version) : Number.POSITIVE_INFINITY;
    this.answer(() => this.app!.queryDone(slot, version, staleSince, now));
  }

  private answer(take: () => void): void {
    try {
      take();
    } catch (error) {
      this.setup.onBug(error);
    }
  }
}
