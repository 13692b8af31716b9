import type { RedisMemorySpec } from '../scenario/scenario.js';
import type { ApproximateCurve } from './miniature-simulation.js';
import type { SimulatedPoint } from './policy-replay.js';
import type { Distribution, TraceProfile } from './trace-profile.js';

/**
 * The result of `cachebench analyze`, and its `--json` output (schema_version 1). Rates are fractions
 * (0.8 = 80%), times are milliseconds, sizes are bytes, cache sizes are entries unless `unit` says bytes.
 */
export interface TraceAnalysis {
  schema_version: 1;
  trace: { path: string; format: string };
  /**
   * `--memory-model redis` (or a live result): the per-key charge's constants, bytes. Every cache size in
   * bytes below — `mrc.bytes`, `at_sizes`, `simulated`, `approximate` sizes, `verdict.smallest_cache.bytes` —
   * is then Redis memory, a maxmemory with the baseline in it. null: bytes of values.
   */
  memory_model: RedisMemorySpec | null;
  stats: TraceProfile & {
    /** Stack distances of reads: distinct keys requested between a read and the key's previous access. */
    reuse_distance: Distribution & { reuses: number; sampled: boolean };
  };
  mrc: MissRatioCurveResult;
  /** Policies replayed at chosen sizes, and Belady's optimum (policy "belady"). */
  simulated: SimulatedPoint[];
  /**
   * With `--policies` and `--sample-rate`: each policy's approximate curve by miniature simulation (instead
   * of exact replays at the chosen sizes), at log-spaced sizes and the chosen ones. Empty otherwise.
   */
  approximate: ApproximateCurve[];
  /** Why Belady or a replay was not run, when it was not. */
  notes: string[];
  verdict: Verdict;
  /** Where the time went (ms): reading and parsing, the characterisation, the curve, replays, Belady. */
  timings_ms: { read: number; profile: number; mrc: number; replay: number; belady: number; total: number };
}

export interface MissRatioCurveResult {
  /** exact: every read's stack distance; shards-*: sampled (Waldspurger et al., FAST 2015). */
  method: 'exact' | 'shards-fixed-rate' | 'shards-fixed-size';
  /** The share of keys sampled at the end (1 for exact). */
  sample_rate: number;
  /** Hit rate of an unbounded cache: 1 − (first reads of keys and first reads after a write) ÷ reads. */
  max_hit_rate: number;
  /** LRU hit rate at log-spaced sizes (entries), up to where the curve goes flat. */
  points: { size: number; hit_rate: number }[];
  /** LRU hit rate at the chosen sizes (`--sizes`, or automatic), read off the curve. */
  at_sizes: { size: number; unit: 'entries' | 'bytes'; hit_rate: number; byte_hit_rate: number | null }[];
  /** LRU against capacity in bytes, when the trace has object sizes. */
  bytes: { points: { bytes: number; hit_rate: number; byte_hit_rate: number }[] } | null;
}

export interface Finding {
  id: 'low-reuse' | 'changes-faster-than-read' | 'large-objects' | 'write-heavy';
  label: string;
  applies: boolean;
  /** The numbers behind it, in words. */
  evidence: string;
}

export interface Verdict {
  findings: Finding[];
  target_hit_rate: number;
  /** The smallest LRU cache reaching the target; null when unreachable even when unbounded. */
  smallest_cache: { entries: number; bytes: number | null; hit_rate: number } | null;
  /** The best any cache can do (unbounded LRU), for when the target is unreachable. */
  max_hit_rate: number;
  /**
   * At the smallest cache (or unbounded, when the target is unreachable), from the trace's read rate:
   * mean read latency = h·cache + (1−h)·(cache + db); DB reads/s = (1−h) × reads/s.
   */
  expected: {
    hit_rate: number;
    cache_latency_ms: number;
    db_latency_ms: number;
    mean_latency_ms: number;
    mean_latency_no_cache_ms: number;
    db_reads_per_s: number | null;
    db_reads_per_s_no_cache: number | null;
  };
  summary: string;
}
