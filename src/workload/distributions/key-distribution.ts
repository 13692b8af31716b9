/**
 * A key distribution chooses which key each request touches. Keys are dense integer ids in
 * [0, keySpace). Reads (and deletes) and writes are asked separately because one distribution,
 * YCSB's "latest", makes a write insert a new key rather than pick an existing one.
 */
export interface KeyDistribution {
  /** The key for a get or a delete. */
  nextKey(): number;
  /** The key for a set. Every distribution but `latest` draws it exactly like `nextKey`. */
  nextWriteKey(): number;
  /** One more than the largest key id this distribution can return so far. */
  readonly keySpace: number;
}
