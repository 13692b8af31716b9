import { InputError } from '../errors.js';
import { echoInput } from '../report/display-text.js';
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

/**
 * `run --approximate <rate>` estimates a capacity sweep by miniature simulation, so it is refused (exit 2)
 * unless every run is one: `rate` a share of keys in (0, 1], every run simulated without timing (a
 * hit-ratio replay: a miniature cache has no latencies or queues to scale up), and each group of runs that
 * replays in one pass sweeping the capacity (runs with a cache at two or more capacities).
 */
export function checkApproximation(runs: readonly { name: string; scenario: Scenario }[], rateText: string): number {
  const rate = Number(rateText);
  if (rateText.trim() === '' || !Number.isFinite(rate) || rate <= 0 || rate > 1) {
    throw new InputError(`--approximate: ${echoInput(rateText)} is not a sampling rate; give the share of keys to sample, above 0 and at most 1, e.g. --approximate 0.01`);
  }
  const refuse = (why: string) => {
    throw new InputError(`--approximate estimates a capacity sweep of simulated runs without timing (a matrix over cache.capacity); ${why}`);
  };
  for (const { name, scenario } of runs) {
    const run = runs.length > 1 ? `run "${echoInput(name)}"` : 'the run';
    if (scenario.mode !== 'simulate') refuse(`${run} is live (mode: ${scenario.mode})`);
    if (isTimed(scenario)) refuse(`${run} is timed (workload.arrival: ${scenario.workload.arrival.type}; arrival: none replays without timing)`);
  }
  for (const group of sweepGroups(runs.map((run) => run.scenario))) {
    const capacities = new Set(group.flatMap((index) => {
      const cache = runs[index].scenario.cache;
      return cache === null ? [] : [`${cache.capacity} ${cache.capacity_unit}`];
    }));
    if (capacities.size < 2) {
      const at = capacities.size === 0 ? 'without a cache' : `all at capacity ${[...capacities][0]}`;
      const which = runs.length === 1 ? 'the run is' : group.length === runs.length ? 'the runs are' : `runs ${group.map((index) => `"${echoInput(runs[index].name)}"`).join(', ')} are`;
      refuse(`${which} ${at}: sweep the capacity, e.g. matrix: { cache.capacity: [1k, 10k, 100k] }`);
    }
  }
  return rate;
}
