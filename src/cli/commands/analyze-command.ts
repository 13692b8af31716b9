import { analyzeTrace, type CurveMethod } from '../../analysis/analyze-trace.js';
import { analysisMemoryModel } from '../../analysis/memory-model-option.js';
import type { CacheSize } from '../../analysis/policy-replay.js';
import { InputError } from '../../errors.js';
import { createPolicy } from '../../policies/registry.js';
import { serializeAnalysis } from '../../report/analysis-json.js';
import { renderAnalysisReport } from '../../report/analysis-report.js';
import { renderAnalysisReportHtml } from '../../report/html/analysis-report.js';
import { hasByteUnit, parseCount, parseDuration, parseFraction, parseSize } from '../../scenario/units.js';
import { loadChartLibrary } from '../../report/html/chart-library.js';
import { checkDistinctOutputs, OutputFile, type ReadFile } from '../output-file.js';
import { analyzeInput, type AnalyzeSourceFlags } from '../analyze-source.js';
import type { Terminal } from '../terminal.js';

export interface AnalyzeOptions extends AnalyzeSourceFlags {
  format: string;
  sizes?: string;
  policies?: string;
  sampleRate?: string;
  sampleSize?: string;
  exact?: boolean;
  belady: boolean;
  targetHitRate: string;
  dbLatency: string;
  cacheLatency: string;
  json?: string;
  /** A self-contained HTML report of the analysis. */
  html?: string;
  /** `values`, `redis` or a live run's result file: what a capacity in bytes counts. */
  memoryModel: string;
  keyBytes?: string;
  color?: boolean;
}

/** `cachebench analyze <trace>`: characterise a trace, its miss-ratio curve and a verdict. */
export function analyzeCommand(file: string | undefined, options: AnalyzeOptions, terminal: Terminal): number {
  checkDistinctOutputs([
    { flag: '--json', path: options.json },
    { flag: '--html', path: options.html },
  ]);
  const input = analyzeInput(file, options);
  const method = curveMethod(options);
  const sizes = options.sizes === undefined ? null : parseSizes(options.sizes);
  const policies = parsePolicies(options.policies);
  const targetHitRate = flag('--target-hit-rate', () => parseFraction(options.targetHitRate));
  if (!(targetHitRate > 0)) throw new InputError('--target-hit-rate: must be above 0, e.g. 0.8 or 80%');
  const dbLatencyMs = flag('--db-latency', () => parseDuration(options.dbLatency));
  const cacheLatencyMs = flag('--cache-latency', () => parseDuration(options.cacheLatency));
  const keyBytes = options.keyBytes === undefined ? undefined : flag('--key-bytes', () => parseSize(options.keyBytes));
  const memory = analysisMemoryModel(options.memoryModel, keyBytes, { model: '--memory-model', keyBytes: '--key-bytes' });

  const jsonToStdout = options.json === '-';
  const say = jsonToStdout ? terminal.stderr : terminal.stdout;
  const color = options.color !== false && (jsonToStdout ? terminal.stderrColor : terminal.stdoutColor);
  // Fail on a bad --json or --html path before reading the trace; write them only once there is an analysis.
  const inputs: ReadFile[] = [...input.reads, ...(memory?.from == null ? [] : [{ role: 'the memory model (--memory-model)', path: memory.from }])];
  const jsonFile = options.json === undefined || jsonToStdout ? null : OutputFile.open('--json', options.json, inputs);
  if (options.html === '-') throw new InputError('--html: give a file name, e.g. --html report.html (the report cannot go to stdout)');
  const htmlFile = options.html === undefined ? null : OutputFile.open('--html', options.html, inputs);
  const chartLibrary = htmlFile === null ? null : loadChartLibrary();

  const analysis = analyzeTrace(input.open, {
    trace: input.trace,
    method,
    sizes,
    policies,
    belady: options.belady,
    verdict: { targetHitRate, dbLatencyMs, cacheLatencyMs },
    memory,
  });

  const json = serializeAnalysis(analysis);
  if (jsonToStdout) terminal.stdout(json);
  jsonFile?.write(json);
  jsonFile?.close();
  if (htmlFile !== null && chartLibrary !== null) {
    htmlFile.write(renderAnalysisReportHtml(analysis, chartLibrary));
    htmlFile.close();
  }
  say(`${renderAnalysisReport(analysis, { color, unicode: color })}\n`);
  return 0;
}

function curveMethod(options: AnalyzeOptions): CurveMethod {
  const chosen = [
    options.exact ? '--exact' : null,
    options.sampleRate === undefined ? null : '--sample-rate',
    options.sampleSize === undefined ? null : '--sample-size',
  ].filter((name) => name !== null);
  if (chosen.length > 1) throw new InputError(`${chosen.join(' and ')} choose different curves; pass one of them`);
  if (options.exact) return { kind: 'exact' };
  if (options.sampleRate !== undefined) {
    const rate = flag('--sample-rate', () => parseFraction(options.sampleRate));
    if (!(rate > 0)) throw new InputError('--sample-rate: must be above 0, e.g. 0.01 or 1%');
    return { kind: 'shards-fixed-rate', rate };
  }
  if (options.sampleSize !== undefined) {
    const maxKeys = flag('--sample-size', () => parseCount(options.sampleSize));
    if (maxKeys < 1) throw new InputError('--sample-size: must be at least 1 key, e.g. 8k');
    return { kind: 'shards-fixed-size', maxKeys };
  }
  return { kind: 'auto' };
}

/** `100,1k,10k` (entries) and `64MB` (bytes), in any mix. */
function parseSizes(list: string): CacheSize[] {
  const sizes = list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item): CacheSize => {
      const size = hasByteUnit(item)
        ? { value: flag('--sizes', () => parseSize(item)), unit: 'bytes' as const }
        : { value: flag('--sizes', () => parseCount(item)), unit: 'entries' as const };
      if (size.value < 1) throw new InputError(`--sizes: ${item} is not a cache size; sizes are ≥ 1, e.g. 100,1k,10k or 64MB`);
      return size;
    });
  if (sizes.length === 0) throw new InputError('--sizes: give at least one size, e.g. 100,1k,10k or 64MB');
  return sizes;
}

/** Names checked against the registry now, so a typo fails before the trace is read. */
function parsePolicies(list: string | undefined): string[] {
  if (list === undefined) return [];
  const names = list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '' && name !== 'belady'); // Belady is computed unless --no-belady
  for (const name of names) createPolicy(name, { capacity: 1, unit: 'entries', keySpaceHint: 1, seed: 1 });
  return names;
}

/** Runs a unit parser and prefixes its message with the flag's name. */
function flag<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`${name}: ${error.message}`);
    throw error;
  }
}
