import type { z } from 'zod';
import { InputError } from '../errors.js';
import { didYouMean } from './field-suggestion.js';
import { fieldNamesAt } from './schema-walk.js';
import type { FieldPath } from './source-locations.js';
import { describeGiven } from './units.js';

/** One thing wrong with a scenario: which field, what is wrong and what would be valid. */
export interface FieldProblem {
  path: FieldPath;
  message: string;
  /** Point at the field's name rather than its value (an unknown field). */
  at?: 'key' | 'value';
}

/** `cache.policy`, `thresholds[1]`. */
export function formatFieldPath(path: FieldPath): string {
  let text = '';
  for (const segment of path) {
    text += typeof segment === 'number' ? `[${segment}]` : text === '' ? segment : `.${segment}`;
  }
  return text === '' ? '(top level)' : text;
}

/** Turns zod's issues into problems a person can act on; `input` is what was validated. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], input: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const valid = fieldNamesAt(path, input);
      const scope = path.length > 0 ? ` in ${formatFieldPath(path)}` : '';
      for (const key of issue.keys) {
        const suggestion = didYouMean(key, valid);
        const names = valid.join(', ');
        const message = suggestion ? `unknown field${suggestion} Valid fields${scope}: ${names}` : `unknown field; valid fields${scope}: ${names}`;
        problems.push({ path: [...path, key], at: 'key', message });
      }
    } else if (issue.code === 'invalid_union' && 'discriminator' in issue && Array.isArray((issue as { options?: unknown }).options)) {
      const options = (issue as { options: string[] }).options;
      const given = valueAt(input, path) ?? valueAt(input, path.slice(0, -1));
      problems.push({
        path,
        message:
          given === undefined || typeof given === 'object'
            ? `needs a \`type\`: one of ${options.join(', ')}`
            : `must be one of ${options.join(', ')}; got ${describeGiven(given)}${typeof given === 'string' ? didYouMean(given, options) : ''}`,
      });
    } else if (issue.code === 'invalid_type') {
      const given = valueAt(input, path);
      problems.push({
        path,
        message: given === undefined ? 'is missing (it is required)' : `must be ${describeExpected(issue.expected)}; got ${describeGiven(given)}`,
      });
    } else {
      problems.push({ path, message: issue.message });
    }
  }
  return problems;
}

function describeExpected(expected: string): string {
  if (expected === 'object') return 'a map of fields (name: value)';
  if (expected === 'array') return 'a list';
  return `a ${expected}`;
}

/** The value at `path` in plain data, following short forms no further than they go. */
export function valueAt(data: unknown, path: FieldPath): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

/**
 * One InputError listing every problem, one per line: `file:line:col field.path: what is wrong`. `where`
 * says where a problem's value came from (a line in the file, a `--set` flag, a matrix entry).
 */
export function scenarioInputError(problems: readonly FieldProblem[], where: (problem: FieldProblem) => string, suffix = ''): ScenarioProblems {
  const located = problems.map((problem) => ({ at: where(problem), problem }));
  located.sort((a, b) => compareLocations(a.at, b.at));
  const lines = located.map(({ at, problem }) => `${at} ${formatFieldPath(problem.path)}: ${problem.message}${suffix}`);
  return new ScenarioProblems([...new Set(lines)]);
}

/** An InputError listing problems: its message shows the first MAX_PROBLEM_LINES, `lines` has them all. */
export class ScenarioProblems extends InputError {
  constructor(readonly lines: readonly string[]) {
    super(problemLines(lines));
  }
}

/** More than this many problems are one mistake repeated (a wrong indent, a bad --set): the first ones say enough. */
export const MAX_PROBLEM_LINES = 20;

/** The lines of a message listing problems, at most MAX_PROBLEM_LINES of them, then how many more there were. */
export function problemLines(lines: readonly string[]): string {
  if (lines.length <= MAX_PROBLEM_LINES) return lines.join('\n');
  const rest = lines.length - MAX_PROBLEM_LINES;
  return [...lines.slice(0, MAX_PROBLEM_LINES), `… and ${rest} more problem${rest === 1 ? '' : 's'} like these`].join('\n');
}

/** In file order; flags (no line number) after the file's own lines. */
function compareLocations(a: string, b: string): number {
  const position = (where: string): [number, number] => {
    const match = /:(\d+):(\d+)$/.exec(where);
    return match ? [Number(match[1]), Number(match[2])] : [Number.POSITIVE_INFINITY, 0];
  };
  const [lineA, colA] = position(a);
  const [lineB, colB] = position(b);
  return lineA - lineB || colA - colB;
}
