import { analyzeTrace, type CurveMethod } from '../analysis/analyze-trace.js';
import { analysisMemoryModel } from '../analysis/memory-model-option.js';
import type { CacheSize } from '../analysis/policy-replay.js';
import type { TraceAnalysis } from '../analysis/trace-analysis.js';
import { InputError } from '../errors.js';
import { createPolicy } from '../policies/registry.js';
import type { TraceFormat } from '../scenario/scenario.js';
import { hasByteUnit, parseCount, parseSize } from '../scenario/units.js';
import { traceAnalysisSource } from '../analysis/trace-source.js';

export interface AnalyzeOptions {
  /** The trace's format (default `auto`: detected by name, then content). */
  format?: TraceFormat | 'auto';
  /** Cache sizes for the table, replays and Belady: numbers are entries; strings as `--sizes` reads them (`'10k'`, `'64MB'`). Default: powers of ten below the distinct keys. */
  sizes?: (number | string)[];
  /** Registered policies to replay at the sizes, e.g. `['lru', 'fifo', 'sieve']`. Default none. */
  policies?: string[];
  /** The miss-ratio curve: `'auto'` (default: exact up to 50M requests, then SHARDS at 1%), `'exact'`, or SHARDS. */
  curve?: 'auto' | 'exact' | { sampleRate: number } | { sampleSize: number };
  /** Compute Belady's optimum at the entry sizes (default true). */
  belady?: boolean;
  /** Find the smallest cache reaching this hit rate (default 0.8). */
  targetHitRate?: number;
  /** For the expected latency (defaults 5 and 0.2 ms). */
  dbLatencyMs?: number;
  cacheLatencyMs?: number;
  /** What a capacity in bytes counts: `'values'` (default), `'redis'` (Redis memory, Redis 7.0's constants) or a live run's result file (the constants it measured), as `--memory-model`. */
  memoryModel?: string;
  /** With Redis memory: the length of a key's name (default 24, or the live result's). */
  keyBytes?: number;
}

/**
 * Characterises a trace as `cachebench analyze` does — reuse, popularity, sizes, writes, the miss-ratio
 * curve, replays and a verdict — and resolves with the analysis `--json` would write. Rejects with an
 * InputError for a missing or malformed trace or an invalid option.
 */
export async function analyze(trace: string, options: AnalyzeOptions = {}): Promise<TraceAnalysis> {
  const format = options.format ?? 'auto';
  const sizes = options.sizes === undefined ? null : options.sizes.map(cacheSize);
  const policies = (options.policies ?? []).filter((name) => name !== 'belady');
  // Unknown names fail now, with the registry's list, before the trace is read.
  for (const name of policies) createPolicy(name, { capacity: 1, unit: 'entries', keySpaceHint: 1, seed: 1 });
  const targetHitRate = options.targetHitRate ?? 0.8;
  if (!(targetHitRate > 0 && targetHitRate <= 1)) throw new InputError(`targetHitRate: must be above 0 and at most 1, got ${targetHitRate}`);
  const dbLatencyMs = nonNegative('dbLatencyMs', options.dbLatencyMs ?? 5);
  const cacheLatencyMs = nonNegative('cacheLatencyMs', options.cacheLatencyMs ?? 0.2);
  return analyzeTrace(traceAnalysisSource(trace, format), {
    trace: { path: trace, format },
    method: curveMethod(options.curve ?? 'auto'),
    sizes,
    policies,
    belady: options.belady !== false,
    verdict: { targetHitRate, dbLatencyMs, cacheLatencyMs },
    memory: analysisMemoryModel(options.memoryModel ?? 'values', options.keyBytes, { model: 'memoryModel', keyBytes: 'keyBytes' }),
  });
}

function cacheSize(size: number | string): CacheSize {
  const parsed: CacheSize =
    typeof size === 'number'
      ? { value: size, unit: 'entries' }
      : hasByteUnit(size)
        ? { value: parseSize(size), unit: 'bytes' }
        : { value: parseCount(size), unit: 'entries' };
  if (!(Number.isInteger(parsed.value) && parsed.value >= 1)) {
    throw new InputError(`sizes: ${String(size)} is not a cache size; sizes are whole numbers ≥ 1, e.g. 100, '10k' or '64MB'`);
  }
  return parsed;
}

function curveMethod(curve: NonNullable<AnalyzeOptions['curve']>): CurveMethod {
  if (curve === 'auto' || curve === 'exact') return { kind: curve };
  if ('sampleRate' in curve) {
    if (!(curve.sampleRate > 0 && curve.sampleRate <= 1)) throw new InputError(`curve.sampleRate: must be above 0 and at most 1, got ${curve.sampleRate}`);
    return { kind: 'shards-fixed-rate', rate: curve.sampleRate };
  }
  if (!(Number.isInteger(curve.sampleSize) && curve.sampleSize >= 1)) {
    throw new InputError(`curve.sampleSize: must be a whole number of keys ≥ 1, got ${curve.sampleSize}`);
  }
  return { kind: 'shards-fixed-size', maxKeys: curve.sampleSize };
}

function nonNegative(name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new InputError(`${name}: must be a duration in ms ≥ 0, got ${value}`);
  return value;
}
