import { AccessBatch, type AccessStream } from './access-event.js';
import { WrappedStream } from './wrapped-stream.js';
import { MACHINE_SALT, type ShardSpec, shardOfKey } from './key-shard.js';

/**
 * One shard of a stream: exactly the events whose key belongs to `shard` (see shardOfKey), in their
 * order, with their times, ops, sizes and TTLs untouched. Every shard generates (or reads) the whole
 * seeded stream and keeps its part, so the shards of one workload are disjoint and together are exactly
 * the unsharded stream — whatever the distribution, including ones whose keyspace grows (`latest`).
 *
 * Allocation-free per event: the inner stream fills one reused batch, and the kept events are copied
 * column by column into the caller's batch.
 */
export class ShardedStream extends WrappedStream {
  private inner: AccessBatch | null = null;
  /** The next unread event of `inner`. */
  private cursor = 0;
  private ended = false;

  constructor(
    source: AccessStream,
    readonly shard: ShardSpec,
    /** MACHINE_SALT for `--shard`, THREAD_SALT for a live run's worker threads. */
    private readonly salt = MACHINE_SALT,
  ) {
    super(source);
  }

  next(batch: AccessBatch): number {
    // Sized like the caller's batch on first use, so each refill costs one inner pull.
    if (this.inner === null) this.inner = new AccessBatch(batch.capacity);
    const inner = this.inner;
    const { index, count } = this.shard;
    const capacity = batch.capacity;
    let n = 0;
    while (n < capacity) {
      if (this.cursor >= inner.length) {
        if (this.ended) break;
        this.cursor = 0;
        if (this.source.next(inner) === 0) {
          this.ended = true;
          break;
        }
      }
      const length = inner.length;
      const keys = inner.key;
      let i = this.cursor;
      for (; i < length && n < capacity; i++) {
        const key = keys[i];
        if (shardOfKey(key, count, this.salt) !== index) continue;
        batch.time[n] = inner.time[i];
        batch.key[n] = key;
        batch.op[n] = inner.op[i];
        batch.size[n] = inner.size[i];
        batch.ttl[n] = inner.ttl[i];
        n++;
      }
      this.cursor = i;
    }
    batch.length = n;
    return n;
  }
}
