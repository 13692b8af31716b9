import path from 'node:path';
import type { DelimitedTraceSpec, TraceFormat } from '../scenario/scenario.js';
import type { AccessBatch } from '../workload/access-event.js';
import { openTraceReader } from '../workload/trace/trace-reader.js';
import type { AnalysisSource } from './analyze-trace.js';

/**
 * Opens `file` (as written, for messages, unless `displayName` says otherwise) afresh for each pass the
 * analysis makes over it; timestamps must not go back. `delimited` is the column mapping of a delimited trace.
 */
export function traceAnalysisSource(
  file: string,
  format: TraceFormat | 'auto',
  options: { delimited?: DelimitedTraceSpec; displayName?: string } = {},
): () => AnalysisSource {
  const absolute = path.resolve(file);
  return () => {
    const reader = openTraceReader(absolute, format, {
      displayName: options.displayName ?? file,
      requireOrderedTimestamps: true,
      ...(options.delimited === undefined ? {} : { delimited: options.delimited }),
    });
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
