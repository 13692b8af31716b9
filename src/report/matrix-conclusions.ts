import type { RunResult } from '../result/run-result.js';
import { formatBytes } from './byte-format.js';
import { capacityAxis, capacityValue, axisValue, type VariedAxis, variedAxes } from './matrix-axes.js';
import { formatCount, formatDuration, formatPercent, formatRate } from './number-format.js';
import { formatThresholdActual } from './threshold-table.js';

/**
 * What a matrix answers, in sentences under its table: which thresholds each failing run broke, when
 * the matrix varies a cache's capacity the smallest one that passes every threshold and where the hit-rate
 * curve flattens (without thresholds: where it flattens, or that it still climbs), and last the overall
 * result. Pure: plain text lines.
 */
export interface MatrixConclusions {
  /** `✗ capacity=16MB: db.qps_peak < 500/s was 812/s` — one per run with a failed threshold. */
  failures: string[];
  /** One per group of the other varied parameters (one line when only the capacity varies). */
  capacity: string[];
  /** `3 of 6 runs pass every threshold`; null without thresholds. */
  overall: string | null;
}

/** Past this gain in hit rate per doubling of the cache, a bigger cache still pays (1 percentage point). */
export const FLAT_GAIN_PER_DOUBLING = 0.01;

export function matrixConclusions(runs: readonly RunResult[]): MatrixConclusions {
  const axes = variedAxes(runs);
  const withThresholds = runs.some((run) => run.thresholds.length > 0);
  const failures = runs.filter((run) => run.thresholds.some((t) => !t.pass)).map((run) => failureLine(run, axes));
  const passing = runs.filter((run) => run.thresholds.length > 0 && run.thresholds.every((t) => t.pass)).length;
  const overall = withThresholds ? `${passing} of ${runs.length} run${runs.length === 1 ? '' : 's'} pass${runs.length === 1 ? 'es' : ''} every threshold` : null;
  return { failures, capacity: capacityLines(runs, axes, withThresholds), overall };
}

function runLabel(run: RunResult, axes: readonly VariedAxis[]): string {
  return axes.length === 0 ? run.name : axes.map((axis) => `${axis.label}=${axisValue(run, axis)}`).join(' ');
}

function failureLine(run: RunResult, axes: readonly VariedAxis[]): string {
  const broken = run.thresholds.filter((t) => !t.pass).map((t) => `${t.expr} was ${formatThresholdActual(t.expr, t.actual)}`);
  return `✗ ${runLabel(run, axes)}: ${broken.join('; ')}`;
}

interface SizedRun {
  run: RunResult;
  size: string;
  amount: number;
}

function capacityLines(runs: readonly RunResult[], axes: readonly VariedAxis[], withThresholds: boolean): string[] {
  const capacity = capacityAxis(axes);
  if (capacity === null) return [];
  const others = axes.filter((axis) => axis !== capacity);
  const groups = new Map<string, SizedRun[]>();
  let unit: string | null = null;
  for (const run of runs) {
    const value = capacityValue(run.params[capacity.path]);
    // Sizes in entries and in bytes, or a size that is no size, do not make one curve.
    if (value === null || (unit !== null && value.unit !== unit)) return [];
    unit = value.unit;
    const group = others.map((axis) => `${axis.label}=${axisValue(run, axis)}`).join(' ');
    const sized = groups.get(group) ?? [];
    sized.push({ run, size: axisValue(run, capacity), amount: value.amount });
    groups.set(group, sized);
  }
  const lines: string[] = [];
  for (const [group, sized] of groups) {
    sized.sort((a, b) => a.amount - b.amount);
    if (new Set(sized.map((s) => s.amount)).size < 2) continue;
    const curve = flattening(sized, capacity.label);
    // With thresholds the question is the smallest size that passes; where the curve flattens is worth a
    // line beside it only when it does within the sweep.
    const found = withThresholds ? [smallestPassing(sized, capacity.label), curve?.flat ? curve.line : null] : [curve?.line ?? null];
    for (const line of found) if (line !== null) lines.push(group === '' ? line : `${group}: ${line}`);
  }
  return lines;
}

function smallestPassing(sized: readonly SizedRun[], label: string): string {
  const passing = sized.find(({ run }) => run.thresholds.length > 0 && run.thresholds.every((t) => t.pass));
  if (passing === undefined) return `no ${label} from ${sized[0].size} to ${sized[sized.length - 1].size} passes every threshold`;
  return `smallest ${label} passing every threshold: ${passing.size} — ${runGist(passing.run)}`;
}

/** Where doubling the cache stops buying a percentage point of hit rate, over the sizes the matrix ran. */
function flattening(sized: readonly SizedRun[], label: string): { line: string; flat: boolean } | null {
  if (sized.some(({ run }) => run.metrics.hit_rate === null)) return null;
  const gains: number[] = [];
  for (let i = 0; i + 1 < sized.length; i++) {
    const doublings = Math.log2(sized[i + 1].amount / sized[i].amount);
    gains.push(doublings > 0 ? (sized[i + 1].run.metrics.hit_rate! - sized[i].run.metrics.hit_rate!) / doublings : 0);
  }
  // The smallest size from which every further step gains less than the bound per doubling.
  let flat = gains.length;
  while (flat > 0 && gains[flat - 1] < FLAT_GAIN_PER_DOUBLING) flat--;
  const last = sized[sized.length - 1];
  if (flat === gains.length) {
    const before = sized[sized.length - 2];
    return {
      flat: false,
      line: `hit rate still climbs at the largest ${label}: ${before.size} → ${last.size} gains ${points(gains[gains.length - 1])} per doubling (${formatPercent(before.run.metrics.hit_rate)} → ${formatPercent(last.run.metrics.hit_rate)})`,
    };
  }
  const at = sized[flat];
  return {
    flat: true,
    line: `hit rate flattens past ${label} ${at.size} (${formatPercent(at.run.metrics.hit_rate)}): each doubling beyond it gains < ${points(FLAT_GAIN_PER_DOUBLING)} (${formatPercent(last.run.metrics.hit_rate)} at ${last.size}) — ${runGist(at.run)}`,
  };
}

function points(gain: number): string {
  return `${Number((gain * 100).toFixed(1))} pp`;
}

/** What a chosen run buys against its baseline, and what it holds: the numbers a sizing decision needs. */
function runGist(run: RunResult): string {
  const m = run.metrics;
  const b = run.baseline;
  const parts = [`hit rate ${formatPercent(m.hit_rate)}`];
  if (m.db.qps_mean !== null && b.db.qps_mean !== null) parts.push(`DB queries ${formatRate(b.db.qps_mean)} → ${formatRate(m.db.qps_mean)}`);
  else parts.push(`DB reads ${formatCount(b.db.reads)} → ${formatCount(m.db.reads)}`);
  if (m.latency_ms !== null && b.latency_ms !== null) parts.push(`p99 ${formatDuration(b.latency_ms.p99)} → ${formatDuration(m.latency_ms.p99)}`);
  if (m.cache !== null) parts.push(`peak ${formatBytes(m.cache.peak_bytes)} in ${formatCount(m.cache.peak_entries)} entries`);
  return parts.join(', ');
}
