import type { Scenario } from '../scenario/scenario.js';
import { isTimed } from './replay.js';

/**
 * What a run's replay reads besides its cache settings, as a string: runs with the same key replay the
 * same stream of requests and record it the same way, so one pass can serve them all (sweep.ts). null
 * for a run that replays alone: live runs.
 */
export function sharedReplayKey(scenario: Scenario): string | null {
  if (scenario.mode !== 'simulate') return null;
  // What a hit-ratio replay reads besides `cache` and `topology`: the workload and seed (the stream), the
  // clock's recording (staleness budget, time-series window). Names, thresholds and compare rules do not
  // change a replay.
  const { workload, seed, max_staleness, timeseries_window } = scenario;
  if (!isTimed(scenario)) return JSON.stringify({ workload, seed, max_staleness, timeseries_window }, exactNumbers);
  // A timed replay also reads the database model and the fault windows, and so does its no-cache baseline,
  // which reads nothing else (run/timed-engine.ts): runs with the same key share one baseline.
  const { database, faults } = scenario;
  return JSON.stringify({ timed: true, workload, seed, max_staleness, timeseries_window, database, faults }, exactNumbers);
}

/** Infinity and NaN as themselves: JSON would write both as null, as it writes null. */
function exactNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? `number:${value}` : value;
}

/**
 * The runs grouped by sharedReplayKey, as lists of indices: a group per key in the order of its first run,
 * and a group of one for each run that replays alone.
 */
export function sweepGroups(scenarios: readonly Scenario[]): number[][] {
  const groups: number[][] = [];
  const byKey = new Map<string, number[]>();
  scenarios.forEach((scenario, index) => {
    const key = sharedReplayKey(scenario);
    if (key === null) {
      groups.push([index]);
      return;
    }
    let group = byKey.get(key);
    if (group === undefined) {
      group = [];
      byKey.set(key, group);
      groups.push(group);
    }
    group.push(index);
  });
  return groups;
}
