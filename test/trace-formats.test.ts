import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { InputError } from '../src/errors.js';
import { createPolicy } from '../src/policies/registry.js';
import type { DelimitedTraceSpec, TraceFormat } from '../src/scenario/scenario.js';
import { AccessBatch, OP_DELETE, OP_GET, OP_SET } from '../src/workload/access-event.js';
import { openTraceReader, type TraceReader, type TraceReaderOptions } from '../src/workload/trace/trace-reader.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string) => path.join(fixtures, name);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachebench-formats-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function file(content: string | Buffer, name = `t${counter++}`): string {
  const target = path.join(dir, `${counter++}-${name}`);
  fs.writeFileSync(target, content);
  return target;
}

interface Event {
  t: number;
  key: string;
  op: number;
  size: number;
  ttl: number;
}
const ev = (t: number, key: string, op = OP_GET, size = 1, ttl = 0): Event => ({ t, key, op, size, ttl });

function drain(reader: TraceReader, batchSize: number): Event[] {
  const batch = new AccessBatch(batchSize);
  const events: Event[] = [];
  try {
    for (let n = reader.read(batch, batch.capacity); n > 0; n = reader.read(batch, batch.capacity)) {
      for (let i = 0; i < n; i++) {
        assert.ok(
          batch.key[i] >= 0 && batch.key[i] < reader.keySpace,
          `key id ${batch.key[i]} within keySpace ${reader.keySpace}`,
        );
        events.push({
          t: batch.time[i],
          key: reader.keyName(batch.key[i]),
          op: batch.op[i],
          size: batch.size[i],
          ttl: batch.ttl[i],
        });
      }
    }
  } finally {
    reader.close();
  }
  return events;
}

function readAll(
  target: string,
  format: TraceFormat | 'auto' = 'auto',
  options: TraceReaderOptions = {},
  batchSize = 64,
): Event[] {
  return drain(openTraceReader(target, format, options), batchSize);
}

/** Events equal, times to the microsecond (MONITOR times are decimals of a large number). */
function assertEvents(actual: Event[], expected: Event[]): void {
  assert.equal(actual.length, expected.length, `event count: ${JSON.stringify(actual)}`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i].t - expected[i].t) < 1e-3, `event ${i} time ${actual[i].t} ≠ ${expected[i].t}`);
    assert.deepEqual({ ...actual[i], t: 0 }, { ...expected[i], t: 0 }, `event ${i}`);
  }
}

const TSV_SPEC: DelimitedTraceSpec = {
  delimiter: '\t',
  header: true,
  columns: { time: 'time', key: 'object', op: 'op', size: 'bytes', ttl: null },
  time_unit: 's',
  ttl_unit: 's',
  ops: { read: 'get', write: 'set', remove: 'delete' },
};

/** Times count from the log's first command, 1460100081.165665 s: the rest of that second is 0 − 165.665 ms. */
const MONITOR_T0 = -165.665;

/** One real-format sample per format, with every event it must produce. */
const SAMPLES: { format: TraceFormat; file: string; options?: TraceReaderOptions; expected: Event[] }[] = [
  {
    format: 'twitter',
    file: 'twitter-sample.csv',
    expected: [
      ev(0, 'q:q:1:8WTfjZU', OP_GET, 16),
      ev(0, 'q:q:1:8WTfjZU', OP_SET, 33, 3_600_000),
      ev(1000, 'a:b,c', OP_SET, 106, 60_000),
      ev(1000, 'nKP5k', OP_GET, 5),
      ev(2000, 'nKP5k', OP_SET, 317),
      ev(2000, 'ctr', OP_SET, 4),
      ev(3000, 'q:q:1:8WTfjZU', OP_DELETE, 14),
      ev(3000, 'nKP5k', OP_SET, 325),
    ],
  },
  {
    format: 'redis-monitor',
    file: 'redis-monitor-sample.txt',
    expected: [
      ev(MONITOR_T0 + 165.665, 'user:1', OP_SET, 5),
      ev(MONITOR_T0 + 166, 'user:1', OP_GET, 5),
      ev(MONITOR_T0 + 200, 'user:1', OP_GET, 5),
      ev(MONITOR_T0 + 200, 'user:A', OP_GET, 1),
      ev(MONITOR_T0 + 200, 'say "hi"', OP_GET, 1),
      ev(MONITOR_T0 + 300, 'session:9', OP_SET, 3, 10_000),
      ev(MONITOR_T0 + 600, 'p', OP_SET, 5, 1500),
      ev(MONITOR_T0 + 700, 'h', OP_SET, 1),
      ev(MONITOR_T0 + 800, 'h', OP_GET, 1),
      ev(MONITOR_T0 + 900, 'user:A', OP_DELETE, 1),
      ev(MONITOR_T0 + 900, 'session:9', OP_DELETE, 3),
      ev(MONITOR_T0 + 1000, 'p', OP_DELETE, 5),
      ev(MONITOR_T0 + 1100, 'a', OP_SET, 1),
      ev(MONITOR_T0 + 1100, 'b', OP_SET, 2),
      ev(MONITOR_T0 + 1200, 'a', OP_GET, 1),
      ev(MONITOR_T0 + 1200, 'a', OP_DELETE, 1),
      ev(MONITOR_T0 + 1400, 'back\\slash', OP_GET, 1),
    ],
  },
  {
    format: 'key-per-line',
    file: 'lirs-sample.trc',
    expected: [ev(0, '17'), ev(1, '4'), ev(3, '17'), ev(4, '23'), ev(5, '9'), ev(7, '4')],
  },
  {
    format: 'delimited',
    file: 'delimited-sample.tsv',
    options: { delimited: TSV_SPEC },
    expected: [
      ev(1500, 'k1', OP_GET, 100),
      ev(1500, 'k2', OP_SET, 200),
      ev(2000, 'k1', OP_GET, 100),
      ev(3000, 'k,3', OP_DELETE, 1),
    ],
  },
];

describe('trace formats: real-format samples', () => {
  for (const sample of SAMPLES) {
    it(`${sample.format}: ${sample.file}`, () => {
      assertEvents(readAll(fixture(sample.file), sample.format, sample.options), sample.expected);
    });
    it(`${sample.format}: the same events in batches of 1, 2 and 3, and from 16-byte chunks`, () => {
      for (const batchSize of [1, 2, 3])
        assertEvents(readAll(fixture(sample.file), sample.format, sample.options, batchSize), sample.expected);
      assertEvents(readAll(fixture(sample.file), sample.format, { ...sample.options, chunkBytes: 16 }), sample.expected);
    });
    it(`${sample.format}: gzip-compressed, the same events (by magic bytes, with or without .gz)`, () => {
      const packed = gzipSync(fs.readFileSync(fixture(sample.file)));
      assertEvents(readAll(file(packed, `${sample.file}.gz`), sample.format, sample.options), sample.expected);
      assertEvents(readAll(file(packed, 'no-extension'), sample.format, sample.options), sample.expected);
    });
  }

  it('redis-monitor: commands that are no access are counted by name', () => {
    const reader = openTraceReader(fixture('redis-monitor-sample.txt'), 'redis-monitor');
    drain(reader, 64);
    assert.deepEqual([...reader.stats().skippedCommands].sort(), [
      ['expire', 1],
      ['info', 1],
      ['ping', 1],
    ]);
  });

  it('redis-monitor: an MGET with more keys than a batch holds is split across reads, in order', () => {
    const keys = Array.from({ length: 10 }, (_, i) => `"k${i}"`).join(' ');
    const target = file(`1.5 [0 c] "mget" ${keys}\n2 [0 c] "get" "z"\n`, 'monitor.txt');
    const events = readAll(target, 'redis-monitor', {}, 3);
    assert.deepEqual(
      events.map((e) => e.key),
      [...Array.from({ length: 10 }, (_, i) => `k${i}`), 'z'],
    );
  });

  it('delimited: columns by index, no header, whitespace runs with a space delimiter, time = request index without a time column', () => {
    const target = file('a  7  x\n\nb 8 y\n  a 9 z\n', 'spaces.txt');
    const spec: DelimitedTraceSpec = {
      ...TSV_SPEC,
      delimiter: ' ',
      header: false,
      columns: { key: 0, size: 1, time: null, op: null, ttl: null },
      ops: null,
    };
    assertEvents(readAll(target, 'delimited', { delimited: spec }), [
      ev(0, 'a', OP_GET, 7),
      ev(1, 'b', OP_GET, 8),
      ev(2, 'a', OP_GET, 9),
    ]);
  });

  it('delimited: time and ttl units; default ops are get/set/delete in any case', () => {
    const target = file('5,k,SET,10,2\n6,k,get,10,\n', 'units.csv');
    const spec: DelimitedTraceSpec = {
      delimiter: ',',
      header: false,
      columns: { time: 0, key: 1, op: 2, size: 3, ttl: 4 },
      time_unit: 'us',
      ttl_unit: 's',
      ops: null,
    };
    assertEvents(readAll(target, 'delimited', { delimited: spec }), [
      ev(0.005, 'k', OP_SET, 10, 2000),
      ev(0.006, 'k', OP_GET, 10),
    ]);
  });

  it('oracleGeneral: 64-bit ids beyond 2^53 keep their exact decimal names; ids below are numbers', () => {
    const records = Buffer.alloc(3 * 24);
    const ids = [2n ** 64n - 1n, 42n, 2n ** 53n + 1n];
    ids.forEach((id, i) => {
      records.writeUInt32LE(i, i * 24);
      records.writeBigUInt64LE(id, i * 24 + 4);
      records.writeUInt32LE(100 + i, i * 24 + 12);
      records.writeBigInt64LE(-1n, i * 24 + 16);
    });
    assertEvents(readAll(file(records, 'wide.oracleGeneral.bin')), [
      ev(0, '18446744073709551615', OP_GET, 100),
      ev(1000, '42', OP_GET, 101),
      ev(2000, '9007199254740993', OP_GET, 102),
    ]);
  });
});

describe('trace formats: detection', () => {
  const cases: { name: string; content: string | Buffer; file: string; expected: TraceFormat }[] = [
    { name: 'canonical header', content: 'timestamp,key\n0,a\n', file: 'x.txt', expected: 'csv' },
    { name: 'JSON Lines by content', content: '{"timestamp":0,"key":"a"}\n', file: 'x.log', expected: 'jsonl' },
    { name: 'Twitter by its 7 fields and operation', content: '0,k,1,2,3,get,0\n', file: 'cluster52.0', expected: 'twitter' },
    { name: 'MONITOR by its "OK" line', content: 'OK\n1.5 [0 c] "get" "k"\n', file: 'x.log', expected: 'redis-monitor' },
    {
      name: 'MONITOR without it',
      content: '1460100081.165665 [0 127.0.0.1:51706] "get" "k"\n',
      file: 'x.log',
      expected: 'redis-monitor',
    },
    { name: 'one key per line', content: '17\n4\n', file: 'multi1.trc', expected: 'key-per-line' },
    { name: 'binary records by a NUL byte', content: Buffer.alloc(24), file: 'x.bin', expected: 'oracleGeneral' },
    { name: 'oracleGeneral by name', content: Buffer.alloc(24, 1), file: 'w.oracleGeneral', expected: 'oracleGeneral' },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.expected}`, () => {
      const target = file(c.content, c.file);
      assert.deepEqual(readAll(target, 'auto'), readAll(target, c.expected));
      const packed = file(gzipSync(c.content), `${c.file}.gz`);
      assert.deepEqual(readAll(packed, 'auto'), readAll(target, c.expected), 'gzip: detected from the decompressed start');
    });
  }

  it('a first line that fits no format asks for format:', () => {
    assert.throws(
      () => readAll(file('a b c\n', 'mystery.dat')),
      (error: Error) => {
        assert.ok(error instanceof InputError);
        assert.match(
          error.message,
          /cannot tell the format of .*mystery\.dat from its first line \(a b c\); set workload\.format to one of/,
        );
        return true;
      },
    );
  });
});

describe('trace formats: oracleGeneral = the canonical CSV', () => {
  function lruHits(target: string, capacity: number): { requests: number; keys: number; hits: number } {
    const reader = openTraceReader(target, 'auto');
    const policy = createPolicy('lru', { capacity, unit: 'entries', keySpaceHint: 1024, seed: 1 });
    const batch = new AccessBatch(8192);
    let requests = 0;
    let hits = 0;
    try {
      for (let n = reader.read(batch, batch.capacity); n > 0; n = reader.read(batch, batch.capacity)) {
        for (let i = 0; i < n; i++) {
          requests++;
          if (policy.get(batch.key[i], batch.time[i])) hits++;
          else policy.set(batch.key[i], batch.size[i], Number.POSITIVE_INFINITY, batch.time[i]);
        }
      }
      return { requests, keys: reader.keySpace, hits };
    } finally {
      reader.close();
    }
  }

  it('the same requests, keys and LRU hits (libCacheSim: 19,049 at 1000 entries), also gzipped', () => {
    const binary = fixture('cloudphysics.oracleGeneral.bin');
    const expected = { requests: 113_872, keys: 48_974, hits: 19_049 };
    assert.deepEqual(lruHits(fixture('cloudphysics.csv'), 1000), expected);
    assert.deepEqual(lruHits(binary, 1000), expected);
    assert.deepEqual(lruHits(file(gzipSync(fs.readFileSync(binary)), 'cloudphysics.oracleGeneral.bin.gz'), 1000), expected);
    assert.equal(lruHits(binary, 10_000).hits, 34_434);
  });

  it('the same key names and sizes as the CSV, timestamps in whole seconds', () => {
    const csv = readAll(fixture('cloudphysics.csv'), 'csv', {}, 8192);
    const binary = readAll(fixture('cloudphysics.oracleGeneral.bin'), 'oracleGeneral', {}, 8192);
    assert.equal(binary.length, csv.length);
    for (let i = 0; i < csv.length; i += 997) {
      assert.equal(binary[i].key, csv[i].key);
      assert.equal(binary[i].size, csv[i].size);
      assert.equal(binary[i].t % 1000, 0);
    }
  });
});

describe('trace formats: malformed input', () => {
  function record(timestamp: number, id: bigint, size: number): Buffer {
    const bytes = Buffer.alloc(24);
    bytes.writeUInt32LE(timestamp, 0);
    bytes.writeBigUInt64LE(id, 4);
    bytes.writeUInt32LE(size, 12);
    bytes.writeBigInt64LE(-1n, 16);
    return bytes;
  }
  const spaceSpec: DelimitedTraceSpec = {
    ...TSV_SPEC,
    delimiter: ',',
    header: false,
    columns: { time: 0, key: 1, size: 2, op: null, ttl: null },
    ops: null,
  };

  /** Each: a file with one bad line among good ones, the message, and the events with the bad line skipped. */
  const cases: {
    name: string;
    format: TraceFormat;
    content: string | Buffer;
    options?: TraceReaderOptions;
    message: RegExp;
    skipped: number;
  }[] = [
    {
      name: 'csv: op',
      format: 'csv',
      content: 'timestamp,key,op\n0,a,get\n1,b,gett\n2,c,get\n',
      message: /:3: op "gett" is not one of get, set, delete \(line: 1,b,gett\)/,
      skipped: 2,
    },
    {
      name: 'jsonl: not JSON',
      format: 'jsonl',
      content: '{"timestamp":0,"key":"a"}\n{oops\n{"timestamp":2,"key":"c"}\n',
      message: /:2: not valid JSON.*\(line: \{oops\)/,
      skipped: 2,
    },
    {
      name: 'twitter: too few fields',
      format: 'twitter',
      content: '0,a,1,1,1,get,0\n1,b,get\n2,c,1,1,1,get,0\n',
      message: /:2: expected 7 comma-separated fields .*found 3 \(line: 1,b,get\)/,
      skipped: 2,
    },
    {
      name: 'twitter: operation',
      format: 'twitter',
      content: '0,a,1,1,1,get,0\n1,b,1,1,1,fetch,0\n2,c,1,1,1,get,0\n',
      message: /:2: operation "fetch" is not one of get, gets, set/,
      skipped: 2,
    },
    {
      name: 'twitter: time goes back',
      format: 'twitter',
      content: '5,a,1,1,1,get,0\n1,b,1,1,1,get,0\n7,c,1,1,1,get,0\n',
      message: /:2: timestamp 1000 ms is earlier than the previous request's 5000 ms/,
      skipped: 2,
    },
    {
      name: 'redis-monitor: no brackets',
      format: 'redis-monitor',
      content: '1.0 [0 c] "get" "a"\n2.0 "get" "b"\n3.0 [0 c] "get" "c"\n',
      message: /:2: expected "\[<db> <client>\]" after the time \(line: 2\.0 "get" "b"\)/,
      skipped: 2,
    },
    {
      name: 'redis-monitor: unclosed quote',
      format: 'redis-monitor',
      content: '1.0 [0 c] "get" "a"\n2.0 [0 c] "get" "b\n3.0 [0 c] "get" "c"\n',
      message: /:2: argument 2 has no closing quote/,
      skipped: 2,
    },
    {
      name: 'redis-monitor: bad escape',
      format: 'redis-monitor',
      content: '1.0 [0 c] "get" "a"\n2.0 [0 c] "get" "\\xZZ"\n3.0 [0 c] "get" "c"\n',
      message: /:2: argument 2 has a \\x escape without two hex digits/,
      skipped: 2,
    },
    {
      name: 'redis-monitor: arity',
      format: 'redis-monitor',
      content: '1.0 [0 c] "get" "a"\n2.0 [0 c] "set" "b"\n3.0 [0 c] "get" "c"\n',
      message: /:2: set needs a key and a value/,
      skipped: 2,
    },
    {
      name: 'delimited: too few fields',
      format: 'delimited',
      content: '0,a,1\n1,b\n2,c,3\n',
      options: { delimited: spaceSpec },
      message: /:2: expected at least 3 fields separated by ",", found 2 \(line: 1,b\)/,
      skipped: 2,
    },
    {
      name: 'delimited: size',
      format: 'delimited',
      content: '0,a,1\n1,b,big\n2,c,3\n',
      options: { delimited: spaceSpec },
      message: /:2: size \(column 2\) "big" is not a whole number of bytes/,
      skipped: 2,
    },
    {
      name: 'oracleGeneral: size above 2^31 − 1',
      format: 'oracleGeneral',
      content: Buffer.concat([record(0, 1n, 1), record(1, 2n, 0xffffffff), record(2, 3n, 1)]),
      message: /: record 2: obj_size 4294967295 is above 2147483647 bytes \(bytes: 01000000/,
      skipped: 2,
    },
    {
      name: 'oracleGeneral: truncated last record',
      format: 'oracleGeneral',
      content: Buffer.concat([record(0, 1n, 1), record(1, 2n, 1), Buffer.alloc(10)]),
      message: /: record 3: the file ends 10 bytes into this record \(records are 24 bytes\)/,
      skipped: 2,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: an InputError naming the file, the line (record) and its text, after the events before it`, () => {
      const target = file(c.content, `bad-${c.format}`);
      const reader = openTraceReader(target, c.format, c.options);
      const batch = new AccessBatch(64);
      let seen = 0;
      assert.throws(
        () => {
          for (let n = reader.read(batch, 64); n > 0; n = reader.read(batch, 64)) seen += n;
        },
        (error: Error) => {
          assert.ok(error instanceof InputError, String(error));
          assert.ok(error.message.startsWith(target), error.message);
          assert.match(error.message, c.message);
          return true;
        },
      );
      reader.close();
      assert.ok(seen >= 1, 'the events before the bad line were returned first');
    });

    it(`${c.name}: skipped and counted with skipBadLines, also gzipped`, () => {
      for (const content of [c.content, gzipSync(c.content)]) {
        const reader = openTraceReader(file(content, `bad-${c.format}`), c.format, { ...c.options, skipBadLines: true });
        const events = drain(reader, 64);
        assert.equal(events.length, c.skipped);
        assert.equal(reader.stats().skippedLines, 1);
      }
    });
  }

  it('csv: skipping bad lines keeps the rest of the batch, however many there are', () => {
    const lines = ['timestamp,key'];
    for (let i = 0; i < 100; i++) lines.push(i % 3 === 0 ? `${i},` : `${i},k${i}`);
    const reader = openTraceReader(file(`${lines.join('\n')}\n`, 'many.csv'), 'csv', { skipBadLines: true });
    const events = drain(reader, 7);
    assert.equal(events.length, 66);
    assert.equal(reader.stats().skippedLines, 34);
  });

  it('gzip: a damaged file is an InputError naming it', () => {
    const packed = gzipSync(fs.readFileSync(fixture('lirs-sample.trc')));
    const truncated = file(packed.subarray(0, packed.length - 12), 'cut.trc.gz');
    assert.throws(
      () => readAll(truncated, 'key-per-line'),
      (error: Error) => {
        assert.ok(error instanceof InputError);
        assert.match(error.message, /cut\.trc\.gz: not a valid gzip stream \(unexpected end of file\)/);
        return true;
      },
    );
    assert.throws(() => readAll(file('plain text\n', 'fake.csv.gz')), /the name ends in \.gz but the file is not gzip/);
  });

  it('gzip: a reader closed early stops its thread (no leak, no hang)', () => {
    const big = gzipSync(Buffer.from('k\n'.repeat(2_000_000)));
    const reader = openTraceReader(file(big, 'big.trc.gz'), 'key-per-line');
    const batch = new AccessBatch(100);
    assert.equal(reader.read(batch, 100), 100);
    reader.close();
    reader.close();
  });
});
