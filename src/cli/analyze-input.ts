import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';

/** Top-level fields of a scenario file: a JSON map with one of these is a scenario, not a JSON Lines trace. */
const SCENARIO_FIELDS = ['workload', 'cache', 'database', 'topology', 'thresholds', 'matrix', 'faults'];

/** How much of a .json file is read to tell a scenario from a trace (a scenario is far smaller). */
const SNIFF_BYTES = 1024 * 1024;

/**
 * `analyze` takes a trace. A scenario given instead (`analyze scenario.yaml`) would otherwise be read as a
 * key-per-line trace — one "key" per YAML line — and get a verdict; it is refused, saying what to run.
 * YAML is told by its extension (no trace format is YAML); JSON by its content: one map with scenario
 * fields, or a result of `run --json`.
 */
export function refuseScenarioAsTrace(file: string): void {
  const name = path.basename(file).toLowerCase().replace(/\.gz$/, '');
  const extension = path.extname(name);
  if (extension === '.yaml' || extension === '.yml') {
    throw new InputError(`${file}: this is a scenario; analyze takes a trace (run the scenario with \`cachebench run ${file}\`, or analyze the trace it names in workload.trace)`);
  }
  if (extension !== '.json') return;
  const fields = jsonMapFields(file);
  if (fields === null) return;
  if (fields.includes('schema_version') && fields.includes('runs')) {
    throw new InputError(`${file}: this is a result of cachebench run; analyze takes a trace (compare results with \`cachebench compare\`)`);
  }
  if (fields.some((field) => SCENARIO_FIELDS.includes(field))) {
    throw new InputError(`${file}: this is a scenario; analyze takes a trace (run the scenario with \`cachebench run ${file}\`, or analyze the trace it names in workload.trace)`);
  }
}

/** The keys of the JSON map the file holds, or null when it is not one JSON map (JSON Lines, anything else). */
function jsonMapFields(file: string): string[] | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null; // the trace reader reports a missing or unreadable file
  }
  try {
    const buffer = Buffer.allocUnsafe(SNIFF_BYTES);
    let filled = 0;
    for (;;) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, null);
      if (n === 0) break;
      filled += n;
      if (filled === buffer.length) return null; // larger than any scenario
    }
    const value: unknown = JSON.parse(buffer.toString('utf8', 0, filled).replace(/^\uFEFF/, ''));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
