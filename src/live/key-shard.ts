import { AccessBatch, type AccessStream, type TraceSkips } from '../workload/access-event.js';

/**
 * Which of `shards` event loops owns a key: murmur3's 32-bit finaliser over the key id, modulo the count.
 * Splitting a live run by key (not round-robin) keeps every request of a key in one thread, in order, so
 * the key's truth (version ledger, supersession times) and its in-flight fetches live in one place and
 * staleness and herd metrics mean exactly what they mean in one thread.
 */
export function shardOfKey(key: number, shards: number): number {
  let h = Math.imul(key ^ (key >>> 16), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % shards;
}

/**
 * The events of `source` whose key belongs to shard `index` of `count`, in their order. Each worker
 * thread reads the whole workload (the generator is seeded, a trace is the same file) and keeps its
 * part, so the parts are disjoint and together are exactly the one-thread stream, without the threads
 * exchanging events.
 */
export class KeyShardStream implements AccessStream {
  private readonly pulled = new AccessBatch(4096);
  private cursor = 0;
  private ended = false;
  readonly traceStats?: () => TraceSkips;

  constructor(
    private readonly source: AccessStream,
    private readonly index: number,
    private readonly count: number,
  ) {
    if (source.traceStats !== undefined) this.traceStats = () => source.traceStats!();
  }

  get keySpace(): number {
    return this.source.keySpace;
  }

  get timed(): boolean {
    return this.source.timed;
  }

  next(batch: AccessBatch): number {
    const from = this.pulled;
    const { index, count } = this;
    let n = 0;
    while (n < batch.capacity) {
      if (this.cursor >= from.length) {
        if (this.ended || this.source.next(from) === 0) {
          this.ended = true;
          break;
        }
        this.cursor = 0;
      }
      const i = this.cursor++;
      const key = from.key[i];
      if (shardOfKey(key, count) !== index) continue;
      batch.time[n] = from.time[i];
      batch.key[n] = key;
      batch.op[n] = from.op[i];
      batch.size[n] = from.size[i];
      batch.ttl[n] = from.ttl[i];
      n++;
    }
    batch.length = n;
    return n;
  }

  keyName(id: number): string {
    return this.source.keyName(id);
  }

  close(): void {
    this.source.close();
  }
}
