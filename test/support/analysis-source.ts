
import type { AnalysisSource } from '../../src/analysis/analyze-trace.js';
import { type AccessBatch, type AccessStream, OP_DELETE, OP_GET, OP_SET } from '../../src/workload/access-event.js';

/** A trace held in arrays: hand-built traces for the analysis tests. */
export interface ArrayTrace {
  keys: ArrayLike<number>;
  /** 'get' | 'set' | 'delete' per request; all gets when absent. */
  ops?: ArrayLike<string>;
  sizes?: ArrayLike<number>;
  times?: ArrayLike<number>;
}

const OPS: Record<string, number> = { get: OP_GET, set: OP_SET, delete: OP_DELETE };

/** An AnalysisSource over an ArrayTrace; call again for a second pass. */
export function arraySource(trace: ArrayTrace): () => AnalysisSource {
  return () => {
    let at = 0;
    return {
      next(batch: AccessBatch): number {
        let n = 0;
        while (n < batch.capacity && at < trace.keys.length) {
          batch.key[n] = trace.keys[at];
          batch.op[n] = trace.ops === undefined ? OP_GET : OPS[trace.ops[at]];
          batch.size[n] = trace.sizes === undefined ? 1 : trace.sizes[at];
          batch.time[n] = trace.times === undefined ? at : trace.times[at];
          batch.ttl[n] = 0;
          at++;
          n++;
        }
        batch.length = n;
        return n;
      },
      close() {},
    };
  };
}

/** An AnalysisSource over an access stream made fresh for each pass. */
export function streamSource(makeStream: () => AccessStream): () => AnalysisSource {
  return makeStream;
}

export { readCloudPhysics } from './cloudphysics-trace.js';
