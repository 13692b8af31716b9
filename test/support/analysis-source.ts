import { readFileSync } from 'node:fs';
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

let cloudPhysics: { keys: Int32Array; sizes: Int32Array; times: Float64Array } | null = null;

/** The CloudPhysics fixture, keys mapped to dense ids in order of first appearance (as the CSV reader does). */
export function readCloudPhysics(): { keys: Int32Array; sizes: Int32Array; times: Float64Array } {
  if (cloudPhysics !== null) return cloudPhysics;
  const lines = readFileSync(new URL('../fixtures/cloudphysics.csv', import.meta.url), 'utf8')
    .trim()
    .split('\n');
  const header = lines[0].split(',');
  const [timeColumn, keyColumn, sizeColumn] = ['timestamp', 'key', 'size'].map((name) => header.indexOf(name));
  const ids = new Map<string, number>();
  const keys = new Int32Array(lines.length - 1);
  const sizes = new Int32Array(lines.length - 1);
  const times = new Float64Array(lines.length - 1);
  for (let i = 1; i < lines.length; i++) {
    const fields = lines[i].split(',');
    let id = ids.get(fields[keyColumn]);
    if (id === undefined) {
      id = ids.size;
      ids.set(fields[keyColumn], id);
    }
    keys[i - 1] = id;
    sizes[i - 1] = Number(fields[sizeColumn]);
    times[i - 1] = Number(fields[timeColumn]);
  }
  cloudPhysics = { keys, sizes, times };
  return cloudPhysics;
}
