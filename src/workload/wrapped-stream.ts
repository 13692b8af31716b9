import type { AccessBatch, AccessStream, TraceSkips } from './access-event.js';

/**
 * A stream over another that changes only what `next` hands out (a shard's share of it, a progress
 * report on the way): the keyspace, clock, key names, trace statistics and closing are the source's.
 */
export abstract class WrappedStream implements AccessStream {
  /** Present when the source has it (traces): what the reader skipped, over the whole stream. */
  readonly traceStats?: () => TraceSkips;

  constructor(protected readonly source: AccessStream) {
    if (source.traceStats !== undefined) this.traceStats = () => source.traceStats!();
  }

  abstract next(batch: AccessBatch): number;

  get keySpace(): number {
    return this.source.keySpace;
  }

  get timed(): boolean {
    return this.source.timed;
  }

  keyName(id: number): string {
    return this.source.keyName(id);
  }

  close(): void {
    this.source.close();
  }
}
