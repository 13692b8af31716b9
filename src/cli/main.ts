import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { InputError, RunFailure } from '../errors.js';
import { runCommand } from './commands/run-command.js';
import { validateCommand } from './commands/validate-command.js';
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
export async function main(argv: string[], terminal: Terminal): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command()
    .name('cachebench')
    .description('Load-test caches and analyse whether, where and how to cache.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: terminal.stdout, writeErr: terminal.stderr })
    .showSuggestionAfterError(true);

  program
    .command('run')
    .description('run a scenario (and every combination of its matrix) with and without the cache')
    .argument('<scenario>', 'scenario file (YAML)')
    .option('--json <file>', 'write the JSON result to a file, or - for stdout (the summary then goes to stderr)')
    .option('--set <path=value>', 'override one scenario field, e.g. --set cache.capacity=10k (repeatable)', collect, [])
    .addOption(new Option('--no-color', 'plain output even on a terminal (also: NO_COLOR=1)'))
    .action(async (file: string, options: { json?: string; set: string[]; color?: boolean }) => {
      exitCode = await runCommand(file, options, terminal);
    });

  program
    .command('validate')
    .description('check a scenario (schema, units, thresholds) without running it')
    .argument('<scenario>', 'scenario file (YAML)')
    .option('--set <path=value>', 'override one scenario field (repeatable)', collect, [])
    .action((file: string, options: { set: string[] }) => {
      exitCode = validateCommand(file, options, terminal);
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
      terminal.stderr(`cachebench: ${error.message}\n`);
      return EXIT_INVALID_INPUT;
    }
    if (error instanceof RunFailure) {
      terminal.stderr(`cachebench: ${error.message}\n`);
      return EXIT_RUN_FAILED;
    }
    // Not a user mistake: a bug or an environment failure. Keep the stack: it is what a bug report needs.
    terminal.stderr(`cachebench: internal error — please report it\n${(error as Error)?.stack ?? String(error)}\n`);
    return EXIT_RUN_FAILED;
  }
}

const VERSION: string = createRequire(import.meta.url)('../../package.json').version;
