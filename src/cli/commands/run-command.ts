import { InputError } from '../../errors.js';
import { redactedRun, redactedScenario } from '../../live/redacted-scenario.js';
import { matrixConclusions } from '../../report/matrix-conclusions.js';
import { displayedInput, echoInput } from '../../report/display-text.js';
import { renderMatrixTable } from '../../report/matrix-table.js';
import { approximationLegend } from '../../report/approximation-note.js';
import { formatCount } from '../../report/number-format.js';
import { serializeResult } from '../../report/json-result.js';
import { renderRunJunit } from '../../report/junit-report.js';
import { renderRunMarkdown } from '../../report/run-markdown.js';
import { renderRunReportHtml } from '../../report/html/run-report.js';
import { keysLeftBehind, tableLeftBehind } from '../../report/keys-left-behind.js';
import { renderRunSummary } from '../../report/run-summary.js';
import { renderThresholdTable } from '../../report/threshold-table.js';
import { reportChalk } from '../../report/report-style.js';
import { redactUrlCredentials } from '../../result/redaction.js';
import type { Result, RunResult } from '../../result/run-result.js';
import { runScenario, runSweep } from '../../run/run-scenario.js';
import { defaultSweepThreads, MAX_SWEEP_THREADS } from '../../run/sweep.js';
import { checkApproximation, sweepGroups } from '../../run/sweep-plan.js';
import { RunStopped, SweepStopped } from '../../run/run-stopped.js';
import type { OverrideFlag } from '../../scenario/overrides.js';
import type { Scenario } from '../../scenario/scenario.js';
import { exportWorkloadTrace } from '../../workload/trace-export.js';
import { type ChartLibrary, loadChartLibrary } from '../../report/html/chart-library.js';
import type { LoadedScenario } from '../../scenario/load.js';
import { checkDistinctOutputs, OutputFile, type ReadFile } from '../output-file.js';
import { parseShard, type ShardSpec } from '../../workload/key-shard.js';
import { LongRunNotice, type LongRunNotices } from '../long-run-notice.js';
import { expectedWork, RunProgressBar } from '../progress-bar.js';
import { loadCheckedScenario } from '../checked-scenario.js';
import type { Terminal } from '../terminal.js';

export interface RunOptions {
  json?: string;
  /** A self-contained HTML report, written when the runs end (also after a failure or Ctrl-C). */
  html?: string;
  /** `--set` flags, and the flags that set a field (`--skip-bad-lines`). */
  set: OverrideFlag[];
  color?: boolean;
  /** Live runs: CONFIG SET maxmemory / maxmemory-policy for the run (restored afterwards). */
  allowConfig?: boolean;
  /** JUnit XML: a test suite per run, a test case per threshold. */
  junit?: string;
  /** A Markdown summary for CI job pages. */
  markdown?: string;
  /** `i/N`: drive only shard i of N of the workload (keys split by hash; see `cachebench merge`). */
  shard?: string;
  /** The run's workload written as a canonical CSV trace, before the run (for `cachebench analyze`). */
  traceOut?: string;
  /** Threads that replay a one-pass sweep's lanes (default: one per core). */
  threads?: string;
  /** A capacity sweep estimated by miniature simulation at this sampling rate. */
  approximate?: string;
}

/**
 * `cachebench run <scenario.yaml>`: every run of the scenario (one per matrix combination), a summary,
 * the JSON result, and the exit code of the CI gate (1 when any threshold failed).
 */
export async function runCommand(file: string, options: RunOptions, terminal: Terminal): Promise<number> {
  checkDistinctOutputs([
    { flag: '--json', path: options.json },
    { flag: '--html', path: options.html },
    { flag: '--junit', path: options.junit },
    { flag: '--markdown', path: options.markdown },
    { flag: '--trace-out', path: options.traceOut },
  ]);
  const shard = options.shard === undefined ? undefined : parseShard(options.shard);
  const threads = options.threads === undefined ? defaultSweepThreads() : parseThreads(options.threads);
  const { loaded, thresholds } = loadCheckedScenario(file, options.set);
  const jsonToStdout = options.json === '-';
  // The human summary goes to stderr when stdout carries the JSON.
  const say = jsonToStdout ? terminal.stderr : terminal.stdout;
  const color = options.color !== false && (jsonToStdout ? terminal.stderrColor : terminal.stdoutColor);
  // Every output is checked before the run (a bad path fails now), none is written before there is a result.
  const inputs = scenarioInputs(file, loaded);
  const reports = openReports(options, inputs);
  const html = options.html === undefined ? null : openHtml(options.html, inputs);
  if (options.traceOut !== undefined) writeWorkloadTrace(options.traceOut, loaded, shard, inputs);

  let result: Result = {
    schema_version: 1,
    scenario: redactedScenario(loaded.scenario),
    ...(shard === undefined ? {} : { shard: { index: shard.index, count: shard.count } }),
    runs: [],
  };
  // Ctrl-C or SIGTERM stops the run in progress (a live run's keys are deleted first); what was measured is
  // written, marked partial, and the exit code is 130. A second one ends the process at once.
  const interrupt = new AbortController();
  const unsubscribe = terminal.onInterrupt?.((signal) => interrupt.abort(signal)) ?? (() => {});
  const total = loaded.runs.length;
  // Why the runs stopped early (the message, and the result's partial_reason), and where the partial result went.
  let stopped: { message: string; reason: string; exitCode: number; note: string } | null = null;
  const notices: LongRunNotices = { given: false };
  try {
    try {
      const scenarios = loaded.runs.map((run) => sharded(run.scenario, shard));
      const approximate =
        options.approximate === undefined ? null : checkApproximation(scenarios.map((scenario, i) => ({ name: loaded.runs[i].name, scenario })), options.approximate);
      // Runs that differ only in cache settings replay in one pass; results stay in the matrix's order.
      const finished: (RunResult | undefined)[] = new Array(scenarios.length);
      const groups = sweepGroups(scenarios);
      for (const [g, group] of groups.entries()) {
        if (interrupt.signal.aborted) {
          const message = `interrupted (${String(interrupt.signal.reason)}) after run ${result.runs.length} of ${total}`;
          stopped = { message, reason: message, exitCode: 130, note: partialNote(options.json) };
          break;
        }
        const run = loaded.runs[group[0]];
        const scenario = scenarios[group[0]];
        const label = group.length > 1 ? `${group.length} runs in one pass` : echoInput(redactUrlCredentials(run.name));
        // Only a person at a terminal gets a progress bar; a pipe or a CI log gets one line, and only when the run will take minutes.
        const progress =
          terminal.stderrIsTTY === true
            ? new RunProgressBar(terminal, label, expectedWork(scenario))
            : new LongRunNotice(terminal, label, expectedWork(scenario), groups.length - g - 1, notices);
        let outcomes: RunResult[];
        try {
          if (group.length > 1) {
            const runs = group.map((index) => ({ scenario: scenarios[index], run: redactedRun(loaded.runs[index]) }));
            outcomes = await runSweep(runs, thresholds, threads, progress, interrupt.signal, approximate);
          } else {
            outcomes = [await runScenario(scenario, redactedRun(run), thresholds, { allowConfig: options.allowConfig === true, signal: interrupt.signal }, progress)];
          }
        } catch (error) {
          if (!(error instanceof RunStopped)) throw error;
          const during = group.length > 1 ? `the ${group.length} runs of one pass (of ${total})` : `run ${group[0] + 1} of ${total}`;
          const reason = total > 1 ? `${error.message} during ${during}` : error.message;
          stopped = { message: error.message, reason, exitCode: error.exitCode, note: stoppedRunNote(error, options.json) };
          outcomes = error instanceof SweepStopped ? error.results : [error.result];
        } finally {
          progress.finish();
        }
        for (const [i, index] of group.entries()) finished[index] = outcomes[i];
        // One pass, one trace: what its reader skipped is said once.
        warnAboutSkips(run.scenario, outcomes[0], terminal);
        while (result.runs.length < total && finished[result.runs.length] !== undefined) result.runs.push(finished[result.runs.length]!);
        if (stopped !== null) break;
        // Rewritten after every run of a matrix, marked partial until the last, so a crash loses nothing already measured.
        if (result.runs.length < total) {
          const soFar = partialResult(result, `${result.runs.length} of ${total} runs finished`);
          for (const report of reports) report.file.write(report.render(soFar));
        }
      }
    } catch (error) {
      // A failure after some runs finished: they are written, marked partial. Before any: every output stays as it was.
      if (result.runs.length > 0) {
        const reason = `run ${result.runs.length + 1} of ${total} failed: ${(error as Error).message}`;
        writeOutputs(partialResult(result, reason), reports, html);
      }
      throw error;
    }
    if (stopped !== null) result = partialResult(result, stopped.reason);
    writeOutputs(result, reports, html);
  } finally {
    unsubscribe();
  }
  if (jsonToStdout) terminal.stdout(serializeResult(result));

  say(`${renderHuman(result.runs, color)}\n`);
  if (stopped !== null) {
    terminal.stderr(`cachebench: ${stopped.message}; ${stopped.note}\n`);
    return stopped.exitCode;
  }
  // Keys of ours that may remain in Redis outweigh a threshold: the run did not end cleanly (exit 3).
  const leftBehind = result.runs
    .flatMap((r) => [r.redis === undefined ? '' : keysLeftBehind(r.redis), r.database === undefined ? '' : tableLeftBehind(r.database)])
    .filter((note) => note !== '');
  if (leftBehind.length > 0) {
    for (const note of leftBehind) terminal.stderr(`cachebench: ${note}\n`);
    return 3;
  }
  return result.runs.some((r) => r.thresholds.some((t) => !t.pass)) ? 1 : 0;
}

/** The result marked as not the whole of what the scenario asks for, saying why (next to schema_version in the JSON). */
function partialResult(result: Result, reason: string): Result {
  const { schema_version, ...rest } = result;
  return { schema_version, partial: true, partial_reason: reason, ...rest };
}

/** Every output file, with `result`: once, at the end (the HTML's rendering grows with the runs). */
function writeOutputs(result: Result, reports: Report[], html: { file: OutputFile; library: ChartLibrary } | null): void {
  for (const report of reports) {
    report.file.write(report.render(result));
    report.file.close();
  }
  if (html !== null) {
    html.file.write(renderRunReportHtml(result, html.library));
    html.file.close();
  }
}

function parseThreads(text: string): number {
  const threads = Number(text);
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_SWEEP_THREADS) {
    throw new InputError(`--threads: ${echoInput(text)} is not a thread count; give a whole number from 1 to ${MAX_SWEEP_THREADS}, e.g. --threads 2`);
  }
  return threads;
}

/** The scenario as one shard runs it: the same workload, keeping the requests whose key hashes to the shard. */
function sharded(scenario: Scenario, shard: ShardSpec | undefined): Scenario {
  return shard === undefined ? scenario : { ...scenario, workload: { ...scenario.workload, shard } };
}

/** Where the partial result went. */
function partialNote(json: string | undefined): string {
  return json === undefined ? 'partial result above' : json === '-' ? 'partial result on stdout' : `partial result written to ${json}`;
}

/** Where the partial result of a stopped run went, and, live, what became of its keys. */
function stoppedRunNote(stopped: RunStopped, json: string | undefined): string {
  const written = partialNote(json);
  const redis = stopped.result.redis;
  if (redis === undefined) return written;
  const cleanup =
    redis.cleanup_error === undefined
      ? `${formatCount(redis.keys_deleted)} keys under ${redis.prefix} deleted`
      : keysLeftBehind(redis);
  return `${written}; ${cleanup}`;
}

/** What a trace reader skipped is never silent: it goes to stderr, the JSON has it under metrics.trace. */
function warnAboutSkips(scenario: Scenario, run: RunResult, terminal: Terminal): void {
  const trace = run.metrics.trace;
  if (trace === undefined || scenario.workload.kind !== 'trace') return;
  const name = echoInput(scenario.workload.path_as_written);
  if (trace.skipped_lines > 0) {
    terminal.stderr(`cachebench: skipped ${formatCount(trace.skipped_lines)} malformed line${trace.skipped_lines === 1 ? '' : 's'} of ${name}\n`);
  }
  const commands = Object.entries(trace.skipped_commands).sort((a, b) => b[1] - a[1]);
  if (commands.length > 0) {
    const total = commands.reduce((sum, [, count]) => sum + count, 0);
    const top = commands.slice(0, 5).map(([command, count]) => `${echoInput(command, 40)} ${formatCount(count)}`).join(', ');
    terminal.stderr(`cachebench: ${name}: skipped ${formatCount(total)} commands that are no cache access (${top}${commands.length > 5 ? ', …' : ''})\n`);
  }
}

/**
 * The summary of a result's runs: one run's table and thresholds, or a matrix's comparison (also
 * `merge`'s): the table with the baseline, what failed, what the sweep answers, and the overall result last.
 */
export function renderHuman(runs: RunResult[], color: boolean): string {
  runs = displayedInput(runs);
  if (runs.length === 1) {
    const parts = [renderRunSummary(runs[0], { color })];
    if (runs[0].thresholds.length > 0) parts.push(renderThresholdTable(runs[0].thresholds, { color }));
    return parts.join('\n\n');
  }
  const chalk = reportChalk({ color });
  const conclusions = matrixConclusions(runs);
  const legend = approximationLegend(runs);
  const parts = [legend === null ? renderMatrixTable(runs, { color }) : `${renderMatrixTable(runs, { color })}\n${legend}`];
  if (conclusions.failures.length > 0) parts.push(conclusions.failures.map((line) => chalk.red(line)).join('\n'));
  const closing = [...conclusions.capacity];
  if (conclusions.overall !== null) {
    const allPass = conclusions.failures.length === 0;
    closing.push(chalk.bold(allPass ? chalk.green(conclusions.overall) : chalk.red(conclusions.overall)));
  }
  if (closing.length > 0) parts.push(closing.join('\n'));
  return parts.join('\n\n');
}

interface Report {
  file: OutputFile;
  render: (result: Result) => string;
}

/** The --json (unless stdout), --junit and --markdown files: checked before the run, rewritten after every run. */
function openReports(options: RunOptions, inputs: ReadFile[]): Report[] {
  const reports: Report[] = [];
  if (options.json !== undefined && options.json !== '-') reports.push({ file: OutputFile.open('--json', options.json, inputs), render: serializeResult });
  if (options.junit !== undefined) reports.push({ file: OutputFile.open('--junit', options.junit, inputs), render: renderRunJunit });
  if (options.markdown !== undefined) reports.push({ file: OutputFile.open('--markdown', options.markdown, inputs), render: renderRunMarkdown });
  return reports;
}

/**
 * `--trace-out`: the workload every run replays (a shard's part with --shard), as a canonical CSV trace,
 * written atomically before the runs. A matrix that varies the workload has no one workload to write.
 */
function writeWorkloadTrace(path: string, loaded: LoadedScenario, shard: ShardSpec | undefined, inputs: ReadFile[]): void {
  const file = OutputFile.open('--trace-out', path, inputs);
  const first = sharded(loaded.runs[0].scenario, shard);
  const identity = (scenario: Scenario) => JSON.stringify([scenario.workload, scenario.seed]);
  const other = loaded.runs.find((run) => identity(sharded(run.scenario, shard)) !== identity(first));
  if (other !== undefined) {
    throw new InputError(`--trace-out: the runs ${loaded.runs[0].name} and ${other.name} replay different workloads; export one (fix the swept workload field with --set)`);
  }
  const stream = file.begin();
  try {
    exportWorkloadTrace(first.workload, first.seed, stream);
  } catch (error) {
    stream.discard();
    throw error;
  }
  stream.commit();
}

/** The --html file, and the chart library it inlines (read now, so a broken install fails before the run). */
function openHtml(path: string, inputs: ReadFile[]): { file: OutputFile; library: ChartLibrary } {
  if (path === '-') throw new InputError('--html: give a file name, e.g. --html report.html (the report cannot go to stdout)');
  return { file: OutputFile.open('--html', path, inputs), library: loadChartLibrary() };
}

/** What a run reads, which no output may overwrite: the scenario file and every trace its runs replay. */
export function scenarioInputs(file: string, loaded: LoadedScenario): ReadFile[] {
  const inputs: ReadFile[] = [{ role: 'the scenario', path: file }];
  for (const run of loaded.runs) {
    const workload = run.scenario.workload;
    if (workload.kind === 'trace' && !inputs.some((input) => input.path === workload.path)) {
      inputs.push({ role: 'the trace (workload.trace)', path: workload.path });
    }
  }
  return inputs;
}

