import { CanonicalTraceWriter, type TraceTextSink } from '../record/canonical-trace-writer.js';
import type { WorkloadSpec } from '../scenario/scenario.js';
import { AccessBatch, type Op } from './access-event.js';
import { createWorkload } from './create-workload.js';

/**
 * Writes a run's workload — the exact stream of requests it replays, seeded — as a canonical CSV trace
 * (`run --trace-out`), so `analyze` can characterise a generated workload as it does a recorded one.
 * Keys are written as the stream names them (a synthetic key is its id); a TTL of 0 is none (empty).
 * Returns the number of requests written.
 */
export function exportWorkloadTrace(workload: WorkloadSpec, seed: number, sink: TraceTextSink): number {
  const stream = createWorkload(workload, seed);
  const writer = new CanonicalTraceWriter(sink);
  const batch = new AccessBatch(4096);
  let written = 0;
  try {
    for (let n = stream.next(batch); n > 0; n = stream.next(batch)) {
      const { time, key, op, size, ttl } = batch;
      for (let i = 0; i < n; i++) writer.write(time[i], stream.keyName(key[i]), op[i] as Op, size[i], ttl[i] > 0 ? ttl[i] : null);
      written += n;
    }
    writer.close();
  } catch (error) {
    writer.abandon();
    throw error;
  } finally {
    stream.close();
  }
  return written;
}
