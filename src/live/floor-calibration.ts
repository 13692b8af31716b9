import { LatencyHistogram, type LatencyHistogramState } from '../metrics/latency-histogram.js';
import type { LiveLoadSpec } from '../scenario/scenario.js';
import type { AccessStream } from '../workload/access-event.js';
import { TimeWindowStream } from '../workload/time-window-stream.js';
import type { ArrivalAlarm } from './arrival-alarm.js';
import { InFlightGate } from './in-flight-gate.js';
import { LoadDriver } from './load-driver.js';
import type { RedisCommandPool } from './redis-commands.js';

/** How long each calibration phase runs: first a no-op, then a PING, on the opening of the run's own schedule. */
export const CALIBRATION_PHASE_MS = 300;
/** The measured load starts this long after the calibration began: both phases, and a moment for the last PINGs. */
export const CALIBRATION_MS = 2 * CALIBRATION_PHASE_MS + 50;

/** The client's own floor, as plain data for another thread: one histogram per probe (ms from intended start). */
export interface FloorState {
  /** Nothing at all, through the open loop's schedule: how late the client starts a request. Empty for a closed loop (no schedule). */
  noop: LatencyHistogramState;
  /** A Redis PING on the run's connections: the client's and the network's round trip, with no key, no value, no database. Empty without Redis. */
  ping: LatencyHistogramState;
}

export interface FloorCalibrationSetup {
  /** A fresh stream of the shard's workload: its opening CALIBRATION_PHASE_MS is the schedule replayed. */
  openStream: () => AccessStream;
  load: LiveLoadSpec;
  /** ms since the calibration's origin. */
  now: () => number;
  /** The run's Redis clients; null for a run without Redis (a live no-cache baseline): no PING then. */
  connections: RedisCommandPool | null;
  /** Open loop: the alarm the shard's load uses, started at the calibration's origin. */
  alarm?: ArrivalAlarm;
}

/**
 * Measures the measurement floor before the load: the latency the client itself adds, through the same
 * path as the run's requests — the same LoadDriver, the same arrival schedule (the opening of the
 * workload's arrivals at the run's rate), latency from the same intended start — once for a request that
 * does nothing, once for a PING on the run's connections. A run's latency near these is the client's,
 * not the cache's (report/verdict.ts says so). Allocates nothing per probe beyond the promise the driver
 * tracks, as the run's own requests.
 */
export async function calibrateFloor(setup: FloorCalibrationSetup): Promise<FloorState> {
  const { load, now, connections } = setup;
  const noop = new LatencyHistogram(3);
  const ping = new LatencyHistogram(3);
  const closedLoop = load.clients !== null;
  // Each phase has a gate of its own, so the calibration never takes places from the run's.
  const phase = (index: number, issue: (start: number) => Promise<void>): Promise<void> => {
    const stream = closedLoop ? setup.openStream() : new TimeWindowStream(setup.openStream(), CALIBRATION_PHASE_MS, index * CALIBRATION_PHASE_MS);
    const driver = new LoadDriver({
      ...(setup.alarm !== undefined ? { alarm: setup.alarm } : {}),
      stream,
      load: { ...load, warmup: 0 },
      durationMs: closedLoop ? (index + 1) * CALIBRATION_PHASE_MS : null,
      now,
      gate: new InFlightGate(new Int32Array(1), 0, load.max_in_flight),
      issue,
    });
    return driver
      .run()
      .then(() => driver.drain(CALIBRATION_MS - (index + 1) * CALIBRATION_PHASE_MS))
      .then(() => undefined)
      .finally(() => stream.close());
  };
  if (!closedLoop) {
    await phase(0, async (start) => {
      noop.recordMs(now() - start);
    });
  }
  if (connections === null) return { noop: noop.state(), ping: ping.state() };
  const wait = CALIBRATION_PHASE_MS - now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  await phase(1, async (start) => {
    try {
      await connections.pick().ping();
    } catch {
      return; // a failed PING says nothing about the floor; the run's own errors are counted in the run
    }
    ping.recordMs(now() - start);
  });
  return { noop: noop.state(), ping: ping.state() };
}
