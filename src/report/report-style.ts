import { Chalk, type ChalkInstance } from 'chalk';
import type Table from 'cli-table3';

/** Given by the caller (the CLI decides from the terminal, NO_COLOR and flags); reporters never look. */
export interface ReportOptions {
  color: boolean;
}

/**
 * A chalk of our own rather than the global one, whose level comes from the process's terminal: a reporter
 * is a pure function of its arguments. Level 1 (16 colours) is what every colour terminal renders.
 */
export function reportChalk(options: ReportOptions): ChalkInstance {
  return new Chalk({ level: options.color ? 1 : 0 });
}

/**
 * cli-table3 colours its head and borders through @colors/colors, which decides by itself from the
 * environment. Its styling stays off; heads are coloured with our chalk so output depends on `color` alone.
 */
export function tableOptions(
  head: string[],
  options: ReportOptions,
  layout: Omit<Table.TableConstructorOptions, 'head' | 'style'> & { compact?: boolean } = {},
): Table.TableConstructorOptions {
  const chalk = reportChalk(options);
  const { compact = false, ...rest } = layout;
  return { ...rest, head: head.map((title) => chalk.bold(title)), style: { head: [], border: [], compact } };
}
