import { MIN_MINIATURE_ENTRIES } from '../analysis/miniature-simulation.js';
import Table from 'cli-table3';
import type { TraceAnalysis } from '../analysis/trace-analysis.js';
import type { Percentiles } from '../analysis/trace-profile.js';
import { formatBytes } from './byte-format.js';
import { renderMissRatioChart, sizeLabel } from './miss-ratio-chart.js';
import { formatCount, formatDuration, formatPercent, formatRate, MISSING } from './number-format.js';
import { type ReportOptions, reportChalk, tableOptions } from './report-style.js';
import { displayedInput } from './display-text.js';

export interface AnalysisReportOptions extends ReportOptions {
  /** Unicode chart and marks; false for plain ASCII. */
  unicode: boolean;
}

/** `cachebench analyze`'s human output: the trace's numbers, the curve, the sizes table and the verdict. */
export function renderAnalysisReport(analysis: TraceAnalysis, options: AnalysisReportOptions): string {
  analysis = displayedInput(analysis); // control characters escaped, URL passwords masked
  const chalk = reportChalk(options);
  const parts = [
    chalk.bold(`${analysis.trace.path}`),
    renderStatsTable(analysis, options),
    chalk.bold(`miss-ratio curve (${curveMethodLabel(analysis)})`),
    renderMissRatioChart(analysis.mrc, options),
  ];
  const sizes = renderSizesTable(analysis, options);
  if (sizes !== '') parts.push(sizes);
  const memory = memoryModelLine(analysis);
  if (memory !== '') parts.push(memory);
  parts.push(renderVerdict(analysis, options));
  for (const note of analysis.notes) parts.push(chalk.dim(`note: ${note}`));
  return parts.join('\n\n');
}

/** With `--memory-model redis`: what a size in bytes means, and where the constants came from. */
export function memoryModelLine(analysis: TraceAnalysis): string {
  const model = analysis.memory_model;
  if (model === null) return '';
  const source = model.from === null ? "Redis 7.0's measured constants" : `measured by the live run in ${model.from}`;
  return (
    `sizes in bytes are Redis memory (maxmemory): ${formatBytes(model.baseline)} of baseline, then per key its ${model.key_bytes}-byte name and ` +
    `its value in jemalloc size classes + ${model.entry_bytes} B (+ ${model.expires_bytes} B with a TTL) — ${source}`
  );
}

export function curveMethodLabel(analysis: TraceAnalysis): string {
  const mrc = analysis.mrc;
  if (mrc.method === 'exact') return 'exact LRU';
  const kind = mrc.method === 'shards-fixed-rate' ? 'fixed-rate' : 'fixed-size';
  return `SHARDS ${kind}, sampling ${formatPercent(mrc.sample_rate)} of keys`;
}

function renderStatsTable(analysis: TraceAnalysis, options: ReportOptions): string {
  const s = analysis.stats;
  const table = new Table(tableOptions(['', 'trace'], options, { colAligns: ['left', 'left'], compact: true }));
  const percentiles = (p: Percentiles, format: (v: number | null) => string) =>
    `p50 ${format(p.p50)} · p90 ${format(p.p90)} · p99 ${format(p.p99)} · max ${format(p.max)}`;
  const zipf = s.popularity.zipf;
  const sizes = s.object_sizes;
  const windows = s.working_set.windows;
  const perWindow = windows.map((w) => w.distinct_keys).sort((a, b) => a - b);
  table.push(
    ['requests', formatCount(s.requests)],
    [
      'operations',
      `${formatPercent(s.op_mix.get)} get · ${formatPercent(s.op_mix.set)} set · ${formatPercent(s.op_mix.delete)} delete`,
    ],
    ['distinct keys', formatCount(s.distinct_keys)],
    [
      'span',
      `${formatDuration(s.duration_ms)} of trace time · ${formatRate(s.request_rate_per_s)} requests · ${formatRate(s.read_rate_per_s)} reads`,
    ],
    [
      'one-hit wonders',
      `${formatCount(s.one_hit_wonders.keys)} keys: ${formatPercent(s.one_hit_wonders.share_of_keys)} of keys, ` +
        `${formatPercent(s.one_hit_wonders.share_of_requests)} of requests`,
    ],
    [
      `reuse distance${s.reuse_distance.sampled ? ' (sampled)' : ''}`,
      `${percentiles(s.reuse_distance.percentiles, formatCount)} keys`,
    ],
    ['reuse time', `${percentiles(s.reuse_time.requests.percentiles, formatCount)} requests`],
    ['', percentiles(s.reuse_time.ms.percentiles, formatDuration)],
    [
      'popularity',
      zipf === null
        ? `too few repeated keys to fit Zipf · top 1% of keys get ${formatPercent(s.popularity.top_1pct_share)} of requests`
        : `Zipf α ${zipf.alpha.toFixed(2)} (R² ${zipf.r_squared.toFixed(3)}, ranks 1–${formatCount(zipf.head_ranks)}) · ` +
          `top 1% of keys get ${formatPercent(s.popularity.top_1pct_share)} of requests`,
    ],
    [
      'object sizes',
      sizes.has_sizes
        ? `${percentiles(sizes.per_key.percentiles, (v) => (v === null ? MISSING : formatBytes(v)))}`
        : 'none in the trace (every object counts 1)',
    ],
  );
  if (sizes.has_sizes) {
    table.push(
      ['', `by bytes: ${percentiles(sizes.bytes_weighted, (v) => (v === null ? MISSING : formatBytes(v)))}`],
      ['', `footprint of all keys ${formatBytes(sizes.footprint_bytes)}`],
    );
  }
  table.push(
    [
      'written before read',
      s.writes.writes === 0
        ? 'no writes'
        : `${formatPercent(s.writes.overwrite_share)} of ${formatCount(s.writes.writes)} writes are overwritten before a read ` +
          `(${formatCount(s.writes.keys_with_writes)} keys with writes)`,
    ],
    [
      'working set',
      windows.length === 0
        ? MISSING
        : `${formatCount(perWindow[Math.floor(perWindow.length / 2)])} distinct keys per ${formatCount(s.working_set.window_requests)} requests ` +
          `(median of ${windows.length} windows, max ${formatCount(perWindow[perWindow.length - 1])})`,
    ],
  );
  return table.toString();
}

/** Hit rate per size: the curve (LRU) beside each replayed policy and Belady. */
function renderSizesTable(analysis: TraceAnalysis, options: ReportOptions): string {
  const atSizes = analysis.mrc.at_sizes;
  if (atSizes.length === 0) return '';
  const policies = [...new Set(analysis.simulated.map((p) => p.policy))];
  const approximate = analysis.approximate;
  const approximateHeads = approximate.map((c) => `${c.policy} ≈`);
  const table = new Table(
    tableOptions(['size', 'LRU (curve)', ...policies, ...approximateHeads], options, {
      colAligns: ['right', 'right', ...policies.map(() => 'right' as const), ...approximateHeads.map(() => 'right' as const)],
      compact: true,
    }),
  );
  for (const at of atSizes) {
    const row = [at.unit === 'bytes' ? formatBytes(at.size) : sizeLabel(at.size), formatPercent(at.hit_rate)];
    for (const policy of policies) {
      const point = analysis.simulated.find((p) => p.policy === policy && p.size === at.size && p.unit === at.unit);
      row.push(point === undefined ? MISSING : `${formatPercent(point.hit_rate)} (${formatCount(point.hits)})`);
    }
    for (const curve of approximate) {
      const point = curve.points.find((p) => p.size === at.size && p.unit === at.unit);
      row.push(point === undefined ? MISSING : formatPercent(point.hit_rate));
    }
    table.push(row);
  }
  const legend =
    approximate.length === 0
      ? ''
      : `\n≈: approximate, by miniature simulation (${formatPercent(approximate[0].sample_rate)} of keys sampled, caches scaled down alike; ${smallCacheNote(approximate[0].sample_rate)})`;
  return `hit rate at chosen sizes (hits in brackets)\n${table.toString()}${legend}`;
}

/** Which sizes a miniature simulation samples more of (miniature-simulation.ts: MIN_MINIATURE_ENTRIES). */
export function smallCacheNote(rate: number): string {
  return `a cache under ${formatCount(Math.ceil(MIN_MINIATURE_ENTRIES / rate))} entries samples more keys, to keep ${MIN_MINIATURE_ENTRIES}`;
}

function renderVerdict(analysis: TraceAnalysis, options: AnalysisReportOptions): string {
  const chalk = reportChalk(options);
  const verdict = analysis.verdict;
  // Plain text marks what applies like a checklist, so a "-" is never read as a bullet.
  const yes = options.unicode ? '●' : '[x]';
  const no = options.unicode ? '○' : '[ ]';
  const lines = verdict.findings.map(
    (f) => `${f.applies ? chalk.yellow(yes) : chalk.dim(no)} ${f.applies ? chalk.bold(f.label) : f.label}: ${f.evidence}`,
  );
  const e = verdict.expected;
  lines.push(
    '',
    `target hit rate ${formatPercent(verdict.target_hit_rate)}; with a cache at ${formatDuration(e.cache_latency_ms)} and ` +
      `the database at ${formatDuration(e.db_latency_ms)}:`,
    `  mean read latency = h·cache + (1−h)·(cache + db)   DB reads/s = (1−h) × reads/s`,
    chalk.bold(verdict.summary),
  );
  return lines.join('\n');
}
