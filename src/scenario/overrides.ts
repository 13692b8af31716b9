import { parse as parseYaml } from 'yaml';
import { InputError } from '../errors.js';
import { nearestName } from './field-suggestion.js';
import { SHORT_FORMS } from './schema.js';
import { settablePaths } from './schema-walk.js';
import type { FieldPath } from './source-locations.js';

/**
 * `--set path=value` flags. An override replaces one field of the file's data before validation, so it is
 * checked exactly like a value written in the file. With a matrix, an override of a swept field (or of a
 * field that contains it) replaces that sweep with its single value: the flag is the user's last word.
 */
export interface ScenarioOverride {
  /** The flag as given, for messages: `--set cache.capacity=10000`. */
  flag: string;
  /** `cache.capacity` */
  dottedPath: string;
  /** ['cache', 'capacity']; a numeric segment indexes a list (`thresholds.0`). */
  path: FieldPath;
  /** The value text read as a YAML scalar: `10000` is a number, `5ms` a string, `none` the string "none". */
  value: unknown;
}

/**
 * An override as a command gives it: `--set`'s `path=value` text, or a flag of its own that sets a field
 * (`--skip-bad-lines` is `workload.skip_bad_lines=true`), named as the user typed it in messages.
 */
export type OverrideFlag = string | { assignment: string; flag: string };

let knownPaths: string[] | undefined;

/** Every path `--set` and `matrix` accept (computed once from the schema). */
export function knownFieldPaths(): readonly string[] {
  knownPaths ??= settablePaths();
  return knownPaths;
}

/** Reads one `path=value` flag value; an unknown path suggests the nearest known one. */
export function parseOverride(given: OverrideFlag): ScenarioOverride {
  const assignment = typeof given === 'string' ? given : given.assignment;
  // Echoed in every message about it: a flag pasted with a whole file after `=` is not echoed whole.
  const flag = typeof given === 'string' ? `--set ${assignment.length > 200 ? `${assignment.slice(0, 199)}…` : assignment}` : given.flag;
  const equals = assignment.indexOf('=');
  if (equals <= 0) {
    throw new InputError(`${flag}: expected path=value, e.g. --set cache.capacity=10000`);
  }
  const dottedPath = assignment.slice(0, equals).trim();
  const path = dottedPath.split('.').map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
  const problem = unknownPathProblem(dottedPath, path);
  if (problem) throw new InputError(`${flag}: ${problem}`);
  let value: unknown;
  const text = assignment.slice(equals + 1);
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new InputError(`${flag}: the value is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  // A word ending in a colon (a key prefix, `cachebench:app:`) reads in YAML as a map of it to nothing:
  // nobody means that on a command line, so it stays the text it is.
  if (/^[^\s{}[\],]+:$/.test(text.trim()) && value !== null && typeof value === 'object' && !Array.isArray(value)) value = text.trim();
  return { flag, dottedPath, path, value };
}

/** Why `path` cannot be set, or undefined when it can. */
export function unknownPathProblem(dottedPath: string, path: FieldPath): string | undefined {
  if (path[0] === 'matrix') return 'the matrix cannot be set from the command line; edit the file, or --set a swept field to fix its value';
  const fieldPath = path.filter((segment) => typeof segment === 'string').join('.');
  if (knownFieldPaths().includes(fieldPath) && path.every((segment, i) => typeof segment === 'string' || path[i - 1] === 'thresholds' || path[i - 1] === 'compare')) {
    return undefined;
  }
  const nearest = nearestName(dottedPath, knownFieldPaths());
  const suggestion = nearest === undefined ? '' : `; did you mean \`${nearest}\`?`;
  return `unknown field path \`${dottedPath}\`${suggestion} (field paths look like cache.policy, workload.distribution.alpha, database.latency)`;
}

/**
 * Sets `path` in plain scenario data to `value`, creating missing maps and expanding a short form met on
 * the way (`latency: 5ms` becomes `{ type: constant, value: 5ms }` before `latency.value` is replaced).
 */
export function setField(data: Record<string, unknown>, path: FieldPath, value: unknown): void {
  let container: Record<string | number, unknown> = data;
  for (let i = 0; i < path.length - 1; i++) {
    const segment = path[i];
    const dotted = path.slice(0, i + 1).join('.');
    let child = container[segment];
    const expand = SHORT_FORMS[dotted];
    if (expand) child = expand(child);
    if (child === undefined || child === null) child = typeof path[i + 1] === 'number' ? [] : {};
    if (typeof child !== 'object') {
      throw new InputError(`cannot set ${path.join('.')}: ${dotted} is ${JSON.stringify(child)}, not a map of fields`);
    }
    checkListIndex(child as object, path, i + 1);
    container[segment] = child;
    container = child as Record<string | number, unknown>;
  }
  container[path[path.length - 1]] = value;
}

/**
 * A numeric segment indexes a list: an existing entry, or the one just past the end (which appends).
 * Anything further would leave holes — and `thresholds.99999999` a list of a hundred million.
 */
function checkListIndex(list: object, path: FieldPath, at: number): void {
  const index = path[at];
  if (!Array.isArray(list) || typeof index !== 'number' || index <= list.length) return;
  const listPath = path.slice(0, at).join('.');
  const valid = list.length === 0 ? `it is empty, so the only valid index is 0 (which adds the first entry)` : `valid indexes are 0 … ${list.length} (${list.length} adds an entry)`;
  throw new InputError(`${listPath} has ${list.length} entr${list.length === 1 ? 'y' : 'ies'}; ${valid}`);
}

/** True when `prefix` is `path` or one of its ancestors. */
export function isPathPrefix(prefix: FieldPath, path: FieldPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => String(segment) === String(path[i]));
}
