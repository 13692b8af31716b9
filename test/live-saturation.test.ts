import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoadDriver } from '../src/live/load-driver.js';
import { judgeSaturation, type SaturationInput } from '../src/live/saturation.js';
import { LATE_START_MS, ScheduleLog } from '../src/live/schedule-log.js';
import { mergeRunMetrics } from '../src/merge/merge-metrics.js';
import { verdictLine } from '../src/report/verdict.js';
import type { LiveMetrics, RunMetrics } from '../src/result/run-result.js';
import { evaluateThresholds } from '../src/thresholds/threshold-evaluation.js';
import { parseThresholds } from '../src/thresholds/threshold-parser.js';
import { AccessBatch } from '../src/workload/access-event.js';
import { TimeWindowStream } from '../src/workload/time-window-stream.js';
import { latency, runMetrics, runResult } from './support/run-metrics.js';
import { getsAt } from './support/event-list-stream.js';

// The measurement floor and saturation of a live run (issue 11, items 2 and 3), without a server: the
// schedule's account, the judgement, and what the verdict and thresholds make of it. The live runs are
// in live-floor.test.ts.

function liveMetrics(overrides: Partial<LiveMetrics> = {}): LiveMetrics {
  return {
    dropped: 0,
    errors_per_second: [0, 0],
    reconnects: 0,
    warmup_ms: 0,
    floor_ms: { noop: { p50: 0.01, p99: 0.05, max: 0.2 }, ping: { p50: 0.1, p99: 0.3, max: 1 } },
    saturated: false,
    saturation_reasons: [],
    kept_up_rate: 2000,
    ...overrides,
  };
}

function input(overrides: Partial<SaturationInput> = {}): SaturationInput {
  const schedule = new ScheduleLog(0);
  for (let i = 0; i < 2000; i++) schedule.start(i, i + 0.05);
  return {
    schedule: schedule.state(),
    dropped: 0,
    maxInFlight: 1000,
    warmupMs: 0,
    eventLoops: [{ delayP99Ms: 6, utilization: 0.4 }],
    sleepsBetweenArrivals: false,
    closedLoop: false,
    ...overrides,
  };
}

describe('live: the schedule log', () => {
  it('counts arrivals offered, dropped and started late per second of intended start, and late measured starts after the warm-up', () => {
    const log = new ScheduleLog(1000);
    log.start(10, 10 + LATE_START_MS + 1); // late, in the warm-up
    log.start(1200, 1200.5);
    log.start(1300, 1300 + LATE_START_MS + 5); // late, measured
    log.drop(1400);
    log.drop(2500);
    const state = log.state();
    assert.deepEqual([...state.offered], [1, 3, 1]);
    assert.deepEqual([...state.dropped], [0, 1, 1]);
    assert.deepEqual([...state.late], [1, 1, 0]);
    assert.equal(state.started, 2);
    assert.equal(state.lateStarts, 1);
  });

  it('the open-loop driver logs each drop and each start in its schedule', async () => {
    const origin = performance.now();
    const pending: Array<() => void> = [];
    const driver = new LoadDriver({
      stream: getsAt([0, 0, 0, 10, 10]),
      load: { warmup: 0, max_in_flight: 2, clients: null, think_time: 0, workers: null },
      durationMs: null,
      now: () => performance.now() - origin,
      issue: () => new Promise<void>((resolve) => pending.push(resolve)),
    });
    await driver.run();
    const state = driver.schedule.state();
    assert.deepEqual([...state.offered], [5]);
    assert.deepEqual([...state.dropped], [3]);
    assert.equal(state.started, 2);
    for (const resolve of pending) resolve();
    assert.ok(await driver.drain(1000));
  });
});

describe('live: saturation judged from the schedule', () => {
  it('a schedule kept on time with an idle loop is not saturated, and kept up with its rate', () => {
    const judgement = judgeSaturation(input());
    assert.equal(judgement.saturated, false);
    assert.deepEqual(judgement.reasons, []);
    assert.equal(judgement.keptUpRate, 1000); // 2,000 arrivals over two seconds
  });

  it('dropped arrivals saturate it, and no second with a drop counts as kept up', () => {
    const schedule = new ScheduleLog(0);
    for (let i = 0; i < 1000; i++) schedule.start(i, i);
    for (let i = 1000; i < 2000; i++) schedule.drop(i);
    const judgement = judgeSaturation(input({ schedule: schedule.state(), dropped: 1000 }));
    assert.equal(judgement.saturated, true);
    assert.match(judgement.reasons[0], /^1,000 arrivals dropped: 1,000 requests \(max_in_flight\)/);
    assert.equal(judgement.keptUpRate, 1000, 'the first second kept up; the second dropped');
  });

  it('late starts saturate it only beyond 1% of the arrivals and at least 50 of them', () => {
    const lateBy = (count: number, total: number) => {
      const schedule = new ScheduleLog(0);
      for (let i = 0; i < total; i++) schedule.start(i, i < count ? i + LATE_START_MS + 1 : i);
      return judgeSaturation(input({ schedule: schedule.state() }));
    };
    assert.equal(lateBy(40, 1000).saturated, false, '4% but only 40: a few stalls of a busy machine');
    assert.equal(lateBy(60, 10_000).saturated, false, '60 but only 0.6%');
    const late = lateBy(60, 1000);
    assert.equal(late.saturated, true);
    assert.match(late.reasons.join('; '), /60 arrivals \(6\.0%\) started more than 10 ms after their intended start/);
    assert.match(late.reasons.join('; '), /other processes on this machine took the CPU/, 'an idle loop that started late points outside the client');
  });

  it('a busy event loop saturates it only where the driver sleeps between arrivals (the polling loop is busy by design)', () => {
    const busy = [{ delayP99Ms: 6, utilization: 0.97 }];
    assert.equal(judgeSaturation(input({ eventLoops: busy })).saturated, false);
    const sleeping = judgeSaturation(input({ eventLoops: busy, sleepsBetweenArrivals: true }));
    assert.equal(sleeping.saturated, true);
    assert.match(sleeping.reasons[0], /busy 97% of the time/);
  });

  it('a second with a late start or two of a slow run still kept up; one with many late starts did not', () => {
    const schedule = new ScheduleLog(0);
    for (let i = 0; i < 20; i++) schedule.start(i * 50, i * 50 + (i < 2 ? LATE_START_MS + 5 : 0)); // second 0: 2 of 20 late
    for (let i = 0; i < 40; i++) schedule.start(1000 + i * 25, 1000 + i * 25 + (i < 12 ? LATE_START_MS + 5 : 0)); // second 1: 12 of 40 late
    assert.equal(judgeSaturation(input({ schedule: schedule.state() })).keptUpRate, 20);
  });

  it('a closed loop has no schedule of arrivals, so no rate it kept up with', () => {
    assert.equal(judgeSaturation(input({ closedLoop: true })).keptUpRate, null);
  });
});

describe('live: what a saturated run or a latency near the floor says', () => {
  const saturated = liveMetrics({
    saturated: true,
    saturation_reasons: ['402 arrivals dropped: 64 requests (max_in_flight) were already in flight'],
    kept_up_rate: 8000,
  });

  it('latency thresholds of a saturated run fail as unreliable; the others are judged', () => {
    const thresholds = parseThresholds(['latency.p99 < 50ms', 'latency.hits.p99 < 50ms', 'hit_rate >= 0.5']);
    const judged = evaluateThresholds(thresholds, runMetrics({ live: saturated }));
    assert.deepEqual(
      judged.map((t) => [t.pass, t.unreliable]),
      [
        [false, 'client saturated'],
        [false, 'client saturated'],
        [true, undefined],
      ],
    );
    assert.equal(judged[0].actual, 2.1, 'the value is still reported');
    const kept = evaluateThresholds(thresholds, runMetrics({ live: liveMetrics() }));
    assert.deepEqual(
      kept.map((t) => t.pass),
      [true, true, true],
    );
  });

  it('the verdict of a saturated run names the load generator and makes no claim about the cache', () => {
    const line = verdictLine(runResult({ metrics: runMetrics({ live: saturated }) }));
    assert.match(line, /^the load generator could not keep its schedule \(402 arrivals dropped/);
    assert.match(line, /the highest rate it kept up with was 8,000 requests\/s/);
    assert.doesNotMatch(line, /the cache|DB reads|p99 from|pays? off/);
  });

  it('a hits p99 within 2× of the PING floor is called the client’s; one further away is not', () => {
    const near = runMetrics({
      live: liveMetrics(),
      latency_by_kind_ms: { ...runMetrics().latency_by_kind_ms, hits: latency({ p99: 0.4 }) },
    });
    assert.match(
      verdictLine(runResult({ metrics: near })),
      /; hits p99 400 µs is within 2× of the client's own floor \(PING p99 300 µs\): it measures the client, not Redis$/,
    );
    const far = runMetrics({
      live: liveMetrics(),
      latency_by_kind_ms: { ...runMetrics().latency_by_kind_ms, hits: latency({ p99: 0.7 }) },
    });
    assert.doesNotMatch(verdictLine(runResult({ metrics: far })), /floor/);
    assert.doesNotMatch(verdictLine(runResult({ metrics: runMetrics() })), /floor/, 'a simulation has no floor');
  });

  it('merged shards are saturated when one is, keep the worst floor, and sum the rates they kept up with', () => {
    const a = runMetrics({ live: liveMetrics({ kept_up_rate: 1000 }) });
    const b = runMetrics({
      live: liveMetrics({ saturated: true, saturation_reasons: ['x'], kept_up_rate: 700, floor_ms: { noop: { p50: 0.02, p99: 0.04, max: 3 }, ping: { p50: 0.2, p99: 0.25, max: 0.5 } } }),
    });
    const merged = mergeRunMetrics([a, b] as RunMetrics[], null).live!;
    assert.equal(merged.saturated, true);
    assert.deepEqual(merged.saturation_reasons, ['x']);
    assert.equal(merged.kept_up_rate, 1700);
    assert.deepEqual(merged.floor_ms, { noop: { p50: 0.02, p99: 0.05, max: 3 }, ping: { p50: 0.2, p99: 0.3, max: 1 } });
  });
});

describe('live: the calibration replays the opening of the schedule', () => {
  it('keeps the events before the cut, moved by the shift, and reads no further', () => {
    const stream = new TimeWindowStream(getsAt([0, 100, 299, 300, 301, 900]), 300, 300);
    const batch = new AccessBatch(4);
    const times: number[] = [];
    for (let n = stream.next(batch); n > 0; n = stream.next(batch)) times.push(...batch.time.subarray(0, n));
    assert.deepEqual(times, [300, 400, 599]);
  });
});
