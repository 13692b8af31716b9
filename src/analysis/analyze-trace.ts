import { RedisMemoryCharge } from '../engine/redis-memory-charge.js';
import type { RedisMemorySpec } from '../scenario/scenario.js';
import { AccessBatch, OP_GET } from '../workload/access-event.js';
import { beladyHits, nextUses, RequestSequence } from './belady.js';
import { ExactMissRatioCurveBuilder, type MissRatioCurve, type MissRatioCurveBuilder } from './miss-ratio-curve.js';
import { type CacheSize, capacityFor, PolicyReplay, type SimulatedPoint } from './policy-replay.js';
import { type ApproximateCurve, MIN_MINIATURE_ENTRIES, MiniatureSimulation } from './miniature-simulation.js';
import { ShardsMissRatioCurveBuilder } from './shards.js';
import type { MissRatioCurveResult, TraceAnalysis } from './trace-analysis.js';
import { distributionOf, TraceProfiler } from './trace-profile.js';
import { judgeTrace, type VerdictOptions } from './trace-verdict.js';

/** What the analysis reads: a trace reader or any access stream (tests use generated workloads). */
export interface AnalysisSource {
  /** Fills the batch and returns how many events it holds; 0 at the end. */
  next(batch: AccessBatch): number;
  close(): void;
}

export type CurveMethod =
  | { kind: 'auto' }
  | { kind: 'exact' }
  | { kind: 'shards-fixed-rate'; rate: number }
  | { kind: 'shards-fixed-size'; maxKeys: number };

/**
 * The automatic method: exact up to this many requests (a 10M-request trace takes a few seconds), then
 * fixed-rate SHARDS at AUTO_SAMPLE_RATE, taking over from the exact state mid-trace so the pass stays one.
 */
export const AUTO_EXACT_MAX_REQUESTS = 50_000_000;
export const AUTO_SAMPLE_RATE = 0.01;
/** The request sequence (for Belady and fast replays) is kept up to this many requests: 450 MB. */
export const SEQUENCE_MAX_REQUESTS = 50_000_000;

export interface AnalyzeOptions {
  trace: { path: string; format: string };
  method: CurveMethod;
  /** Sizes for the replays, Belady and the table; null: powers of ten below the distinct keys. */
  sizes: CacheSize[] | null;
  /** Registered policies to replay at the sizes. */
  policies: readonly string[];
  /** Whether to compute Belady's optimum at the entry sizes. */
  belady: boolean;
  verdict: VerdictOptions;
  /**
   * `--memory-model redis`: every capacity in bytes is Redis memory (maxmemory), each object charged what
   * Redis charges it and the server's baseline taken off (engine/redis-memory-charge.ts); null or absent:
   * bytes of values.
   */
  memory?: RedisMemorySpec | null;
}

/**
 * `cachebench analyze`: one streaming pass for the characterisation and the miss-ratio curve, then the
 * replays and Belady from the request sequence kept in memory (or, past SEQUENCE_MAX_REQUESTS, replays from
 * a second read of the trace and no Belady). `openSource` is called once per pass.
 */
export function analyzeTrace(openSource: () => AnalysisSource, options: AnalyzeOptions): TraceAnalysis {
  const started = performance.now();
  const timings = { read: 0, profile: 0, mrc: 0, replay: 0, belady: 0, total: 0 };
  const notes: string[] = [];
  const profiler = new TraceProfiler();
  const memory = options.memory == null ? null : new RedisMemoryCharge(options.memory);
  const byteCapacities = (options.sizes ?? []).filter((s) => s.unit === 'bytes').map((s) => capacityFor(s, memory));
  const method = options.method;
  let builder: MissRatioCurveBuilder =
    method.kind === 'shards-fixed-rate'
      ? new ShardsMissRatioCurveBuilder({ mode: 'fixed-rate', rate: method.rate }, memory)
      : method.kind === 'shards-fixed-size'
        ? new ShardsMissRatioCurveBuilder({ mode: 'fixed-size', maxKeys: method.maxKeys }, memory)
        : new ExactMissRatioCurveBuilder(byteCapacities, memory);
  let switchAt = method.kind === 'auto' ? AUTO_EXACT_MAX_REQUESTS : Number.POSITIVE_INFINITY;
  const wantsSequence = options.belady || options.policies.length > 0;
  let sequence: RequestSequence | null = wantsSequence ? new RequestSequence() : null;

  const batch = new AccessBatch(8192);
  let requests = 0;
  const source = openSource();
  try {
    for (;;) {
      let mark = performance.now();
      const n = source.next(batch);
      let now = performance.now();
      timings.read += now - mark;
      if (n === 0) break;
      requests += n;
      mark = now;
      profiler.observe(batch, n);
      now = performance.now();
      timings.profile += now - mark;
      mark = now;
      builder.observe(batch, n);
      if (requests > switchAt && builder instanceof ExactMissRatioCurveBuilder) {
        builder = ShardsMissRatioCurveBuilder.continuing(builder.handOver(), AUTO_SAMPLE_RATE, memory);
        switchAt = Number.POSITIVE_INFINITY;
        notes.push(
          `the curve is exact for the first ${AUTO_EXACT_MAX_REQUESTS.toLocaleString('en-US')} requests, then SHARDS at ` +
            `${AUTO_SAMPLE_RATE * 100}% (pass --exact for an exact curve throughout)`,
        );
      }
      now = performance.now();
      timings.mrc += now - mark;
      if (sequence !== null) {
        if (sequence.length + n > SEQUENCE_MAX_REQUESTS) {
          sequence = null;
        } else {
          sequence.append(batch, n);
        }
      }
    }
  } finally {
    source.close();
  }

  const profile = profiler.finish();
  const t = performance.now();
  const curve = builder.finish();
  timings.mrc += performance.now() - t;
  const sizes = options.sizes ?? automaticSizes(profile.distinct_keys);
  const simulated: SimulatedPoint[] = [];

  const approximate: ApproximateCurve[] = [];
  if (options.policies.length > 0 && method.kind === 'shards-fixed-rate') {
    // Sampling asked for: each policy's curve by miniature simulation, at the curve's sizes and the chosen ones.
    const t0 = performance.now();
    const curveSizes = approximateCurveSizes(profile.distinct_keys, sizes, method.rate);
    const mini = new MiniatureSimulation(options.policies, curveSizes, method.rate, profile.distinct_keys, memory);
    if (sequence !== null) sequence.forEachBatch(batch, (b, n) => mini.observe(b, n));
    else replayFromSource(openSource, batch, mini);
    approximate.push(...mini.finish());
    timings.replay += performance.now() - t0;
  } else if (options.policies.length > 0 && sizes.length > 0) {
    const t0 = performance.now();
    const replay = new PolicyReplay(options.policies, sizes, profile.distinct_keys, memory);
    if (sequence !== null) sequence.forEachBatch(batch, (b, n) => replay.observe(b, n));
    else replayFromSource(openSource, batch, replay);
    simulated.push(...replay.finish());
    timings.replay += performance.now() - t0;
  }

  if (options.belady) {
    const entrySizes = sizes.filter((s) => s.unit === 'entries');
    if (sequence === null) {
      notes.push(
        `Belady was not computed: it keeps the request sequence in memory (13 bytes per request), capped at ` +
          `${SEQUENCE_MAX_REQUESTS.toLocaleString('en-US')} requests`,
      );
    } else if (entrySizes.length > 0) {
      const t0 = performance.now();
      const next = nextUses(sequence);
      let readBytes = 0;
      for (let i = 0; i < sequence.length; i++) if (sequence.ops[i] === OP_GET) readBytes += sequence.sizes[i];
      for (const size of entrySizes) {
        const { hits, hitBytes } = beladyHits(sequence, next, size.value);
        simulated.push({
          policy: 'belady',
          size: size.value,
          unit: 'entries',
          reads: profile.reads,
          hits,
          hit_rate: profile.reads > 0 ? hits / profile.reads : 0,
          byte_hit_rate: readBytes > 0 ? hitBytes / readBytes : 0,
        });
      }
      timings.belady += performance.now() - t0;
    }
    if (sizes.some((s) => s.unit === 'bytes')) {
      notes.push('Belady is computed at entry sizes only (an optimum for sized objects is a different, NP-hard problem)');
    }
  }

  if (memory !== null && !profile.object_sizes.has_sizes) {
    notes.push('the trace has no object sizes: its Redis memory is that of 1-byte values (each key still costs its name, entry and allocations)');
  }
  const result: TraceAnalysis = {
    schema_version: 1,
    trace: options.trace,
    memory_model: options.memory ?? null,
    stats: {
      ...profile,
      reuse_distance: {
        ...distributionOf(curve.reuseDistances),
        percentiles: {
          p50: curve.reuseDistanceQuantile(0.5),
          p90: curve.reuseDistanceQuantile(0.9),
          p99: curve.reuseDistanceQuantile(0.99),
          max: curve.reuseDistances.total > 0 ? curve.reuseDistances.max : null,
        },
        reuses: curve.reuseDistances.total,
        sampled: curve.method !== 'exact',
      },
    },
    mrc: curveResult(curve, sizes, profile.object_sizes.per_key.percentiles.p50 ?? 1, memory),
    simulated,
    approximate,
    notes,
    verdict: judgeTrace(profile, curve, options.verdict, memory),
    timings_ms: timings,
  };
  timings.total = performance.now() - started;
  for (const key of Object.keys(timings) as (keyof typeof timings)[]) timings[key] = Math.round(timings[key]);
  return result;
}

function replayFromSource(openSource: () => AnalysisSource, batch: AccessBatch, replay: { observe(batch: AccessBatch, n: number): void }): void {
  const source = openSource();
  try {
    for (let n = source.next(batch); n > 0; n = source.next(batch)) replay.observe(batch, n);
  } finally {
    source.close();
  }
}

/** Powers of ten from 10 below the number of distinct keys (the last five of them): where a curve bends. */
export function automaticSizes(distinctKeys: number): CacheSize[] {
  const sizes: CacheSize[] = [];
  for (let size = 10; size < distinctKeys; size *= 10) sizes.push({ value: size, unit: 'entries' });
  return sizes.slice(-5);
}

/** Points per decade of an approximate curve: each is a miniature cache of its own. */
const APPROXIMATE_POINTS_PER_DECADE = 6;

/**
 * Log-spaced entry sizes up to the distinct keys, with the chosen sizes, in order (bytes after entries). The
 * curve starts where a miniature cache at `rate` holds MIN_MINIATURE_ENTRIES (at least 10 entries): a
 * smaller one samples more keys, and its cost grows as the size shrinks (a 10-entry cache would be an exact
 * replay), so below that only the chosen sizes are simulated.
 */
function approximateCurveSizes(distinctKeys: number, chosen: readonly CacheSize[], rate: number): CacheSize[] {
  const from = Math.max(10, Math.ceil(MIN_MINIATURE_ENTRIES / rate));
  const entries = new Set<number>(distinctKeys >= from ? logSpaced(from, distinctKeys, APPROXIMATE_POINTS_PER_DECADE) : []);
  for (const size of chosen) if (size.unit === 'entries') entries.add(size.value);
  const bytes = chosen.filter((size) => size.unit === 'bytes');
  return [...[...entries].sort((a, b) => a - b).map((value): CacheSize => ({ value, unit: 'entries' })), ...bytes];
}

/** 24 points per decade of size, up to where the curve is flat. */
const POINTS_PER_DECADE = 24;

/**
 * The curve at log-spaced sizes and at the chosen ones. In Redis memory (`memory`), the byte curve's
 * capacities are what the keys may use: a size is reported as maxmemory (the baseline added), and read
 * off the curve less the baseline.
 */
function curveResult(curve: MissRatioCurve, sizes: readonly CacheSize[], typicalSize: number, memory: RedisMemoryCharge | null): MissRatioCurveResult {
  const points: MissRatioCurveResult['points'] = [];
  const flat = Math.max(1, Math.ceil(curve.flatFrom));
  for (const size of logSpaced(1, flat)) points.push({ size, hit_rate: curve.hitRateAt(size) });
  const byteCurve = curve.bytes;
  let bytes: MissRatioCurveResult['bytes'] = null;
  if (byteCurve !== null) {
    const from = Math.max(1, Math.floor(memory === null ? typicalSize : memory.bytes(typicalSize, false)));
    const to = Math.max(from, Math.ceil(byteCurve.flatFrom));
    const baseline = memory?.baseline ?? 0;
    bytes = {
      points: logSpaced(from, to).map((capacity) => ({
        bytes: capacity + baseline,
        hit_rate: byteCurve.hitRateAt(capacity),
        byte_hit_rate: byteCurve.byteHitRateAt(capacity),
      })),
    };
  }
  return {
    method: curve.method,
    sample_rate: curve.sampleRate,
    max_hit_rate: curve.maxHitRate,
    points,
    at_sizes: sizes.map((size) =>
      size.unit === 'entries'
        ? { size: size.value, unit: size.unit, hit_rate: curve.hitRateAt(size.value), byte_hit_rate: null }
        : {
            size: size.value,
            unit: size.unit,
            hit_rate: byteCurve === null ? curve.hitRateAt(size.value) : byteCurve.hitRateAt(capacityFor(size, memory)),
            byte_hit_rate: byteCurve === null ? null : byteCurve.byteHitRateAt(capacityFor(size, memory)),
          },
    ),
    bytes,
  };
}

/** Whole numbers from `from` to `to`, log-spaced, both ends included. */
function logSpaced(from: number, to: number, perDecade = POINTS_PER_DECADE): number[] {
  const values: number[] = [];
  const start = Math.log10(from);
  const end = Math.log10(to);
  const steps = Math.max(1, Math.ceil((end - start) * perDecade));
  for (let i = 0; i <= steps; i++) {
    const value = Math.round(10 ** (start + ((end - start) * i) / steps));
    if (values.length === 0 || value > values[values.length - 1]) values.push(value);
  }
  return values;
}
