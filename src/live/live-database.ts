/**
 * A real database behind a live run (PostgreSQL: postgres-database.ts), as live-database-port.ts sees it:
 * a pool of `max_concurrency` connections with a FIFO queue beyond it and the scenario's timeout, as the
 * database model has (engine/database-model.ts); what differs is where a query's time and version come from.
 */
export interface LiveDatabase {
  /**
   * Resolves with the version read (reads) or committed (writes), QUERY_TIMED_OUT, QUERY_FAILED or
   * VERSION_UNKNOWN. `onStarted` is told when the query gets a connection, after waiting `waitMs`, with
   * `inUse` connections now busy. `size` is the value's size in bytes (a write's payload).
   */
  query(key: number, isRead: boolean, onStarted: (waitMs: number, inUse: number) => void, size?: number): Promise<number>;
  /**
   * A write-behind flush: one write query for a whole batch; resolves when it completes, true when the
   * batch is persisted. The caller records the batch's versions as persisted.
   */
  flush(onStarted: (waitMs: number, inUse: number) => void, batch: readonly FlushedWrite[]): Promise<boolean>;
}

/** One write of a write-behind batch. */
export interface FlushedWrite {
  key: number;
  version: number;
  size: number;
}

/** What a query returned instead of a version. */
export const QUERY_TIMED_OUT = -1;
/** The query failed: the server's error, a lost connection, or no statement for it. */
export const QUERY_FAILED = -2;
/** The query succeeded, but its result carries no version (a user's statement without a `version` column). */
export const VERSION_UNKNOWN = -3;
