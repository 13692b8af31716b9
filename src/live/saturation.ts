import { LatencyHistogram } from '../metrics/latency-histogram.js';
import type { AgeSummary, LiveMetrics } from '../result/run-result.js';
import type { FloorState } from './floor-calibration.js';
import { LATE_START_MS, type ScheduleState } from './schedule-log.js';

/**
 * Whether a live run's numbers describe the system or the load generator. A client that cannot keep its
 * schedule reports its own backlog as latency (measured from each intended start, as it must be), so a
 * saturated run's latencies are the client's limit, not the cache's: the result says so, the verdict
 * makes no claim about the cache, and latency thresholds are unreliable (threshold-evaluation.ts).
 *
 * The signs, each with a bound well away from what a busy machine does now and then:
 * - arrivals dropped at `max_in_flight` (the client had too many requests open to send more);
 * - more than LATE_SHARE of the measured arrivals started over LATE_START_MS late, and at least
 *   MIN_LATE_STARTS of them (a few descheduled moments on a shared machine are not a backlog);
 * - the event loop's delay p99 above EVENT_LOOP_DELAY_MS while at least MIN_LATE_STARTS arrivals started
 *   late (a stall that held the schedule up, not one between two arrivals of a slow run);
 * - a worker's event loop busy at least BUSY_SHARE of the time — only where the driver sleeps between
 *   arrivals (worker threads with the alarm thread; a closed loop): the one-thread open loop polls for
 *   precision, so its loop is always busy by design and that share says nothing there.
 * A late schedule with a mostly idle event loop is the machine's doing (other processes took the CPU);
 * the reasons say so, and the numbers are the client's either way.
 */
const LATE_SHARE = 0.01;
const MIN_LATE_STARTS = 50;
const EVENT_LOOP_DELAY_MS = 50;
const BUSY_SHARE = 0.9;
/** Below this share of busy time the event loop had the capacity; a late schedule then comes from outside the client. */
const IDLE_SHARE = 0.5;

/** The shards' schedules taken together: per-second counts summed (every shard counts on the run's clock). */
export function mergeSchedules(parts: readonly ScheduleState[]): ScheduleState {
  const seconds = Math.max(0, ...parts.map((p) => p.offered.length));
  const sum = (column: (p: ScheduleState) => Int32Array): Int32Array => {
    const total = new Int32Array(seconds);
    for (const part of parts) {
      const values = column(part);
      for (let s = 0; s < values.length; s++) total[s] += values[s];
    }
    return total;
  };
  const lateness = new LatencyHistogram(2);
  for (const part of parts) lateness.addState(part.lateness);
  return {
    offered: sum((p) => p.offered),
    dropped: sum((p) => p.dropped),
    late: sum((p) => p.late),
    lateStarts: parts.reduce((total, p) => total + p.lateStarts, 0),
    started: parts.reduce((total, p) => total + p.started, 0),
    lateness: lateness.state(),
  };
}

/** The shards' floors taken together, as p50 / p99 / max in ms (null for a probe without samples). */
export function floorSummary(parts: readonly FloorState[]): NonNullable<LiveMetrics['floor_ms']> {
  const summary = (pick: (floor: FloorState) => FloorState['noop']): AgeSummary => {
    const histogram = new LatencyHistogram(3);
    for (const part of parts) histogram.addState(pick(part));
    return percentiles(histogram);
  };
  return { noop: summary((f) => f.noop), ping: summary((f) => f.ping) };
}

export interface SaturationInput {
  schedule: ScheduleState;
  /** Measured arrivals dropped at max_in_flight. */
  dropped: number;
  maxInFlight: number;
  warmupMs: number;
  /** Each worker's event loop: delay p99 (ms) and the share of time it was busy. */
  eventLoops: readonly { delayP99Ms: number; utilization: number }[];
  /** Whether the driver sleeps between arrivals (worker threads with the alarm thread; a closed loop). */
  sleepsBetweenArrivals: boolean;
  closedLoop: boolean;
}

export interface SaturationJudgement {
  saturated: boolean;
  reasons: string[];
  /** The highest arrival rate of any whole second that kept its schedule (nothing dropped, starts on time); null when none did or a closed loop. */
  keptUpRate: number | null;
}

export function judgeSaturation(input: SaturationInput): SaturationJudgement {
  const reasons: string[] = [];
  const { schedule } = input;
  if (input.dropped > 0) {
    reasons.push(`${count(input.dropped)} arrivals dropped: ${count(input.maxInFlight)} requests (max_in_flight) were already in flight`);
  }
  const lateShare = schedule.started > 0 ? schedule.lateStarts / schedule.started : 0;
  if (schedule.lateStarts >= MIN_LATE_STARTS && lateShare > LATE_SHARE) {
    reasons.push(`${count(schedule.lateStarts)} arrivals (${(lateShare * 100).toFixed(1)}%) started more than ${LATE_START_MS} ms after their intended start`);
  }
  const delay = Math.max(0, ...input.eventLoops.map((loop) => loop.delayP99Ms));
  if (delay > EVENT_LOOP_DELAY_MS && schedule.lateStarts >= MIN_LATE_STARTS) {
    reasons.push(`event-loop delay p99 ${delay.toFixed(0)} ms (above ${EVENT_LOOP_DELAY_MS} ms)`);
  }
  const busiest = Math.max(0, ...input.eventLoops.map((loop) => loop.utilization));
  if (input.sleepsBetweenArrivals && busiest >= BUSY_SHARE) {
    reasons.push(`a worker's event loop was busy ${(busiest * 100).toFixed(0)}% of the time (a core's worth)`);
  }
  if (reasons.length > 0 && input.dropped === 0 && busiest < IDLE_SHARE) {
    reasons.push(`the client's event loop was busy only ${(busiest * 100).toFixed(0)}% of the time: other processes on this machine took the CPU`);
  }
  return { saturated: reasons.length > 0, reasons, keptUpRate: input.closedLoop ? null : keptUpRate(schedule, input.warmupMs) };
}

/** In one second, fewer late starts than this are a stall or two of a busy machine, whatever the share. */
const MIN_LATE_IN_SECOND = 10;

/**
 * The most arrivals offered in one second of the run's clock (from the warm-up's second on) that the
 * client kept up with: none dropped, and at most LATE_SHARE (or fewer than MIN_LATE_IN_SECOND) started late. A rate of the workload's schedule,
 * so for a constant rate it is about that rate or null; for phases or a trace, the busiest second that
 * held. (A partial last second offers fewer arrivals, so it never raises the maximum.)
 */
function keptUpRate(schedule: ScheduleState, warmupMs: number): number | null {
  let best: number | null = null;
  for (let s = Math.floor(warmupMs / 1000); s < schedule.offered.length; s++) {
    const offered = schedule.offered[s];
    const late = schedule.late[s];
    if (offered === 0 || schedule.dropped[s] > 0 || (late >= MIN_LATE_IN_SECOND && late > LATE_SHARE * offered)) continue;
    if (best === null || offered > best) best = offered;
  }
  return best;
}

const count = (n: number): string => n.toLocaleString('en-US');

export function percentiles(histogram: LatencyHistogram): AgeSummary {
  return { p50: histogram.percentileMs(50), p99: histogram.percentileMs(99), max: histogram.maxMs() };
}
