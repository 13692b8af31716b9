import type { WorkloadSpec } from '../scenario/scenario.js';
import type { AccessStream } from './access-event.js';
import { ShardedStream } from './sharded-stream.js';
import { SyntheticWorkload } from './synthetic-workload.js';
import { TraceWorkload } from './trace/trace-workload.js';

/**
 * The access stream a workload spec describes. Deterministic: the same (spec, seed) gives the same
 * stream every time, which is how the engine replays one workload with the cache and again without it
 * (the baseline). With `spec.shard`, only that shard's part of the same stream. Throws InputError for specs
 * or trace files that cannot be used.
 */
export function createWorkload(spec: WorkloadSpec, seed: number): AccessStream {
  const stream = spec.kind === 'synthetic' ? new SyntheticWorkload(spec, seed) : new TraceWorkload(spec, seed);
  return spec.shard === undefined ? stream : new ShardedStream(stream, spec.shard);
}
