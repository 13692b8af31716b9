import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { InputError, RunFailure } from '../errors.js';
import { displayMessage } from '../report/display-text.js';
import { redactUrlCredentials } from '../result/redaction.js';
import type { AnalyzeOptions } from './commands/analyze-command.js';
import type { CleanupOptions } from './commands/cleanup-command.js';
import type { CompareOptions } from './commands/compare-command.js';
import type { RecordOptionsInput } from './commands/record-command.js';
import type { Terminal } from './terminal.js';

export const EXIT_OK = 0;
export const EXIT_THRESHOLD_FAILED = 1;
export const EXIT_INVALID_INPUT = 2;
export const EXIT_RUN_FAILED = 3;

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * The whole CLI as a function of its arguments: returns the exit code and prints through `terminal`.
 * `bin/cachebench.js` is the only place that touches process.exit.
 */
export async function main(argv: string[], given: Terminal): Promise<number> {
  // Whatever a command prints, no URL password reaches the screen or a log.
  const terminal = redactingTerminal(given);
  let exitCode = EXIT_OK;
  const program = new Command()
    .name('cachebench')
    .description('Load-test caches and analyse whether, where and how to cache.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: terminal.stdout,
      writeErr: terminal.stderr,
      // commander's own errors quote the arguments (an unknown option, a bad value): escaped like any echo.
      outputError: (text, write) => write(displayMessage(text.replace(/\n$/, '')) + (text.endsWith('\n') ? '\n' : '')),
    })
    .showSuggestionAfterError(true);

  program
    .command('run')
    .description('run a scenario (and every combination of its matrix) with and without the cache')
    .argument('<scenario>', 'scenario file (YAML)')
    .option('--json <file>', 'write the JSON result to a file, or - for stdout (the summary then goes to stderr)')
    .option('--html <file>', 'write a self-contained HTML report with charts (no network needed to view it)')
    .option('--set <path=value>', 'override one scenario field, e.g. --set cache.capacity=10k (repeatable)', collect, [])
    .addOption(new Option('--no-color', 'plain output even on a terminal (also: NO_COLOR=1)'))
    .option('--skip-bad-lines', "skip and count a trace's malformed lines instead of stopping (workload.skip_bad_lines: true)")
    .option('--allow-config', 'live runs: set maxmemory and maxmemory-policy from cache.capacity and cache.policy for the run (restored afterwards)')
    .option('--junit <file>', 'write JUnit XML: a test suite per run, a test case per threshold')
    .option('--markdown <file>', 'write a Markdown summary (for CI job summaries such as $GITHUB_STEP_SUMMARY)')
    .option('--trace-out <file>', 'also write the workload the runs replay as a canonical CSV trace (for cachebench analyze), before the runs')
    .option('--shard <i/N>', 'drive only shard i of N (0 ≤ i < N) of the workload, split by a hash of the key; merge the results with `cachebench merge`')
    .option('--threads <n>', 'matrix runs that differ only in cache settings replay in one pass: threads that replay their caches (default: cores − 1)')
    .option('--approximate <rate>', 'a capacity sweep estimated by miniature simulation: each cache scaled down to this share of keys, e.g. 0.01 (marked approximate in every output)')
    .action(async (file: string, options: { json?: string; html?: string; set: string[]; color?: boolean; skipBadLines?: boolean; allowConfig?: boolean; junit?: string; markdown?: string; shard?: string; traceOut?: string; threads?: string; approximate?: string }) => {
      // Named as typed in messages: --skip-bad-lines on a synthetic workload blames the flag, not a --set.
      const set = options.skipBadLines ? [...options.set, { assignment: 'workload.skip_bad_lines=true', flag: '--skip-bad-lines' }] : options.set;
      const { runCommand } = await import('./commands/run-command.js');
      exitCode = await runCommand(file, { ...options, set }, terminal);
    });

  program
    .command('compare')
    .description('compare two results of `run --json`: every metric\'s change, and exit 1 when a rule is broken')
    .argument('<baseline>', 'the result to compare against (JSON written by cachebench run --json)')
    .argument('<current>', 'the new result; its scenario\'s compare: rules apply too')
    .option('--fail-on <rule>', 'fail (exit 1) when a metric changes by more than this, e.g. "hit_rate -2%", "latency.p99 +5ms" (repeatable)', collect, [])
    .option('--json <file>', 'write the comparison as JSON to a file, or - for stdout (the table then goes to stderr)')
    .option('--junit <file>', 'write JUnit XML: a test suite per compared run, a test case per rule')
    .option('--markdown <file>', 'write a Markdown summary (for CI job summaries such as $GITHUB_STEP_SUMMARY)')
    .addOption(new Option('--no-color', 'plain output even on a terminal (also: NO_COLOR=1)'))
    .addHelpText(
      'after',
      '\nRules: <metric> -<limit> breaks when the metric drops by more than the limit, <metric> +<limit> when it rises by more.\n' +
        '  hit_rate -2%        relative to the baseline value (any metric)\n' +
        '  hit_rate -1.5pp     percentage points (ratio metrics)\n' +
        '  latency.p99 +5ms    absolute, in the metric\'s unit (hit_rate -0.02, db.queries +1k, db.qps_peak +50/s)\n' +
        'A change exactly at the limit passes; a metric without samples breaks its rule.\n',
    )
    .action(async (baseline: string, current: string, options: CompareOptions) => {
      const { compareCommand } = await import('./commands/compare-command.js');
      exitCode = compareCommand(baseline, current, options, terminal);
    });

  program
    .command('merge')
    .description('combine the results of `run --shard i/N` (i = 0 … N−1) into the result of the whole run')
    .argument('<results...>', 'the shards\' JSON results (run --shard i/N --json shard-i.json)')
    .option('--json <file>', 'write the merged JSON result to a file, or - for stdout (the summary then goes to stderr)')
    .option('--force', 'merge even results that are not the shards of one run (other scenarios, missing or repeated shards)')
    .addOption(new Option('--no-color', 'plain output even on a terminal (also: NO_COLOR=1)'))
    .action(async (files: string[], options: { json?: string; force?: boolean; color?: boolean }) => {
      const { mergeCommand } = await import('./commands/merge-command.js');
      exitCode = mergeCommand(files, options, terminal);
    });

  program
    .command('validate')
    .description('check a scenario (schema, units, thresholds) without running it')
    .argument('<scenario>', 'scenario file (YAML)')
    .option('--set <path=value>', 'override one scenario field (repeatable)', collect, [])
    .addOption(new Option('--no-color', 'accepted as by every command (validate prints no colour)'))
    .action(async (file: string, options: { set: string[] }) => {
      const { validateCommand } = await import('./commands/validate-command.js');
      exitCode = validateCommand(file, options, terminal);
    });

  program
    .command('schema')
    .description('print the scenario format as JSON Schema, for editors (# yaml-language-server: $schema=…)')
    .action(async () => {
      const { scenarioJsonSchemaText } = await import('../scenario/json-schema.js');
      terminal.stdout(scenarioJsonSchemaText());
    });

  program
    .command('record')
    .description('capture a trace from a live Redis with MONITOR, in the canonical CSV format')
    .requiredOption('--redis <url>', 'the server, e.g. redis://host:6379 (a password in the URL is never printed)')
    .requiredOption('--duration <duration>', 'how long to capture, e.g. 30s or 5m')
    .requiredOption('--out <file>', 'the trace file to write (canonical CSV)')
    .option('--hash-keys', 'replace every key by a keyed hash of it (anonymised; the salt is printed)')
    .option('--hash-salt <hex>', 'with --hash-keys: reuse this salt, so the same key hashes the same as in an earlier recording')
    .option('--prefix <prefix>', 'record only keys that start with this prefix')
    .option('--connect-timeout <duration>', 'how long to wait for the connection', '5s')
    .action(async (options: RecordOptionsInput) => {
      const { recordCommand } = await import('./commands/record-command.js');
      exitCode = await recordCommand(options, terminal);
    });

  program
    .command('cleanup')
    .description("delete what a live run left behind when its cleanup failed, and nothing else: the keys under its prefix, or its PostgreSQL table")
    .option('--redis <url>', 'the server, or any node of a cluster (every master is cleaned); a password in the URL is never printed')
    .option('--prefix <prefix>', 'with --redis: delete the keys that start with this (at least 4 characters), e.g. cachebench:1a2b3c4d5e6f:')
    .option('--postgres <url>', "the database a run's table was left in (database.postgres.url); a password in the URL is never printed")
    .option('--table <name>', "with --postgres: the run's table, e.g. cachebench_items_3f2a9c1b (dropped only if a run created it)")
    .option('--connect-timeout <duration>', 'how long to wait for the connection', '5s')
    .action(async (options: CleanupOptions) => {
      const { cleanupCommand } = await import('./commands/cleanup-command.js');
      exitCode = await cleanupCommand(options, terminal);
    });

  program
    .command('analyze')
    .description('characterise a trace: reuse, popularity, sizes, writes, its miss-ratio curve and a verdict')
    .argument('[trace]', 'trace file (canonical CSV or JSON Lines, or any format --format names); or give --scenario')
    .option('--format <format>', 'trace format (auto: by extension, then by content)', 'auto')
    .option('--columns <mapping>', 'a delimited trace\'s columns, as workload.columns: field=index or field=header name, e.g. time=0,key=1,size=3 (fields: key, time, size, op, ttl)')
    .option('--delimiter <char>', 'with --columns: the delimiter, e.g. "," (default), "\\t" or tab, space, "|"')
    .option('--header', 'with --columns: the first line names the columns (the default when a column is given by name)')
    .option('--no-header', 'with --columns: there is no header line')
    .option('--time-unit <unit>', 'with --columns: unit of the time and ttl columns: s, ms (default), us, ns')
    .option('--ops <mapping>', 'with --columns: op column values → operations, e.g. read=get,write=set,del=delete (default: get, set, delete in any case)')
    .option('--scenario <file>', "analyze a scenario's workload section: its trace as it reads it, or its synthetic workload as run generates it")
    .option('--sizes <list>', 'cache sizes for the table, the replays and Belady: entries (100,1k,10k) or bytes (64MB)')
    .option('--policies <list>', 'also replay these policies at the sizes, e.g. lru,fifo,sieve (with --sample-rate: each policy\'s approximate curve instead)')
    .option('--sample-rate <fraction>', 'SHARDS fixed-rate curve sampling this share of keys, e.g. 0.01; with --policies, their curves by miniature simulation at this rate')
    .option('--sample-size <count>', 'SHARDS fixed-size curve tracking at most this many keys, e.g. 8k')
    .option('--exact', 'exact curve whatever the length (default: exact up to 50M requests, then SHARDS at 1%)')
    .option('--no-belady', "skip Belady's optimum (it keeps the request sequence in memory, 13 bytes per request)")
    .option('--target-hit-rate <fraction>', 'find the smallest cache reaching this hit rate', '0.8')
    .option('--db-latency <duration>', 'database read latency, for the expected latency', '5ms')
    .option('--cache-latency <duration>', 'cache latency, for the expected latency', '0.2ms')
    .option('--memory-model <model>', "what a size in bytes counts: values, redis (Redis memory: maxmemory, Redis 7.0's constants), or a live run's --json result (the constants it measured)", 'values')
    .option('--key-bytes <n>', "with Redis memory: the length of a key's name (default 24, or the live result's)")
    .option('--json <file>', 'write the JSON analysis to a file, or - for stdout (the report then goes to stderr)')
    .option('--html <file>', 'write a self-contained HTML report: the miss-ratio curve, the verdict, the working set')
    .addOption(new Option('--no-color', 'plain output even on a terminal (also: NO_COLOR=1)'))
    .addHelpText(
      'after',
      '\nExpected latency and DB load at the smallest cache reaching the target hit rate h:\n' +
        '  mean read latency = h·cache + (1−h)·(cache + db)\n' +
        "  DB reads/s        = (1−h) × the trace's reads/s (from its timestamps)\n",
    )
    .action(async (file: string | undefined, options: AnalyzeOptions) => {
      const { analyzeCommand } = await import('./commands/analyze-command.js');
      exitCode = analyzeCommand(file, options, terminal);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are exits of their own; everything else commander rejects is a usage error.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return EXIT_OK;
      if (error.code === 'commander.help') return EXIT_OK;
      return EXIT_INVALID_INPUT;
    }
    if (error instanceof InputError) {
      terminal.stderr(`cachebench: ${errorText(error.message)}\n`);
      return EXIT_INVALID_INPUT;
    }
    if (error instanceof RunFailure) {
      terminal.stderr(`cachebench: ${errorText(error.message)}\n`);
      return EXIT_RUN_FAILED;
    }
    // Not a user mistake: a bug or an environment failure. Keep the stack: it is what a bug report needs.
    terminal.stderr(`cachebench: internal error — please report it\n${errorText((error as Error)?.stack ?? String(error))}\n`);
    return EXIT_RUN_FAILED;
  }
}

/** An error's message as printed: URL passwords masked, control characters from input escaped, no line a flood. */
function errorText(message: string): string {
  return displayMessage(redactUrlCredentials(message));
}

/** `terminal` with URL passwords masked in everything written to it. */
function redactingTerminal(terminal: Terminal): Terminal {
  return {
    ...terminal,
    stdout: (text) => terminal.stdout(redactUrlCredentials(text)),
    stderr: (text) => terminal.stderr(redactUrlCredentials(text)),
    // Getters (stderrColumns follows the window) are read through, not copied.
    get stderrColumns() {
      return terminal.stderrColumns;
    },
  };
}

const VERSION: string = createRequire(import.meta.url)('../../package.json').version;
