import { approximationNote } from '../approximation-note.js';
import type { FaultWindow, Result, RunResult } from '../../result/run-result.js';
import { formatDuration } from '../number-format.js';
import { formatRunParams } from '../run-label.js';
import { verdictLine } from '../verdict.js';
import type { ChartLibrary } from './chart-library.js';
import { renderChartGrid } from './chart-figure.js';
import type { ChartSpec } from './chart-spec.js';
import { escapeHtml } from './html-text.js';
import { latencyDistributionChart } from './latency-distribution-chart.js';
import { latencyPercentilesChart } from './latency-percentiles-chart.js';
import { matrixCharts, unvariedMetrics } from './matrix-charts.js';
import { renderMatrixTable } from './matrix-comparison.js';
import { renderMetricTable } from './metric-table.js';
import { renderReportPage } from './report-page.js';
import { renderServerCounters } from './server-counters-table.js';
import { renderSummaryCards, summaryCards } from './summary-cards.js';
import { renderThresholdList } from './threshold-list.js';
import { timeseriesCharts } from './timeseries-charts.js';
import { displayedInput } from '../display-text.js';

/**
 * `cachebench run --html`: the result as one self-contained page. A matrix opens with its runs compared
 * (a table and bar charts); then each run has its verdict, summary cards, charts over time and of latency,
 * every number with and without the cache and, for a live run, the servers' own counters beside the
 * client's. Pure: the page is returned, the CLI writes it.
 */
export function renderRunReportHtml(result: Result, library: ChartLibrary): string {
  result = displayedInput(result); // control characters escaped, URL passwords masked
  const { runs } = result;
  const charts: ChartSpec[] = [];
  const parts: string[] = [];
  // A partial result says so before any number: the runs stopped early (Ctrl-C, a failure).
  if (result.partial) parts.push(`<p class="note partial">Partial result: ${escapeHtml(result.partial_reason ?? 'the runs stopped early')}</p>`);
  if (runs.length > 1) {
    const comparison = matrixCharts(runs);
    charts.push(...comparison);
    const same = unvariedMetrics(runs);
    const note = same.length === 0 ? '' : `<p class="note">The same in every run: ${escapeHtml(same.join(', '))}.</p>\n`;
    parts.push(
      `<section id="matrix">\n<h2>Matrix: ${runs.length} runs</h2>\n${renderMatrixTable(runs)}\n${note}${renderChartGrid(comparison)}\n</section>`,
    );
  }
  runs.forEach((run, index) => {
    const section = runSection(run, index);
    charts.push(...section.charts);
    parts.push(section.html);
  });
  if (runs.length === 0) parts.push('<p class="note">No run completed.</p>');

  const name = scenarioName(result.scenario);
  return renderReportPage(
    {
      title: `cachebench: ${name}`,
      subtitle: runs.length === 1 ? 'one run, with the cache and without it' : `${runs.length} runs, each with the cache and without it`,
      body: parts.join('\n'),
      charts,
    },
    library,
  );
}

/** The scenario's name, when the resolved scenario has one. */
function scenarioName(scenario: unknown): string {
  const name = typeof scenario === 'object' && scenario !== null ? (scenario as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== '' ? name : 'run';
}

function runSection(run: RunResult, index: number): { html: string; charts: ChartSpec[] } {
  const id = `run-${index}`;
  const charts = [
    ...timeseriesCharts(id, run),
    latencyPercentilesChart(`${id}-latency-percentiles`, run.metrics, run.baseline),
    latencyDistributionChart(`${id}-latency-distribution`, run.histograms),
  ].filter((chart): chart is ChartSpec => chart !== null);
  const params = formatRunParams(run.params);
  const heading = run.name || params || `run ${index + 1}`;
  const notes: string[] = [];
  if (run.partial) notes.push(`Partial run: ${run.partial_reason ?? 'stopped early'}; its numbers cover the requests until then.`);
  const approximate = approximationNote(run);
  if (approximate !== null) notes.push(approximate);
  if (run.metrics.latency_ms === null) {
    notes.push('This run replayed hit ratios without timing: latency, database load and staleness over time need a timed run (a workload with a rate).');
  }
  const html = [
    `<section id="${id}">`,
    `<h2>${escapeHtml(heading)}</h2>`,
    params === '' || params === heading ? '' : `<p class="subtitle"><code>${escapeHtml(params)}</code></p>`,
    `<p class="verdict">${escapeHtml(verdictLine(run))}</p>`,
    renderSummaryCards(summaryCards(run)),
    ...notes.map((note) => `<p class="note">${escapeHtml(note)}</p>`),
    renderChartGrid(charts),
    renderFaultTable(run.faults ?? []),
    `<h3>Every number</h3>`,
    `<div class="tables">${renderMetricTable(run)}${renderThresholdList(run.thresholds)}</div>`,
    renderServerCounters(run),
    '</section>',
  ];
  return { html: html.filter((part) => part !== '').join('\n'), charts };
}

/** The fault windows shaded on the charts, by name and time. */
function renderFaultTable(faults: FaultWindow[]): string {
  if (faults.length === 0) return '';
  const rows = faults.map(
    (fault) =>
      `<tr><td>${escapeHtml(fault.kind)}</td><td>${escapeHtml(formatDuration(fault.start_ms))}</td><td>${escapeHtml(formatDuration(fault.end_ms))}</td><td>${escapeHtml(fault.detail)}</td></tr>`,
  );
  return `<h3>Fault windows</h3>\n<table class="faults">\n<thead><tr><th>fault</th><th>from</th><th>to</th><th>detail</th></tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
}
