import { stringify as stringifyYaml } from 'yaml';
import { InputError } from '../errors.js';
import type { FieldProblem } from './field-problem.js';
import { scenarioInputError } from './field-problem.js';
import { unknownPathProblem } from './overrides.js';
import type { FieldPath, ScenarioSource } from './source-locations.js';
import { describeGiven } from './units.js';

/**
 * `matrix:` — a map of field path → list of values. Every combination (the cartesian product) is one run,
 * validated as a full scenario of its own.
 */
export interface MatrixAxis {
  /** The key as written: `cache.policy`. */
  dottedPath: string;
  path: FieldPath;
  /** The values as written (`1k` stays the string "1k"). */
  values: unknown[];
}

/** One run of the sweep: which value of each axis it takes. */
export interface MatrixCombination {
  /** `policy=lru capacity=1k` */
  name: string;
  /** Axis path → the value as written. */
  params: Record<string, unknown>;
  /** Value index per axis, in axis order. */
  choices: number[];
}

const MATRIX_SHAPE = 'must be a map of field path → list of values, e.g. `cache.policy: [lru, fifo]`';

/** Reads and checks the `matrix` field; null when there is none. */
export function readMatrix(matrix: unknown, source: ScenarioSource): MatrixAxis[] | null {
  if (matrix === undefined || matrix === null) return null;
  const problems: FieldProblem[] = [];
  if (typeof matrix !== 'object' || Array.isArray(matrix)) {
    problems.push({ path: ['matrix'], message: `${MATRIX_SHAPE}; got ${describeGiven(matrix)}` });
  } else {
    for (const [dottedPath, values] of Object.entries(matrix)) {
      const path = dottedPath.split('.');
      const pathProblem = dottedPath === 'name' ? 'the name cannot be swept; each run is named after its values' : unknownPathProblem(dottedPath, path);
      if (pathProblem) problems.push({ path: ['matrix', dottedPath], at: 'key', message: pathProblem });
      else if (!Array.isArray(values) || values.length === 0) {
        problems.push({ path: ['matrix', dottedPath], message: `must be a non-empty list of values, e.g. [lru, fifo]; got ${describeGiven(values)}` });
      }
    }
  }
  if (problems.length > 0) throw scenarioInputError(problems, (problem) => source.locate(problem.path, problem.at));
  const axes = Object.entries(matrix as Record<string, unknown[]>).map(([dottedPath, values]) => ({ dottedPath, path: dottedPath.split('.'), values }));
  return axes.length > 0 ? axes : null;
}

/** Above this many runs a matrix is almost certainly a mistake (and would take hours). */
const MAX_COMBINATIONS = 10_000;

/** The cartesian product, first axis varying slowest (so runs group by the first swept field). */
export function matrixCombinations(axes: readonly MatrixAxis[]): MatrixCombination[] {
  const count = axes.reduce((product, axis) => product * axis.values.length, 1);
  if (count > MAX_COMBINATIONS) {
    throw new InputError(`matrix: ${axes.map((axis) => axis.values.length).join(' × ')} = ${count} runs; at most ${MAX_COMBINATIONS} are allowed`);
  }
  const labels = axisLabels(axes);
  const combinations: MatrixCombination[] = [];
  for (let index = 0; index < count; index++) {
    const choices: number[] = new Array(axes.length);
    let rest = index;
    for (let a = axes.length - 1; a >= 0; a--) {
      choices[a] = rest % axes[a].values.length;
      rest = Math.floor(rest / axes[a].values.length);
    }
    const params: Record<string, unknown> = {};
    const parts: string[] = [];
    axes.forEach((axis, a) => {
      const value = axis.values[choices[a]];
      params[axis.dottedPath] = value;
      parts.push(`${labels[a]}=${formatParam(value)}`);
    });
    combinations.push({ name: parts.join(' '), params, choices });
  }
  return combinations;
}

/** An axis is labelled by its last path segment (`policy`), or its whole path when two would clash. */
function axisLabels(axes: readonly MatrixAxis[]): string[] {
  const last = axes.map((axis) => String(axis.path[axis.path.length - 1]));
  return axes.map((axis, a) => (last.filter((label) => label === last[a]).length > 1 ? axis.dottedPath : last[a]));
}

function formatParam(value: unknown): string {
  if (value === null) return 'none';
  if (typeof value === 'object') return stringifyYaml(value, { collectionStyle: 'flow' }).trim();
  return String(value);
}
