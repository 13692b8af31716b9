import { smallCacheNote } from '../analysis-report.js';
import type { TraceAnalysis } from '../../analysis/trace-analysis.js';
import { curveMethodLabel, memoryModelLine } from '../analysis-report.js';
import { formatBytes } from '../byte-format.js';
import { sizeLabel } from '../miss-ratio-chart.js';
import { formatCount, formatPercent, MISSING } from '../number-format.js';
import type { ChartLibrary } from './chart-library.js';
import { renderChartGrid } from './chart-figure.js';
import { type ChartSeries, type ChartSpec, COLORS, chartValue } from './chart-spec.js';
import { escapeHtml } from './html-text.js';
import { renderReportPage } from './report-page.js';
import { renderSummaryCards, type SummaryCard } from './summary-cards.js';
import { displayedInput } from '../display-text.js';

/**
 * `cachebench analyze --html`: should this trace be cached, and how big? Cards with the deciding numbers,
 * the verdict, the miss-ratio curve (with replayed policies and Belady at their sizes), the byte curve when
 * the trace has sizes, and the working set. Pure: the page is returned, the CLI writes it.
 */
export function renderAnalysisReportHtml(analysis: TraceAnalysis, library: ChartLibrary): string {
  analysis = displayedInput(analysis); // control characters escaped, URL passwords masked
  const charts = [missRatioChart(analysis), byteMissRatioChart(analysis), workingSetChart(analysis)].filter(
    (chart): chart is ChartSpec => chart !== null,
  );
  const body = [
    `<p class="verdict">${escapeHtml(analysis.verdict.summary)}</p>`,
    renderSummaryCards(analysisCards(analysis)),
    renderFindings(analysis),
    renderChartGrid(charts),
    renderSizesTable(analysis),
    analysis.memory_model === null ? '' : `<p class="note">${escapeHtml(memoryModelLine(analysis))}</p>`,
    ...analysis.notes.map((note) => `<p class="note">note: ${escapeHtml(note)}</p>`),
  ];
  return renderReportPage(
    {
      title: `cachebench analyze: ${analysis.trace.path}`,
      subtitle: `${formatCount(analysis.stats.requests)} requests, ${formatCount(analysis.stats.distinct_keys)} distinct keys; miss-ratio curve: ${curveMethodLabel(analysis)}`,
      body: body.filter((part) => part !== '').join('\n'),
      charts,
    },
    library,
  );
}

function analysisCards(analysis: TraceAnalysis): SummaryCard[] {
  const { stats, verdict, mrc } = analysis;
  const smallest = verdict.smallest_cache;
  const zipf = stats.popularity.zipf;
  const writes = stats.sets + stats.deletes;
  return [
    {
      label: 'best possible hit rate',
      value: formatPercent(mrc.max_hit_rate),
      detail: `an unbounded cache holding all ${formatCount(stats.distinct_keys)} keys`,
    },
    smallest === null
      ? { label: `cache for ${formatPercent(verdict.target_hit_rate)}`, value: 'out of reach', detail: 'even unbounded', status: 'fail' }
      : {
          label: `cache for ${formatPercent(verdict.target_hit_rate)}`,
          value: `${formatCount(smallest.entries)} entries`,
          detail: `${smallest.bytes === null ? 'LRU' : `${formatBytes(smallest.bytes)}${analysis.memory_model === null ? '' : ' of Redis memory'}, LRU`} reaching ${formatPercent(smallest.hit_rate)}`,
          status: 'pass',
        },
    {
      label: 'one-hit wonders',
      value: formatPercent(stats.one_hit_wonders.share_of_keys),
      detail: `of keys; ${formatPercent(stats.one_hit_wonders.share_of_requests)} of requests`,
    },
    {
      label: 'popularity',
      value: zipf === null ? MISSING : `Zipf α ${zipf.alpha.toFixed(2)}`,
      detail: `${zipf === null ? 'too few repeats to fit; ' : `R² ${zipf.r_squared.toFixed(3)}; `}top 1% of keys get ${formatPercent(stats.popularity.top_1pct_share)} of requests`,
    },
    {
      label: 'writes',
      value: formatPercent(stats.requests === 0 ? null : writes / stats.requests),
      detail: writes === 0 ? 'no writes' : `${formatPercent(stats.writes.overwrite_share)} overwritten before a read`,
    },
  ];
}

function renderFindings(analysis: TraceAnalysis): string {
  const items = analysis.verdict.findings.map(
    (finding) =>
      `<li class="${finding.applies ? 'applies' : 'clear'}">${finding.applies ? '● ' : '○ '}${escapeHtml(finding.label)}: ${escapeHtml(finding.evidence)}</li>`,
  );
  return `<ul class="findings">\n${items.join('\n')}\n</ul>`;
}

/** Replayed policies (and Belady) measured at the sizes of one unit, each as dots on the curve's axis. */
function policyPoints(analysis: TraceAnalysis, unit: 'entries' | 'bytes', xs: number[]): ChartSeries[] {
  const policies = [...new Set(analysis.simulated.filter((p) => p.unit === unit).map((p) => p.policy))];
  return policies.map((policy, i) => {
    const points = analysis.simulated.filter((p) => p.policy === policy && p.unit === unit);
    return {
      label: policy === 'belady' ? 'Belady (optimal)' : policy,
      color: policy === 'belady' ? COLORS.belady : COLORS.policies[i % COLORS.policies.length],
      style: 'points' as const,
      values: xs.map((x) => chartValue(points.find((p) => p.size === x)?.hit_rate)),
    };
  });
}

/** The sorted, distinct, positive x values of a curve and the sizes replayed on it (a log axis). */
function mergedAxis(curve: number[], replayed: number[]): number[] {
  return [...new Set([...curve, ...replayed])].filter((x) => x > 0).sort((a, b) => a - b);
}

function missRatioChart(analysis: TraceAnalysis): ChartSpec | null {
  const { mrc } = analysis;
  if (mrc.points.length === 0) return null;
  const curve = new Map(mrc.points.map((p) => [p.size, p.hit_rate]));
  const approximate = analysis.approximate.map((c) => ({ curve: c, at: new Map(c.points.filter((p) => p.unit === 'entries').map((p) => [p.size, p.hit_rate])) }));
  const xs = mergedAxis(
    [...curve.keys(), ...approximate.flatMap((a) => [...a.at.keys()])],
    analysis.simulated.filter((p) => p.unit === 'entries').map((p) => p.size),
  );
  const approximateNote =
    approximate.length > 0
      ? `; ≈ lines: approximate curves by miniature simulation (${formatPercent(analysis.approximate[0].sample_rate)} of keys sampled; ${smallCacheNote(analysis.approximate[0].sample_rate)})`
      : '';
  return {
    id: 'mrc-entries',
    title: 'Miss-ratio curve: hit rate by cache size',
    caption: `LRU hit rate at each capacity in entries (${curveMethodLabel(analysis)}); dots: policies replayed at chosen sizes; dashed: an unbounded cache${approximateNote}.`,
    kind: 'lines',
    x: { label: 'cache size (entries)', unit: 'entries', log: true, values: xs },
    y: { label: 'hit rate', unit: 'fraction', min: 0 },
    series: [
      { label: 'LRU (curve)', color: COLORS.withCache, style: 'line', spanGaps: true, values: xs.map((x) => chartValue(curve.get(x))) },
      { label: 'unbounded', color: COLORS.noCache, style: 'dashed', values: xs.map(() => chartValue(mrc.max_hit_rate)) },
      ...policyPoints(analysis, 'entries', xs),
      ...approximate.map(({ curve: c, at }, i) => ({
        label: `${c.policy} ≈ (miniature simulation, ${formatPercent(c.sample_rate)} sampled)`,
        color: COLORS.policies[i % COLORS.policies.length],
        style: 'line' as const,
        spanGaps: true,
        values: xs.map((x) => chartValue(at.get(x))),
      })),
    ],
  };
}

function byteMissRatioChart(analysis: TraceAnalysis): ChartSpec | null {
  const bytes = analysis.mrc.bytes;
  if (bytes === null || bytes.points.length === 0) return null;
  const byCapacity = new Map(bytes.points.map((p) => [p.bytes, p]));
  const xs = mergedAxis([...byCapacity.keys()], analysis.simulated.filter((p) => p.unit === 'bytes').map((p) => p.size));
  const redis = analysis.memory_model !== null;
  return {
    id: 'mrc-bytes',
    title: redis ? 'Miss-ratio curve by Redis memory' : 'Miss-ratio curve by bytes',
    caption: redis
      ? "LRU hit rate and byte hit rate (share of read bytes served from the cache) at each Redis maxmemory: keys charged what Redis charges them, the server's baseline included."
      : 'LRU hit rate and byte hit rate (share of read bytes served from the cache) at each capacity in bytes.',
    kind: 'lines',
    x: { label: redis ? 'Redis memory (maxmemory, bytes)' : 'cache size (bytes)', unit: 'bytes', log: true, values: xs },
    y: { label: 'hit rate', unit: 'fraction', min: 0 },
    series: [
      { label: 'hit rate', color: COLORS.withCache, style: 'line', spanGaps: true, values: xs.map((x) => chartValue(byCapacity.get(x)?.hit_rate)) },
      { label: 'byte hit rate', color: COLORS.l2, style: 'line', spanGaps: true, values: xs.map((x) => chartValue(byCapacity.get(x)?.byte_hit_rate)) },
      ...policyPoints(analysis, 'bytes', xs),
    ],
  };
}

function workingSetChart(analysis: TraceAnalysis): ChartSpec | null {
  const { windows, window_requests } = analysis.stats.working_set;
  if (windows.length === 0) return null;
  return {
    id: 'working-set',
    title: 'Working set',
    caption: `Distinct keys in each window of ${formatCount(window_requests)} requests, and distinct keys so far (right axis).`,
    kind: 'lines',
    x: { label: 'requests', unit: 'count', values: windows.map((w) => w.start_request) },
    y: { label: 'keys per window', unit: 'count', min: 0 },
    y2: { label: 'keys so far', unit: 'count', min: 0 },
    series: [
      { label: 'distinct keys per window', color: COLORS.withCache, style: 'line', values: windows.map((w) => w.distinct_keys) },
      { label: 'distinct keys so far', color: COLORS.l1, style: 'line', axis: 'right', values: windows.map((w) => w.cumulative_distinct_keys) },
    ],
  };
}

/** Hit rate per chosen size: the curve (LRU) beside each replayed policy and Belady, as in the terminal. */
function renderSizesTable(analysis: TraceAnalysis): string {
  const atSizes = analysis.mrc.at_sizes;
  if (atSizes.length === 0) return '';
  const policies = [...new Set(analysis.simulated.map((p) => p.policy))];
  const head = ['size', 'LRU (curve)', ...policies].map((title) => `<th>${escapeHtml(title)}</th>`).join('');
  const rows = atSizes.map((at) => {
    const cells = [at.unit === 'bytes' ? formatBytes(at.size) : sizeLabel(at.size), formatPercent(at.hit_rate)];
    for (const policy of policies) {
      const point = analysis.simulated.find((p) => p.policy === policy && p.size === at.size && p.unit === at.unit);
      cells.push(point === undefined ? MISSING : `${formatPercent(point.hit_rate)} (${formatCount(point.hits)})`);
    }
    return `<tr>${cells.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`;
  });
  return `<h3>Hit rate at chosen sizes (hits in brackets)</h3>\n<table class="sizes">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
}
