import { type AccessBatch, type AccessStream, OP_DELETE, OP_GET, OP_SET } from '../../src/workload/access-event.js';

export interface ListedEvent {
  t: number;
  key: number;
  op: 'get' | 'set' | 'delete';
  size?: number;
  ttl?: number;
}

/** An AccessStream over a literal list of events: hand-derivable engine tests. */
export class EventListStream implements AccessStream {
  private position = 0;
  keySpace = 0;

  constructor(
    private readonly events: ListedEvent[],
    readonly timed = true,
  ) {}

  next(batch: AccessBatch): number {
    let n = 0;
    while (n < batch.capacity && this.position < this.events.length) {
      const e = this.events[this.position++];
      batch.time[n] = e.t;
      batch.key[n] = e.key;
      batch.op[n] = e.op === 'get' ? OP_GET : e.op === 'set' ? OP_SET : OP_DELETE;
      batch.size[n] = e.size ?? 1;
      batch.ttl[n] = e.ttl ?? 0;
      if (e.key >= this.keySpace) this.keySpace = e.key + 1;
      n++;
    }
    batch.length = n;
    return n;
  }

  keyName(id: number): string {
    return String(id);
  }

  close(): void {}
}

/** Gets of keys 0, 1, 2, … at `times` (ms), the key space known from the start: a schedule to drive. */
export function getsAt(times: number[]): EventListStream {
  const stream = new EventListStream(times.map((t, key) => ({ t, key, op: 'get' as const })));
  stream.keySpace = times.length;
  return stream;
}
