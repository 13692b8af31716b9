import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { main } from '../src/cli/main.js';
import { InputError } from '../src/errors.js';
import { parseScenarioText } from '../src/scenario/load.js';
import { captureTerminal } from './support/capture-terminal.js';
import { cachebench, repoRoot } from './support/cachebench-process.js';

// Mutated scenario files and traces — deleted and retyped fields, huge, negative and NaN numbers, unknown
// units, unicode and control characters, alias bombs, truncated gzip and binary records, NUL bytes, BOMs,
// CR-only and CRLF endings — through the CLI's pure entry point, in-process. Whatever the input, a
// simulate run ends in 0, 1 or 2; a 2 names a file and a line or a field; nothing prints a stack or
// "internal error"; each case ends, and memory stays bounded. FUZZ_CASES=5000 runs more (default 300);
// FUZZ_SEED replays a failure.
const CASES = Number(process.env.FUZZ_CASES ?? 300);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
/** A case far past this is a hang, not a slow machine: the smallest cases here take milliseconds. */
const CASE_BOUND_MS = 60_000;
const RSS_BOUND_BYTES = 1.5 * 1024 ** 3;

const work = mkdtempSync(join(tmpdir(), 'cachebench-fuzz-'));
after(() => rmSync(work, { recursive: true, force: true }));

type Data = Record<string, unknown>;

/** The shipped simulate scenarios, shrunk to a few thousand requests so a case runs in milliseconds. */
const BASES: Data[] = readdirSync(join(repoRoot, 'scenarios'))
  .filter((name) => name.endsWith('.yaml'))
  .map((name) => parse(readFileSync(join(repoRoot, 'scenarios', name), 'utf8')) as Data)
  .map(shrink);

function shrink(data: Data): Data {
  const workload = { ...(data.workload as Data) };
  if (workload.trace !== undefined) workload.trace = 'trace.csv';
  else {
    delete workload.duration;
    delete workload.phases;
    workload.requests = 1500;
    if (typeof workload.keys !== 'number' || workload.keys > 2000) workload.keys = 500;
  }
  const matrix = data.matrix as Record<string, unknown[]> | undefined;
  return {
    ...data,
    workload,
    ...(matrix === undefined ? {} : { matrix: Object.fromEntries(Object.entries(matrix).map(([k, v]) => [k, v.slice(0, 2)])) }),
  };
}

const TRACE_BASE = 'timestamp,key,op,size,ttl\n0,a,get,10,\n1,b,set,20,5000\n2,a,get,10,\n3,c,delete,,\n4,b,get,20,\n5,a,set,10,0\n';
const TRACES = {
  csv: TRACE_BASE,
  jsonl: TRACE_BASE.split('\n')
    .slice(1)
    .filter((line) => line !== '')
    .map((line) => {
      const [timestamp, key, op, size] = line.split(',');
      return JSON.stringify({ timestamp: Number(timestamp), key, op, ...(size === '' ? {} : { size: Number(size) }) });
    })
    .join('\n'),
  txt: 'a\nb\na\nc\nb\na\n',
  twitter: '1,k1,3,10,1,get,0\n2,k2,3,10,1,set,60\n3,k1,3,10,1,get,0\n',
  oracleGeneral: oracleRecords([
    [0, 1, 10],
    [1, 2, 20],
    [2, 1, 10],
    [3, 3, 30],
  ]),
};

/** libCacheSim's oracleGeneral: 24-byte little-endian records (u32 time, u64 id, u32 size, i64 next access). */
function oracleRecords(records: Array<[number, number, number]>): Buffer {
  const buffer = Buffer.alloc(records.length * 24);
  records.forEach(([time, id, size], i) => {
    buffer.writeUInt32LE(time, i * 24);
    buffer.writeBigUInt64LE(BigInt(id), i * 24 + 4);
    buffer.writeUInt32LE(size, i * 24 + 12);
    buffer.writeBigInt64LE(-1n, i * 24 + 16);
  });
  return buffer;
}

const HOSTILE_VALUES: unknown[] = [
  -1,
  0,
  0.5,
  1e308,
  -1e308,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  2 ** 53 + 1,
  1e21,
  '',
  'abc',
  '5 parsecs',
  '5mss',
  '-5ms',
  '1e400',
  '10k',
  '99999999999999999999TB',
  '∞',
  '名前',
  '\u001b[2J\u001b]0;x\u0007',
  'a\u0000b',
  '\u202eevil',
  'line\r\nforged',
  [],
  {},
  [1, 'two', null],
  { type: 'nope' },
  null,
  true,
  '/dev/zero',
  'missing.csv',
];

/** Every path in plain data: maps' keys and lists' indexes, at any depth. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const entries = Array.isArray(value) ? value.map((item, i) => [i, item] as const) : Object.entries(value);
  return entries.flatMap(([key, item]) => [[...prefix, key], ...paths(item, [...prefix, key])]);
}

function setPath(data: unknown, path: (string | number)[], value: unknown, remove: boolean): void {
  let node = data as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (!remove) node[last] = value;
  else if (Array.isArray(node)) node.splice(last as number, 1);
  else delete node[last];
}

type TextMutation =
  | { kind: 'bom' | 'crlf' | 'cr' | 'bomb' | 'self-alias' | 'deep' }
  | { kind: 'nul' | 'truncate' | 'control' | 'undefined-alias'; at: number };

const BYTE_KINDS = ['bom', 'crlf', 'cr', 'nul', 'truncate', 'flip', 'huge', 'negative', 'long-line'] as const;
type ByteMutation = { kind: (typeof BYTE_KINDS)[number]; at: number };

const fieldMutation = fc.record({ pick: fc.nat(), remove: fc.boolean(), value: fc.nat({ max: HOSTILE_VALUES.length - 1 }) });
const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.constantFrom<TextMutation>({ kind: 'bom' }, { kind: 'crlf' }, { kind: 'cr' }, { kind: 'bomb' }, { kind: 'self-alias' }, { kind: 'deep' }),
  fc.record({ kind: fc.constantFrom('nul' as const, 'truncate' as const, 'control' as const, 'undefined-alias' as const), at: fc.nat() }),
);
const byteMutation = fc.record({ kind: fc.constantFrom(...BYTE_KINDS), at: fc.nat() });

/** Mutations are each left out half the time, so a good share of the cases still runs (odd but valid input). */
const some = <T>(item: fc.Arbitrary<T>, maxLength: number) => fc.oneof(fc.constant([] as T[]), fc.array(item, { minLength: 1, maxLength }));

const fuzzCase = fc.record({
  base: fc.nat({ max: BASES.length }),
  fields: some(fieldMutation, 3),
  text: some(textMutation, 2),
  trace: fc.constantFrom(...(Object.keys(TRACES) as (keyof typeof TRACES)[])),
  gzip: fc.boolean(),
  bytes: some(byteMutation, 2),
});
type FuzzCase = typeof fuzzCase extends fc.Arbitrary<infer T> ? T : never;

const TRACE_FILE: Record<keyof typeof TRACES, string> = {
  csv: 'trace.csv',
  jsonl: 'trace.jsonl',
  txt: 'trace.txt',
  twitter: 'twitter.csv',
  oracleGeneral: 'trace.oracleGeneral.bin',
};

/** Writes the case's scenario and trace into a folder of its own; returns the scenario's path. */
function materialise(c: FuzzCase, dir: string): string {
  const traceBase = `workload: { trace: ${TRACE_FILE[c.trace]} }\ncache: { capacity: 4 }\nthresholds: [hit_rate >= 0.1]\n`;
  const data = structuredClone(c.base === BASES.length ? (parse(traceBase) as Data) : BASES[c.base]);
  if (c.base === BASES.length || (data.workload as Data).trace !== undefined) (data.workload as Data).trace = TRACE_FILE[c.trace] + (c.gzip ? '.gz' : '');
  for (const m of c.fields) {
    const all = paths(data);
    if (all.length === 0) break;
    setPath(data, all[m.pick % all.length], HOSTILE_VALUES[m.value], m.remove);
  }
  let text = stringify(data);
  for (const m of c.text) text = mutateText(text, m);
  const scenario = join(dir, 'scenario.yaml');
  writeFileSync(scenario, text);

  let trace = Buffer.from(TRACES[c.trace]);
  for (const m of c.bytes) trace = mutateBytes(trace, m, c.trace === 'oracleGeneral');
  if (c.gzip) {
    trace = gzipSync(trace);
    // A truncated gzip stream: its end (and the CRC) cut off.
    if (c.bytes.some((m) => m.kind === 'truncate')) trace = trace.subarray(0, Math.max(2, trace.length - 1 - (c.bytes[0].at % 12)));
  }
  writeFileSync(join(dir, TRACE_FILE[c.trace] + (c.gzip ? '.gz' : '')), trace);
  return scenario;
}

function mutateText(text: string, m: TextMutation): string {
  switch (m.kind) {
    case 'bom':
      return `\uFEFF${text}`;
    case 'crlf':
      return text.replace(/\n/g, '\r\n');
    case 'cr':
      return text.replace(/\n/g, '\r');
    case 'bomb': {
      const levels = ['l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < 8; i++) levels.push(`l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(', ')}]`);
      return `${levels.join('\n')}\n${text}`;
    }
    case 'self-alias':
      return `${text}self: &s [1, *s]\n`;
    case 'deep':
      return `${text}deep: ${'['.repeat(3000)}${']'.repeat(3000)}\n`;
    case 'nul':
      return `${text.slice(0, m.at % (text.length + 1))}\u0000${text.slice(m.at % (text.length + 1))}`;
    case 'truncate':
      return text.slice(0, m.at % (text.length + 1));
    case 'control':
      return `${text.slice(0, m.at % (text.length + 1))}\u001b[31m\u0007${text.slice(m.at % (text.length + 1))}`;
    case 'undefined-alias': {
      const lines = text.split('\n');
      const i = m.at % lines.length;
      lines[i] = lines[i].replace(/: .*$/, ': *nope');
      return lines.join('\n');
    }
  }
}

function mutateBytes(trace: Buffer, m: ByteMutation, binary: boolean): Buffer {
  const at = trace.length === 0 ? 0 : m.at % trace.length;
  switch (m.kind) {
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), trace]);
    case 'crlf':
      return Buffer.from(trace.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    case 'cr':
      return Buffer.from(trace.toString('latin1').replace(/\n/g, '\r'), 'latin1');
    case 'nul':
      return Buffer.concat([trace.subarray(0, at), Buffer.from([0]), trace.subarray(at)]);
    case 'truncate':
      // For oracleGeneral, a record cut short.
      return trace.subarray(0, binary ? Math.max(0, trace.length - 1 - (m.at % 23)) : at);
    case 'flip': {
      const copy = Buffer.from(trace);
      if (copy.length > 0) copy[at] ^= 1 << (m.at % 8);
      return copy;
    }
    case 'huge':
      return binary ? Buffer.concat([trace, Buffer.alloc(24, 0xff)]) : Buffer.concat([trace, Buffer.from('\n1e400,99999999999999999999999,get,99999999999999,1e308\n')]);
    case 'negative':
      return Buffer.concat([trace, Buffer.from('\n-5,a,get,-1,-1\n')]);
    case 'long-line':
      return Buffer.concat([trace, Buffer.from(`\n${'k'.repeat(20_000)}\n`)]);
  }
}

/**
 * Whether the case's runs are small enough to run: a mutation may legitimately ask for 10^21 requests or
 * a billion keys, which is a long run, not a bug. Those cases are only validated.
 */
function smallEnough(scenario: string, dir: string): boolean {
  try {
    const loaded = parseScenarioText(readFileSync(scenario, 'utf8'), scenario, [], dir);
    return loaded.runs.every(({ scenario: s }) => {
      const w = s.workload as { kind: string; requests: number | null; duration: number | null; keys?: number; arrival?: { rate?: number } };
      const requests = w.requests ?? (w.duration !== null && w.arrival?.rate !== undefined ? (w.duration / 1000) * w.arrival.rate : w.kind === 'trace' ? 0 : Infinity);
      return requests <= 20_000 && (w.keys ?? 0) <= 100_000 && JSON.stringify(s).length < 100_000;
    });
  } catch (error) {
    if (error instanceof InputError) return true; // fails fast either way
    throw error;
  }
}

const WHERE = /:\d+|record \d+|\b(workload|cache|database|topology|thresholds|matrix|faults|timeseries|mode|seed|name|max_staleness|compare)\b|--set/;

/** How the cases ended, by command and exit code: reported, so a run shows what it exercised. */
const outcomes = new Map<string, number>();

async function check(c: FuzzCase, index: number): Promise<void> {
  const dir = mkdtempSync(join(work, `case-${index}-`));
  const scenario = materialise(c, dir);
  const command = smallEnough(scenario, dir) ? 'run' : 'validate';
  const terminal = captureTerminal();
  const started = performance.now();
  const code = await main(command === 'run' ? ['run', scenario, '--json', '-'] : ['validate', scenario], terminal);
  const elapsed = performance.now() - started;
  const output = terminal.out + terminal.err;
  const context = `case ${JSON.stringify(c)} (${command}) → exit ${code}\n${terminal.err.slice(0, 2000)}`;
  outcomes.set(`${command} → ${code}`, (outcomes.get(`${command} → ${code}`) ?? 0) + 1);
  assert.ok([0, 1, 2].includes(code), context);
  assert.doesNotMatch(output, /internal error|^\s+at .+:\d+:\d+\)?$/m, context);
  if (code === 2) {
    assert.match(terminal.err, /scenario\.yaml|trace|twitter/, `exit 2 without naming a file: ${context}`);
    assert.match(terminal.err, WHERE, `exit 2 without a line or a field: ${context}`);
  }
  if (command === 'run' && code !== 2) JSON.parse(terminal.out);
  assert.ok(elapsed < CASE_BOUND_MS, `took ${elapsed} ms: ${context}`);
  assert.ok(process.memoryUsage().rss < RSS_BOUND_BYTES, `rss ${process.memoryUsage().rss}: ${context}`);
  rmSync(dir, { recursive: true, force: true });
}

describe('fuzzed scenarios and traces', () => {
  it(`${CASES} mutated cases in-process: exit 0/1/2, a located message for 2, no stack, bounded time and memory`, async (t) => {
    let index = 0;
    await fc.assert(
      fc.asyncProperty(fuzzCase, (c) => check(c, index++)),
      { numRuns: CASES, seed: SEED, endOnFailure: true, includeErrorInReport: true },
    );
    t.diagnostic(`outcomes: ${[...outcomes].map(([what, n]) => `${what}: ${n}`).join(', ')}`);
    t.diagnostic(`threads ${readdirSync('/proc/self/task').length}, rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB after ${CASES} cases`);
  });

  it('a handful of the worst cases through the real binary, with a small heap: the same answers', () => {
    const cases: FuzzCase[] = [
      { base: BASES.length, fields: [], text: [{ kind: 'bomb' }], trace: 'csv', gzip: false, bytes: [] },
      { base: BASES.length, fields: [], text: [{ kind: 'cr' }, { kind: 'bom' }], trace: 'csv', gzip: true, bytes: [{ kind: 'truncate', at: 3 }] },
      { base: BASES.length, fields: [], text: [], trace: 'oracleGeneral', gzip: false, bytes: [{ kind: 'truncate', at: 5 }] },
      { base: BASES.length, fields: [], text: [{ kind: 'undefined-alias', at: 1 }], trace: 'txt', gzip: false, bytes: [{ kind: 'nul', at: 2 }] },
      { base: 0, fields: [{ pick: 3, remove: false, value: 5 }], text: [{ kind: 'control', at: 4 }], trace: 'jsonl', gzip: false, bytes: [{ kind: 'bom', at: 0 }] },
    ];
    cases.forEach((c, i) => {
      const dir = mkdtempSync(join(work, `spawned-${i}-`));
      const scenario = materialise(c, dir);
      const r = cachebench(['run', scenario, '--json', '-'], { NODE_OPTIONS: '--max-old-space-size=256' });
      const context = `case ${JSON.stringify(c)} → exit ${r.code}\n${r.stderr.slice(0, 2000)}`;
      assert.ok(r.code === 0 || r.code === 1 || r.code === 2, context);
      assert.doesNotMatch(r.stderr, /internal error|^\s+at /m, context);
      if (r.code === 2) assert.match(r.stderr, WHERE, context);
    });
  });
});
