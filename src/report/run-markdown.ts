import { approximationLegend, approximationNote } from './approximation-note.js';
import type { Result, RunMetrics, RunResult } from '../result/run-result.js';
import { type ColumnAlign, codeSpan, markdownTable, markdownText } from './markdown-text.js';
import { formatCount, formatDuration, formatPercent, formatRate } from './number-format.js';
import { matrixConclusions } from './matrix-conclusions.js';
import { matrixOverview } from './matrix-table.js';
import { formatRunParams } from './run-label.js';
import { formatThresholdActual } from './threshold-table.js';
import { serverCounterComparisons } from './server-counters.js';
import { verdictLine } from './verdict.js';
import { displayedInput } from './display-text.js';

/**
 * `cachebench run --markdown`: a summary for a CI job page (GitHub's $GITHUB_STEP_SUMMARY, a merge-request
 * note): the gate's outcome first, then per run the key metrics with and without the cache, the verdict,
 * each threshold ✓/✗ and, for a live run, the servers' own counters beside the client's. With a matrix, an
 * overview table comes first. Pure: returns the text.
 */

interface KeyMetric {
  label: string;
  value(metrics: RunMetrics): string;
}

/** What a reviewer needs to judge a cache at a glance; the terminal summary and the JSON have the rest. */
const KEY_METRICS: KeyMetric[] = [
  { label: 'requests', value: (m) => formatCount(m.requests) },
  { label: 'hit rate', value: (m) => formatPercent(m.hit_rate) },
  { label: 'DB offload', value: (m) => formatPercent(m.offload) },
  { label: 'latency p50', value: (m) => formatDuration(m.latency_ms?.p50) },
  { label: 'latency p99', value: (m) => formatDuration(m.latency_ms?.p99) },
  { label: 'DB reads', value: (m) => formatCount(m.db.reads) },
  { label: 'DB qps peak', value: (m) => formatRate(m.db.qps_peak) },
  { label: 'stale rate', value: (m) => formatPercent(m.staleness.stale_rate) },
  { label: 'errors', value: (m) => formatCount(m.errors) },
];

export function renderRunMarkdown(result: Result): string {
  result = displayedInput(result); // control characters escaped, URL passwords masked
  const scenario = result.scenario as { name?: unknown } | null;
  const name = typeof scenario?.name === 'string' ? scenario.name : (result.runs[0]?.name ?? '');
  const parts = [`## cachebench: ${markdownText(name)}`, gateLine(result.runs)];
  // A partial result says so before any number: the runs stopped early (Ctrl-C, a failure).
  if (result.partial) parts.push(`⚠ **partial result**: ${markdownText(result.partial_reason ?? 'the runs stopped early')}`);
  const single = result.runs.length === 1;
  if (!single) parts.push(overviewTable(result.runs));
  for (const run of result.runs) parts.push(runSection(run, single && run.name === name));
  return `${parts.join('\n\n')}\n`;
}

function gateLine(runs: RunResult[]): string {
  const thresholds = runs.flatMap((run) => run.thresholds);
  const runCount = runs.length === 1 ? '' : ` over ${runs.length} runs`;
  if (thresholds.length === 0) return `No thresholds${runCount}.`;
  const failed = thresholds.filter((threshold) => !threshold.pass).length;
  const noun = thresholds.length === 1 ? 'threshold' : 'thresholds';
  return failed === 0
    ? `✓ **all ${thresholds.length} ${noun} passed**${runCount}`
    : `✗ **${failed} of ${thresholds.length} ${noun} failed**${runCount}`;
}

/** The terminal's matrix overview (baseline first, the varied parameters, each run's result) and what it concludes. */
function overviewTable(runs: RunResult[]): string {
  const overview = matrixOverview(runs);
  const table = markdownTable(
    overview.head.map(markdownText),
    overview.align,
    overview.rows.map((row) => row.cells.map(markdownText)),
  );
  const conclusions = matrixConclusions(runs);
  const legend = approximationLegend(runs);
  const lines = [
    ...(legend === null ? [] : [markdownText(legend)]),
    ...conclusions.capacity.map(markdownText),
    ...(conclusions.overall === null ? [] : [`**${markdownText(conclusions.overall)}**`]),
  ];
  return lines.length === 0 ? table : `${table}\n\n${lines.join('\n\n')}`;
}

function runSection(run: RunResult, untitled: boolean): string {
  const parts: string[] = [];
  if (!untitled) {
    const params = formatRunParams(run.params ?? {});
    const heading = `### ${markdownText(run.name)}`;
    parts.push(params === '' || params === run.name ? heading : `${heading}\n\n${codeSpan(params)}`);
  }
  if (run.partial) parts.push(`⚠ partial: ${markdownText(run.partial_reason ?? 'stopped early')}`);
  const approximate = approximationNote(run);
  if (approximate !== null) parts.push(markdownText(approximate));
  parts.push(
    markdownTable(
      ['metric', 'with cache', 'no cache'],
      ['left', 'right', 'right'],
      KEY_METRICS.map((metric) => [metric.label, metric.value(run.metrics), metric.value(run.baseline)]),
    ),
  );
  parts.push(markdownText(verdictLine(run)));
  if (run.thresholds.length > 0) {
    parts.push(
      markdownTable(
        ['', 'threshold', 'actual'],
        ['center', 'left', 'right'],
        run.thresholds.map((threshold) => [
          threshold.pass ? '✓' : '✗',
          codeSpan(threshold.expr),
          formatThresholdActual(threshold.expr, threshold.actual, threshold.unreliable, threshold.approximate),
        ]),
      ),
    );
  }
  parts.push(...serverCountersMarkdown(run));
  return parts.join('\n\n');
}

/** A live run: each server's own counters beside the client's counts, and why any is unavailable. */
function serverCountersMarkdown(run: RunResult): string[] {
  return serverCounterComparisons(run).flatMap((comparison) => [
    `**${markdownText(comparison.title)}: the client's counts beside the server's**`,
    markdownTable(
      ['counter', ...comparison.columns.map(markdownText)],
      ['left', ...comparison.columns.map((): ColumnAlign => 'right')],
      comparison.rows.map((row) => [markdownText(row.label), ...row.values.map(markdownText)]),
    ),
    ...comparison.notes.map(markdownText),
  ]);
}
