import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { type FieldProblem, problemLines, problemsFromIssues, scenarioInputError } from './field-problem.js';
import { type MatrixAxis, type MatrixCombination, matrixCombinations, readMatrix } from './matrix.js';
import { isPathPrefix, type OverrideFlag, parseOverride, type ScenarioOverride, setField } from './overrides.js';
import { resolveScenario, type ScenarioOrigin } from './resolve.js';
import type { Scenario } from './scenario.js';
import { scenarioFileSchema } from './schema.js';
import { type FieldPath, ScenarioSource } from './source-locations.js';
import { describeGiven } from './units.js';

export interface ScenarioRun {
  /** `policy=lru capacity=1k`, or the scenario's name when there is no matrix. */
  name: string;
  /** Swept field path → the value as written; {} without a matrix. */
  params: Record<string, unknown>;
  /** This run's fully resolved scenario (its `matrix` is null). */
  scenario: Scenario;
}

export interface LoadedScenario {
  /**
   * The resolved scenario. With a matrix, swept fields hold the first combination's values and `matrix`
   * lists the sweep (after `--set`); read `runs` for what actually runs.
   */
  scenario: Scenario;
  /** One per matrix combination, in matrix order; exactly one without a matrix. */
  runs: ScenarioRun[];
  /**
   * `file:line:col` of a field, for messages about it made after loading (e.g. `['thresholds', 1]`).
   * The path follows the file's shape; a field set by a flag is located as that flag (`--set …`); a field
   * the file leaves out points at its nearest enclosing field.
   */
  locate(path: (string | number)[]): string;
}

/** Reads, validates and resolves a scenario file. Every problem is an InputError (exit 2). */
export function loadScenario(file: string, overrides: readonly OverrideFlag[] = []): LoadedScenario {
  return parseScenarioText(readScenarioFile(file), file, overrides, path.dirname(path.resolve(file)));
}

/** A scenario is a small YAML file; past this it is something else (a trace, /dev/zero) and is not read into memory. */
export const MAX_SCENARIO_BYTES = 1024 * 1024;

/** The file's text, read in chunks so that a device or a huge file stops at MAX_SCENARIO_BYTES. */
function readScenarioFile(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw scenarioReadError(file, error);
  }
  try {
    if (fstatSync(fd).isDirectory()) throw new InputError(`${file}: is a directory, not a scenario file`);
    const buffer = Buffer.allocUnsafe(MAX_SCENARIO_BYTES + 1);
    let filled = 0;
    for (;;) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, null);
      if (n === 0) break;
      filled += n;
      if (filled > MAX_SCENARIO_BYTES) {
        throw new InputError(`${file}: larger than ${MAX_SCENARIO_BYTES / 1024 / 1024} MiB; a scenario is a short YAML file (is this a trace? name it in workload.trace)`);
      }
    }
    return buffer.toString('utf8', 0, filled);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw scenarioReadError(file, error);
  } finally {
    closeSync(fd);
  }
}

function scenarioReadError(file: string, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InputError(`${file}: no such scenario file`);
  if (code === 'EISDIR') return new InputError(`${file}: is a directory, not a scenario file`);
  return new InputError(`${file}: cannot read the scenario file: ${(error as Error).message}`);
}

/**
 * Validates and resolves scenario YAML. `file` names it in messages (and, unless '<inline>', gives the
 * default name); `baseDir` is what a relative trace path is resolved against.
 */
export function parseScenarioText(text: string, file: string, overrides: readonly OverrideFlag[], baseDir: string): LoadedScenario {
  const source = ScenarioSource.parse(text, file);
  const data = source.toData();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const what = data === null || data === undefined ? 'the file is empty' : `got ${describeGiven(data)}`;
    throw new InputError(`${source.locate([])}: a scenario must be a map of fields (workload, database, cache, …); ${what}`);
  }
  const { matrix, ...fields } = data as Record<string, unknown>;
  const flags = overrides.map(parseOverride);
  const sweptAxes = readMatrix(matrix, source) ?? [];
  // A flag that sets a swept field, or a map containing one, fixes it: that sweep is dropped.
  const axes = sweptAxes.filter((axis) => !flags.some((flag) => isPathPrefix(flag.path, axis.path)));

  const origin: ScenarioOrigin = {
    file: file === '<inline>' ? file : path.resolve(file),
    baseDir,
    defaultName: file === '<inline>' ? 'inline' : path.basename(file, path.extname(file)),
    varied: [...axes.map((axis) => axis.path.join('.')), ...flags.map((flag) => flag.path.join('.'))],
  };
  const locateFlag = (fieldPath: FieldPath): string | undefined => flags.find((flag) => isPathPrefix(flag.path, fieldPath))?.flag;

  const combinations: MatrixCombination[] = axes.length > 0 ? matrixCombinations(axes) : [{ name: '', params: {}, choices: [] }];
  const runs: ScenarioRun[] = [];
  // A problem found in every combination is reported once; one found in some names them.
  const problemRuns = new Map<string, string[]>();
  for (const combination of combinations) {
    const where = (problem: FieldProblem): string => {
      const flag = locateFlag(problem.path);
      if (flag) return flag;
      const axis = axes.findIndex((candidate) => isPathPrefix(candidate.path, problem.path));
      if (axis >= 0) return source.locate(['matrix', axes[axis].dottedPath, combination.choices[axis]]);
      return source.locate(problem.path, problem.at);
    };
    const result = buildRun(fields, axes, combination, flags, origin);
    if (result.ok) {
      runs.push({ name: combination.name, params: combination.params, scenario: result.scenario });
      continue;
    }
    for (const line of scenarioInputError(result.problems, where).lines) {
      problemRuns.set(line, [...(problemRuns.get(line) ?? []), combination.name]);
    }
  }
  if (problemRuns.size > 0) {
    const lines = [...problemRuns].map(([line, names]) => {
      if (names.length === combinations.length || names[0] === '') return line;
      if (names.length === 1) return `${line} (matrix run ${names[0]})`;
      const more = names.length > 2 ? ` and ${names.length - 2} more` : '';
      return `${line} (matrix runs ${names.slice(0, 2).join('; ')}${more})`;
    });
    throw new InputError(problemLines(lines));
  }

  const scenarioName = runs[0].scenario.name;
  if (axes.length === 0) runs[0].name = scenarioName;
  const matrixSpec = axes.length > 0 ? Object.fromEntries(axes.map((axis) => [axis.dottedPath, axis.values])) : null;
  return {
    scenario: { ...runs[0].scenario, matrix: matrixSpec },
    runs,
    locate: (fieldPath) => locateFlag(fieldPath) ?? source.locate(fieldPath),
  };
}

type RunResult = { ok: true; scenario: Scenario } | { ok: false; problems: FieldProblem[] };

/** The file's fields, then this combination's swept values, then the flags; validated and resolved. */
function buildRun(
  fields: Record<string, unknown>,
  axes: readonly MatrixAxis[],
  combination: MatrixCombination,
  flags: readonly ScenarioOverride[],
  origin: ScenarioOrigin,
): RunResult {
  const data = structuredClone(fields);
  const assignments = [
    ...axes.map((axis, a) => ({ path: axis.path, value: structuredClone(axis.values[combination.choices[a]]) })),
    ...flags.map((flag) => ({ path: flag.path, value: structuredClone(flag.value) })),
  ];
  for (const { path: fieldPath, value } of assignments) {
    try {
      setField(data, fieldPath, value);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return { ok: false, problems: [{ path: fieldPath, message: error.message }] };
    }
  }
  const parsed = scenarioFileSchema.safeParse(data);
  if (!parsed.success) return { ok: false, problems: problemsFromIssues(parsed.error.issues, data) };
  return resolveScenario(parsed.data, origin);
}
