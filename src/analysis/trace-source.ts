import path from 'node:path';
import type { TraceFormat } from '../scenario/scenario.js';
import type { AccessBatch } from '../workload/access-event.js';
import { openTraceReader } from '../workload/trace/trace-reader.js';
import type { AnalysisSource } from './analyze-trace.js';

/** Opens `file` (as written, for messages) afresh for each pass the analysis makes over it; timestamps must not go back. */
export function traceAnalysisSource(file: string, format: TraceFormat | 'auto'): () => AnalysisSource {
  const absolute = path.resolve(file);
  return () => {
    const reader = openTraceReader(absolute, format, { displayName: file, requireOrderedTimestamps: true });
    return {
      next: (batch: AccessBatch) => {
        const n = reader.read(batch, batch.capacity);
        batch.length = n;
        return n;
      },
      close: () => reader.close(),
    };
  };
}
