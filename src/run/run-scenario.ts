import type { SweepLane } from './sweep-lanes.js';
import type { RunMetrics, RunResult } from '../result/run-result.js';
import type { Scenario } from '../scenario/scenario.js';
import { evaluateThresholds, type ParsedThreshold } from '../thresholds/threshold-evaluation.js';
import { faultWindows } from '../engine/fault-timeline.js';
import { SharedStopLimit } from '../workload/stoppable-stream.js';
import { isTimed, type ReplayOutcome, replay, SteppedReplay } from './replay.js';
import { RunStopped, SweepStopped } from './run-stopped.js';
import { replaySweep } from './sweep.js';
import { replayInWorker, worthAWorker } from './replay-in-worker.js';
import type { RunProgress } from './run-progress.js';

/**
 * One run of a resolved scenario: the workload through the cache, and the same workload (same seed, so
 * the same stream of requests) through no cache at all — the baseline every metric is compared with.
 * The two timed replays are independent, so a large one runs the baseline on a second core.
 * `progress` follows the replay through the cache (a live run: the requests sent to Redis).
 */
export async function runScenario(
  scenario: Scenario,
  run: { name: string; params: Record<string, unknown> },
  thresholds: ParsedThreshold[],
  live: { allowConfig: boolean; signal?: AbortSignal } = { allowConfig: false },
  progress?: RunProgress,
): Promise<RunResult> {
  if (scenario.mode === 'live') {
    // Loaded only for live runs: a simulation never pays for ioredis.
    const { runLive } = await import('../live/live-run.js');
    return runLive(scenario, run, thresholds, { ...live, progress });
  }
  const signal = live.signal;
  let withCache: ReplayOutcome;
  let baseline: ReplayOutcome;
  // Set when the signal stopped the replay: how many requests both replays covered.
  let stoppedAt: number | null = null;
  if (isTimed(scenario)) {
    if (scenario.cache === null) {
      const only = await steppedReplay(new SteppedReplay(scenario, false, progress), signal);
      stoppedAt = only.stoppedAt;
      baseline = only.outcome;
      withCache = baseline;
    } else if (worthAWorker(scenario)) {
      const limit = SharedStopLimit.create();
      const pending = replayInWorker(scenario, false, limit);
      // A failure here must not leave the worker's rejection unobserved.
      pending.catch(() => {});
      // Stopped, both replays end at the same request, whichever of them was ahead.
      const cached = await steppedReplay(new SteppedReplay(scenario, true, progress), signal, (taken) => limit.stop(taken));
      stoppedAt = cached.stoppedAt;
      withCache = cached.outcome;
      baseline = await pending;
    } else {
      const cached = await steppedReplay(new SteppedReplay(scenario, true, progress), signal);
      stoppedAt = cached.stoppedAt;
      withCache = cached.outcome;
      // A small replay: run to the same request as the stopped one, whatever happens meanwhile.
      baseline = replay(scenario, false, undefined, stoppedAt === null ? {} : { stopAt: stoppedAt });
    }
  } else {
    // Without timing nothing waits on anything, so the no-cache replay of the same stream is known
    // exactly from the cached one: every read is a DB read and nothing is ever stale.
    const cached = await steppedReplay(new SteppedReplay(scenario, scenario.cache !== null, progress), signal);
    stoppedAt = cached.stoppedAt;
    withCache = cached.outcome;
    baseline = untimedBaselineOutcome(withCache);
  }
  const result = runResult(scenario, run, thresholds, withCache, baseline);
  if (stoppedAt !== null) throw new RunStopped(`interrupted (${stopCause(signal)}) after ${stoppedAt.toLocaleString('en-US')} requests`, 130, result);
  return result;
}

/**
 * Simulated runs that differ only in their cache settings (sweep-plan.ts: the same sharedReplayKey), in
 * one pass over their workload on `threads` threads (sweep.ts). The results, in the order of `runs`, are
 * exactly those of `runScenario` for each run alone. A timed pass replays the no-cache baseline once, as
 * one more lane: it reads none of the settings the runs differ in. Stopped by `signal`, every run stops at
 * the same request: a SweepStopped carries their partial results. With `approximate` (a sampling rate,
 * checked by checkApproximation: untimed runs only), each run is estimated by miniature simulation
 * instead, and says so.
 */
export async function runSweep(
  runs: readonly { scenario: Scenario; run: { name: string; params: Record<string, unknown> } }[],
  thresholds: ParsedThreshold[],
  threads: number,
  progress?: RunProgress,
  signal?: AbortSignal,
  approximate: number | null = null,
): Promise<RunResult[]> {
  const timed = isTimed(runs[0].scenario);
  // Timed: a run without a cache is its own baseline, and needs no lane of its own.
  const cached = runs.filter((each) => !timed || each.scenario.cache !== null);
  const lanes: SweepLane[] = cached.map((each) => ({ scenario: each.scenario, withCache: true, approximate }));
  if (timed) lanes.push({ scenario: runs[0].scenario, withCache: false });
  const { outcomes, stoppedAt } = await replaySweep(lanes, threads, progress, signal);
  let lane = 0;
  const results = runs.map((each) => {
    if (!timed) {
      const withCache = outcomes[lane++];
      return runResult(each.scenario, each.run, thresholds, withCache, untimedBaselineOutcome(withCache));
    }
    // Each result gets copies of its own: runResult sets `offload` on the outcome with the cache.
    const baseline = structuredClone(outcomes[outcomes.length - 1]);
    const withCache = each.scenario.cache === null ? baseline : outcomes[lane++];
    return runResult(each.scenario, each.run, thresholds, withCache, baseline);
  });
  if (stoppedAt !== null) throw new SweepStopped(`interrupted (${stopCause(signal)}) after ${stoppedAt.toLocaleString('en-US')} requests`, results);
  return results;
}

function runResult(
  scenario: Scenario,
  run: { name: string; params: Record<string, unknown> },
  thresholds: ParsedThreshold[],
  withCache: ReplayOutcome,
  baseline: ReplayOutcome,
): RunResult {
  const metrics = withCache.metrics;
  if (scenario.cache !== null && baseline.metrics.db.reads > 0) {
    metrics.offload = 1 - metrics.db.reads / baseline.metrics.db.reads;
  }
  const evaluated = evaluateThresholds(thresholds, metrics);
  const approximate = withCache.approximate;
  if (approximate !== undefined) {
    const how = `miniature simulation, ${formatSampleRate(approximate.sample_rate)} of keys`;
    for (const threshold of evaluated) threshold.approximate = how;
  }
  const result: RunResult = {
    name: run.name,
    params: run.params,
    metrics,
    baseline: baseline.metrics,
    thresholds: evaluated,
    histograms: { latency_us: withCache.latencyHdr, baseline_latency_us: baseline.latencyHdr },
    timeseries_window_ms: withCache.timeseriesWindowMs,
    timeseries: withCache.timeseries,
    ...(scenario.faults.length > 0 ? { faults: faultWindows(scenario.faults) } : {}),
    ...(approximate === undefined ? {} : { approximate }),
  };
  return result;
}

/** A sampling rate as a percentage: 1%, 0.5%, 12.5%. */
export function formatSampleRate(rate: number): string {
  return `${Number((rate * 100).toPrecision(3))}%`;
}

/** Batches a replay takes between two looks at the signal: a few milliseconds of work. */
const STEP_BATCHES = 8;

/**
 * Runs a replay to its end; with a signal, in steps, yielding to the event loop between them so that
 * a Ctrl-C is seen. Once the signal has aborted, the replay is stopped at `limitFor(requests so far)`
 * (at least where it is) and completes what is in flight. `stoppedAt`: the request count it stopped at,
 * or null when it ran to its end.
 */
async function steppedReplay(
  stepped: SteppedReplay,
  signal: AbortSignal | undefined,
  limitFor: (taken: number) => number = (taken) => taken,
): Promise<{ outcome: ReplayOutcome; stoppedAt: number | null }> {
  try {
    let stoppedAt: number | null = null;
    if (signal === undefined) {
      stepped.step(Number.POSITIVE_INFINITY);
    } else {
      for (;;) {
        if (stoppedAt === null && signal.aborted) {
          stoppedAt = limitFor(stepped.stream.taken);
          stepped.stream.stopAt(stoppedAt);
        }
        if (stepped.step(STEP_BATCHES)) break;
        if (stoppedAt === null) await new Promise((resolve) => setImmediate(resolve));
      }
    }
    // The stream ended (or was cut) there: what the replay actually covered.
    if (stoppedAt !== null) stoppedAt = stepped.stream.taken;
    return { outcome: stepped.outcome(), stoppedAt };
  } finally {
    stepped.close();
  }
}

/** The abort's reason as a signal name (the CLI aborts with 'SIGINT' or 'SIGTERM'), or "aborted". */
function stopCause(signal: AbortSignal | undefined): string {
  const reason = signal?.reason;
  return typeof reason === 'string' && /^SIG[A-Z]+$/.test(reason) ? reason : 'aborted';
}

/** Without timing nothing waits on anything, so the no-cache replay of the same stream is known exactly from the cached one. */
function untimedBaselineOutcome(withCache: ReplayOutcome): ReplayOutcome {
  return { metrics: untimedBaseline(withCache.metrics), timeseries: [], timeseriesWindowMs: withCache.timeseriesWindowMs, latencyHdr: '' };
}

function untimedBaseline(m: RunMetrics): RunMetrics {
  const reads = m.reads;
  return {
    ...m,
    hits: 0,
    misses: reads,
    hit_rate: reads > 0 ? 0 : null,
    byte_hit_rate: m.byte_hit_rate === null ? null : 0,
    db: { ...m.db, queries: reads + m.writes + m.deletes, reads, writes: m.writes + m.deletes },
    herd: { duplicate_fetches: 0, max_concurrent_fetches_per_key: reads > 0 ? 1 : 0 },
    staleness: { ...m.staleness, stale_reads: 0, stale_rate: reads > 0 ? 0 : null, age_ms: { p50: null, p99: null, max: null }, budget_violations: 0 },
    cache: null,
    offload: null,
  };
}
