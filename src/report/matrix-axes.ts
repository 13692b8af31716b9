import type { RunResult } from '../result/run-result.js';
import { hasByteUnit, parseCount, parseSize } from '../scenario/units.js';
import { formatParamValue } from './run-label.js';

/**
 * The parameters a matrix actually varies, read back from its runs: a `matrix:` entry with one value, or a
 * `--set` that every run shares, says nothing about any row and gets no column. Each axis is labelled by
 * its last path segment (`capacity`), or its whole path when two varied axes would share one.
 */
export interface VariedAxis {
  /** `cache.capacity` */
  path: string;
  /** `capacity` */
  label: string;
}

export function variedAxes(runs: readonly RunResult[]): VariedAxis[] {
  const paths: string[] = [];
  for (const run of runs) for (const path of Object.keys(run.params)) if (!paths.includes(path)) paths.push(path);
  const varied = paths.filter((path) => new Set(runs.map((run) => (path in run.params ? formatParamValue(run.params[path]) : undefined))).size > 1);
  const last = varied.map((path) => path.slice(path.lastIndexOf('.') + 1));
  return varied.map((path, i) => ({ path, label: last.filter((label) => label === last[i]).length > 1 ? path : last[i] }));
}

/** A run's value of an axis, as written; – when the run has none. */
export function axisValue(run: RunResult, axis: VariedAxis): string {
  return axis.path in run.params ? formatParamValue(run.params[axis.path]) : '–';
}

/** A cache size as written in the matrix (`10k`, `1000`, `64MB`), in entries or bytes; null if it is not one. */
export function capacityValue(value: unknown): { amount: number; unit: 'bytes' | 'entries' } | null {
  try {
    if (hasByteUnit(value)) return { amount: parseSize(value), unit: 'bytes' };
    return { amount: parseCount(value), unit: 'entries' };
  } catch {
    return null;
  }
}

/** The capacity axis of a sweep: `cache.capacity` first, else the first varied `….capacity`. */
export function capacityAxis(axes: readonly VariedAxis[]): VariedAxis | null {
  return axes.find((axis) => axis.path === 'cache.capacity') ?? axes.find((axis) => axis.path.endsWith('.capacity')) ?? null;
}
