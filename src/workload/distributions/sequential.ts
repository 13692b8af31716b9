import type { KeyDistribution } from './key-distribution.js';

/**
 * Keys 0, 1, 2, …, N−1, 0, 1, … (YCSB's SequentialGenerator): a scan, the classic pattern that
 * defeats LRU once the keyspace exceeds the cache. Reads and writes share one cursor.
 */
export class SequentialKeys implements KeyDistribution {
  private cursor = 0;

  constructor(readonly keySpace: number) {}

  nextKey(): number {
    const key = this.cursor;
    this.cursor = key + 1 === this.keySpace ? 0 : key + 1;
    return key;
  }

  nextWriteKey(): number {
    return this.nextKey();
  }
}
