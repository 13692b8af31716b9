import path from 'node:path';
import type { AnalysisSource } from '../analysis/analyze-trace.js';
import { traceAnalysisSource } from '../analysis/trace-source.js';
import { InputError } from '../errors.js';
import { loadScenario } from '../scenario/load.js';
import type { DelimitedColumn, DelimitedTraceSpec, TimeUnit, TraceFormat, WorkloadSpec } from '../scenario/scenario.js';
import type { AccessBatch } from '../workload/access-event.js';
import { createWorkload } from '../workload/create-workload.js';
import { refuseScenarioAsTrace } from './analyze-input.js';

/**
 * What `analyze` reads, from its flags: a trace file in a format it names or detects, with the column
 * mapping of a delimited trace given as flags (`--columns`, `--delimiter`, `--header`, `--time-unit`, the
 * fields of a scenario's `workload`), or a scenario's `workload` section itself (`--scenario`): its trace
 * with the scenario's format and columns, or its synthetic workload, generated as `run` generates it.
 */
export interface AnalyzeSourceFlags {
  format: string;
  columns?: string;
  delimiter?: string;
  /** true: --header, false: --no-header, undefined: as the columns say (a header name implies one). */
  header?: boolean;
  timeUnit?: string;
  /** `read=get,write=set`: op column values → operations (workload.ops). */
  ops?: string;
  scenario?: string;
}

export interface AnalyzeInput {
  /** Opens the input afresh for each pass of the analysis. */
  open: () => AnalysisSource;
  /** How the report names it. */
  trace: { path: string; format: string };
  /** Files read, which no output may overwrite. */
  reads: { role: string; path: string }[];
}

const TRACE_FLAGS = ['--columns', '--delimiter', '--header', '--time-unit', '--ops'] as const;
const COLUMN_FIELDS = ['key', 'time', 'size', 'op', 'ttl'] as const;
const TIME_UNITS: readonly TimeUnit[] = ['s', 'ms', 'us', 'ns'];

export function analyzeInput(file: string | undefined, flags: AnalyzeSourceFlags): AnalyzeInput {
  const given = TRACE_FLAGS.filter((name) => flagValue(flags, name) !== undefined);
  if (flags.scenario !== undefined) {
    const clashing = [...given, ...(flags.format !== 'auto' ? ['--format'] : [])];
    if (clashing.length > 0) throw new InputError(`--scenario gives the trace's format and columns (its workload section); drop ${clashing.join(', ')}`);
    return scenarioInput(file, flags.scenario);
  }
  if (file === undefined) throw new InputError('analyze needs a trace file, or --scenario <file.yaml> to analyze a scenario\'s workload');
  refuseScenarioAsTrace(file);
  if (given.length === 0) return traceInput(file, flags.format as TraceFormat | 'auto', undefined);
  if (flags.format !== 'auto' && flags.format !== 'delimited') {
    throw new InputError(`${given.join(', ')} ${given.length === 1 ? 'describes' : 'describe'} a delimited trace; --format is ${flags.format} (leave --format out, or give --format delimited)`);
  }
  if (flags.columns === undefined) {
    throw new InputError(`${given.join(', ')} ${given.length === 1 ? 'needs' : 'need'} --columns, the column mapping of the delimited trace, e.g. --columns time=0,key=1,size=3`);
  }
  return traceInput(file, 'delimited', delimitedSpec(flags));
}

function traceInput(file: string, format: TraceFormat | 'auto', delimited: DelimitedTraceSpec | undefined): AnalyzeInput {
  return {
    open: traceAnalysisSource(file, format, { delimited }),
    trace: { path: file, format },
    reads: [{ role: 'the trace', path: file }],
  };
}

/** `key=1,time=0` (0-based indexes) or `key=obj_id,time=timestamp` (header names), in any mix. */
function delimitedSpec(flags: AnalyzeSourceFlags): DelimitedTraceSpec {
  const columns: Partial<Record<(typeof COLUMN_FIELDS)[number], DelimitedColumn>> = {};
  for (const item of (flags.columns ?? '').split(',')) {
    const text = item.trim();
    if (text === '') continue;
    const equals = text.indexOf('=');
    const field = text.slice(0, Math.max(0, equals)).trim() as (typeof COLUMN_FIELDS)[number];
    const column = text.slice(equals + 1).trim();
    if (equals <= 0 || column === '' || !COLUMN_FIELDS.includes(field)) {
      throw new InputError(`--columns: "${text}" is not field=column; fields are ${COLUMN_FIELDS.join(', ')}, columns a 0-based index or a header name, e.g. --columns time=0,key=1,size=3`);
    }
    if (columns[field] !== undefined) throw new InputError(`--columns: ${field} is given twice`);
    columns[field] = /^\d+$/.test(column) ? Number(column) : column;
  }
  if (columns.key === undefined) throw new InputError('--columns: the mapping needs the key column, e.g. --columns key=1 (and optionally time, size, op, ttl)');
  const named = Object.entries(columns).filter(([, column]) => typeof column === 'string');
  const header = flags.header ?? named.length > 0;
  if (!header && named.length > 0) {
    throw new InputError(`--columns: ${named.map(([field, column]) => `${field}=${column}`).join(', ')} name header columns, but --no-header says there is none; give 0-based indexes`);
  }
  const timeUnit = flags.timeUnit ?? 'ms';
  if (!(TIME_UNITS as readonly string[]).includes(timeUnit)) throw new InputError(`--time-unit: one of ${TIME_UNITS.join(', ')}; got "${timeUnit}"`);
  return {
    delimiter: delimiterOf(flags.delimiter ?? ','),
    header,
    columns: { key: columns.key, time: columns.time ?? null, size: columns.size ?? null, op: columns.op ?? null, ttl: columns.ttl ?? null },
    time_unit: timeUnit as TimeUnit,
    ttl_unit: timeUnit as TimeUnit,
    ops: flags.ops === undefined ? null : opsOf(flags.ops),
  };
}

const OPERATIONS = ['get', 'set', 'delete'] as const;

/** `read=get,write=set,del=delete`: the op column's exact text → the operation. */
function opsOf(text: string): Record<string, 'get' | 'set' | 'delete'> {
  const ops: Record<string, 'get' | 'set' | 'delete'> = {};
  for (const item of text.split(',')) {
    const [value, op, ...rest] = item.split('=').map((part) => part.trim());
    if (value === undefined || value === '' || rest.length > 0 || !(OPERATIONS as readonly string[]).includes(op ?? '')) {
      throw new InputError(`--ops: "${item.trim()}" is not value=operation; operations are get, set, delete, e.g. --ops read=get,write=set`);
    }
    ops[value] = op as 'get' | 'set' | 'delete';
  }
  return ops;
}

/** One byte; `\t` or `tab` for a tab, `space` for a space (a shell makes those awkward to type). */
function delimiterOf(text: string): string {
  if (text === '\\t' || text === 'tab') return '\t';
  if (text === 'space') return ' ';
  if (Buffer.byteLength(text, 'utf8') === 1) return text;
  throw new InputError(`--delimiter: one character, like "," or "\\t" (or tab, space); got "${text}"`);
}

function flagValue(flags: AnalyzeSourceFlags, name: (typeof TRACE_FLAGS)[number]): unknown {
  return { '--columns': flags.columns, '--delimiter': flags.delimiter, '--header': flags.header, '--time-unit': flags.timeUnit, '--ops': flags.ops }[name];
}

/** A scenario's workload: its trace as the scenario reads it, or its synthetic workload as `run` generates it. */
function scenarioInput(file: string | undefined, scenarioFile: string): AnalyzeInput {
  const loaded = loadScenario(scenarioFile);
  const varied = Object.keys(loaded.scenario.matrix ?? {}).filter((axis) => axis === 'seed' || axis.startsWith('workload'));
  if (varied.length > 0) {
    throw new InputError(`--scenario ${scenarioFile}: its matrix varies ${varied.join(', ')}, so its runs replay different workloads; analyze one (a scenario without that sweep)`);
  }
  const { workload, seed } = loaded.runs[0].scenario;
  const reads = [{ role: 'the scenario', path: scenarioFile }];
  if (workload.kind === 'trace') {
    if (file !== undefined && path.resolve(file) !== workload.path) {
      throw new InputError(`--scenario ${scenarioFile} names its trace (${workload.path_as_written}); give either the trace or --scenario`);
    }
    return {
      open: traceAnalysisSource(workload.path, workload.format, { delimited: workload.delimited, displayName: workload.path_as_written }),
      trace: { path: workload.path_as_written, format: workload.format },
      reads: [...reads, { role: 'the trace (workload.trace)', path: workload.path }],
    };
  }
  if (file !== undefined) throw new InputError(`--scenario ${scenarioFile} has a synthetic workload, analyzed as generated; give either a trace or --scenario`);
  return {
    open: () => syntheticSource(workload, seed),
    trace: { path: `${scenarioFile} (synthetic workload)`, format: 'synthetic' },
    reads,
  };
}

/** The generated stream, the same on every pass (it is seeded). */
function syntheticSource(workload: WorkloadSpec, seed: number): AnalysisSource {
  const stream = createWorkload(workload, seed);
  return {
    next: (batch: AccessBatch) => stream.next(batch),
    close: () => stream.close(),
  };
}
