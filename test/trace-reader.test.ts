import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { InputError } from '../src/errors.js';
import type { ArrivalSpec, TraceWorkloadSpec } from '../src/scenario/scenario.js';
import { AccessBatch, OP_DELETE, OP_GET, OP_SET } from '../src/workload/access-event.js';
import { createWorkload } from '../src/workload/create-workload.js';
import { openTraceReader, type TraceReaderOptions } from '../src/workload/trace/trace-reader.js';
import { TraceWorkload } from '../src/workload/trace/trace-workload.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachebench-trace-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
function traceFile(content: string | Buffer, name = `t${fileCounter++}.csv`): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

interface Event {
  t: number;
  key: string;
  op: number;
  size: number;
  ttl: number;
}

function readAll(file: string, options: TraceReaderOptions = {}, batchSize = 64): Event[] {
  const reader = openTraceReader(file, 'auto', options);
  const batch = new AccessBatch(batchSize);
  const events: Event[] = [];
  for (;;) {
    const n = reader.read(batch, batch.capacity);
    if (n === 0) break;
    for (let i = 0; i < n; i++) {
      assert.ok(batch.key[i] < reader.keySpace);
      events.push({
        t: batch.time[i],
        key: reader.keyName(batch.key[i]),
        op: batch.op[i],
        size: batch.size[i],
        ttl: batch.ttl[i],
      });
    }
  }
  reader.close();
  reader.close(); // safe twice
  return events;
}

const ev = (t: number, key: string, op = OP_GET, size = 1, ttl = 0): Event => ({ t, key, op, size, ttl });

describe('trace reader: accepted inputs', () => {
  const cases: { name: string; content: string; file?: string; expected: Event[] }[] = [
    {
      name: 'canonical order',
      content: 'timestamp,key,op,size\n0,1,get,100\n5,2,set,200\n9,1,delete,0\n',
      expected: [ev(0, '1', OP_GET, 100), ev(5, '2', OP_SET, 200), ev(9, '1', OP_DELETE, 0)],
    },
    {
      name: 'columns in another order',
      content: 'size,op,key,timestamp\n100,get,1,0\n200,set,2,5\n',
      expected: [ev(0, '1', OP_GET, 100), ev(5, '2', OP_SET, 200)],
    },
    {
      name: 'decimal timestamps, header case and spaces',
      content: 'Timestamp, Key ,OP\n0.5,a,GET\n1.25,b,Set\n1.250,a,get\n',
      expected: [ev(0.5, 'a'), ev(1.25, 'b', OP_SET), ev(1.25, 'a')],
    },
    {
      name: 'ttl column: number, decimal, empty and 0',
      content: 'timestamp,key,op,size,ttl\n0,k,set,10,60000\n1,k,set,10,1.5\n2,k,set,10,\n3,k,set,10,0\n',
      expected: [ev(0, 'k', OP_SET, 10, 60000), ev(1, 'k', OP_SET, 10, 1.5), ev(2, 'k', OP_SET, 10), ev(3, 'k', OP_SET, 10)],
    },
    {
      name: 'only the required columns: op defaults to get, size to 1',
      content: 'key,timestamp\nx,0\ny,1\n',
      expected: [ev(0, 'x'), ev(1, 'y')],
    },
    {
      name: 'empty op and size fields take the defaults',
      content: 'timestamp,key,op,size\n0,x,,\n',
      expected: [ev(0, 'x')],
    },
    {
      name: 'string keys, numbers with leading zeros and long digit strings stay distinct texts',
      content: 'timestamp,key\n0,user:42\n1,007\n2,7\n3,12345678901234567890\n4,user:42\n5,é-ключ\n',
      expected: [ev(0, 'user:42'), ev(1, '007'), ev(2, '7'), ev(3, '12345678901234567890'), ev(4, 'user:42'), ev(5, 'é-ключ')],
    },
    {
      name: 'quoted fields with commas and escaped quotes',
      content: 'timestamp,key,op\n0,"a,b",get\n1,"say ""hi""","set"\n2,"17",get\n3,17,get\n',
      expected: [ev(0, 'a,b'), ev(1, 'say "hi"', OP_SET), ev(2, '17'), ev(3, '17')],
    },
    {
      name: 'CRLF line endings, blank lines, no final newline, a byte-order mark',
      content: '\ufefftimestamp,key,op,size\r\n0,1,get,10\r\n\r\n1,2,set,20\r\n\n2,3,get,30',
      expected: [ev(0, '1', OP_GET, 10), ev(1, '2', OP_SET, 20), ev(2, '3', OP_GET, 30)],
    },
    {
      name: 'exponent and very precise timestamps fall back to Number()',
      content: 'timestamp,key\n1e3,a\n1000.0000000000000001,b\n',
      expected: [ev(1000, 'a'), ev(1000, 'b')],
    },
    {
      name: 'JSON Lines by extension',
      file: 'trace.jsonl',
      content:
        '{"timestamp":0,"key":"a","op":"get","size":10}\n\n{"key":7,"timestamp":1.5,"op":"delete"}\r\n{"timestamp":2,"key":"7","ttl":500,"extra":true}\n',
      expected: [ev(0, 'a', OP_GET, 10), ev(1.5, '7', OP_DELETE), ev(2, '7', OP_GET, 1, 500)],
    },
    {
      name: 'JSON Lines by content',
      file: 'trace.log',
      content: '\n{"timestamp":0,"key":"a"}\n',
      expected: [ev(0, 'a')],
    },
  ];
  for (const { name, content, file, expected } of cases) {
    it(name, () => {
      const events = readAll(traceFile(content, file ?? `t${fileCounter++}.csv`));
      assert.deepEqual(events, expected);
    });
  }

  it('the same key text gets the same id, ids are dense in order of first appearance', () => {
    const reader = openTraceReader(traceFile('timestamp,key\n0,b\n1,5\n2,b\n3,a\n4,5\n'), 'csv');
    const batch = new AccessBatch(16);
    const n = reader.read(batch, 16);
    assert.deepEqual(Array.from(batch.key.subarray(0, n)), [0, 1, 0, 2, 1]);
    assert.equal(reader.keySpace, 3);
    reader.close();
  });

  it('lines across chunk boundaries parse the same as with a large chunk (property)', () => {
    const line = fc.record({
      t: fc.integer({ min: 0, max: 10 ** 9 }),
      frac: fc.option(fc.integer({ min: 0, max: 999 }), { nil: undefined }),
      key: fc.oneof(fc.nat({ max: 10 ** 12 }).map(String), fc.stringMatching(/^[a-z:_-]{1,40}$/)),
      op: fc.constantFrom('get', 'set', 'delete'),
      size: fc.nat({ max: 10 ** 7 }),
      crlf: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 60 }), fc.integer({ min: 16, max: 64 }), (lines, chunkBytes) => {
        let t = 0;
        const body = lines
          .map((l) => {
            t += l.t + 1; // strictly increasing integer parts keep any fraction in order
            return `${l.key},${l.op},${t}${l.frac === undefined ? '' : `.${String(l.frac).padStart(3, '0')}`},${l.size}${l.crlf ? '\r\n' : '\n'}`;
          })
          .join('');
        const file = traceFile(`key,op,timestamp,size\n${body}`);
        const small = readAll(file, { chunkBytes }, 7);
        const large = readAll(file, {}, 4096);
        assert.equal(small.length, lines.length);
        assert.deepEqual(small, large);
      }),
      { numRuns: 150 },
    );
  });

  it('a line longer than the chunk grows the buffer', () => {
    const longKey = 'k'.repeat(5000);
    assert.deepEqual(readAll(traceFile(`timestamp,key\n0,${longKey}\n1,x\n`), { chunkBytes: 16 }), [ev(0, longKey), ev(1, 'x')]);
  });

  it('reads the CloudPhysics fixture: 113,872 requests over 48,974 distinct keys', () => {
    const reader = openTraceReader(path.join(import.meta.dirname, 'fixtures/cloudphysics.csv'), 'auto');
    const batch = new AccessBatch(4096);
    let requests = 0;
    let maxKey = -1;
    for (let n = reader.read(batch, 4096); n > 0; n = reader.read(batch, 4096)) {
      requests += n;
      for (let i = 0; i < n; i++) if (batch.key[i] > maxKey) maxKey = batch.key[i];
    }
    assert.equal(requests, 113_872);
    assert.equal(reader.keySpace, 48_974);
    assert.equal(maxKey, 48_973);
    assert.equal(reader.keyName(0), '42932745');
    reader.close();
  });
});

/** Asserts `fn` throws an InputError whose message contains every fragment. */
function assertInputError(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof InputError, `expected an InputError, got ${error}`);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" lacks "${fragment}"`);
    return true;
  });
}

describe('trace reader: errors a person can act on', () => {
  const read = (file: string, displayName?: string) => () => readAll(file, { displayName });

  it('missing file: names the path as written and as resolved', () => {
    const missing = path.join(dir, 'nope.csv');
    assertInputError(read(missing, 'traces/nope.csv'), 'trace file not found: traces/nope.csv', `(resolved to ${missing})`);
  });

  it('a directory', () => {
    assertInputError(read(dir, 'traces/'), 'is a directory', 'traces/');
  });

  it('unreadable file', { skip: process.getuid?.() === 0 ? 'root reads everything' : false }, () => {
    const file = traceFile('timestamp,key\n0,a\n');
    fs.chmodSync(file, 0o000);
    assertInputError(read(file, 'locked.csv'), 'not readable', 'locked.csv');
  });

  const lineErrors: { name: string; content: string; fragments: string[] }[] = [
    {
      name: 'unknown header column lists found and valid names',
      content: 'timestamp,key,opp,size\n0,1,get,1\n',
      fragments: ['bad.csv:1:', 'unknown column "opp"', '"timestamp", "key", "opp", "size"', 'timestamp, key, op, size, ttl'],
    },
    {
      name: 'missing required column',
      content: 'timestamp,op,size\n0,get,1\n',
      fragments: ['bad.csv:1:', 'lacks required column key', 'found columns "timestamp", "op", "size"', 'valid names'],
    },
    {
      name: 'bad op',
      content: 'timestamp,key,op,size\n0,1,get,1\n1,2,gett,1\n',
      fragments: ['bad.csv:3:', 'op "gett" is not one of get, set, delete', '1,2,gett,1'],
    },
    {
      name: 'non-numeric size',
      content: 'timestamp,key,op,size\n0,1,get,12kb\n',
      fragments: ['bad.csv:2:', 'size "12kb" is not a whole number of bytes', '0,1,get,12kb'],
    },
    {
      name: 'fractional size',
      content: 'timestamp,key,op,size\n0,1,get,1.5\n',
      fragments: ['bad.csv:2:', 'size "1.5" is not a whole number'],
    },
    {
      name: 'non-numeric timestamp',
      content: 'timestamp,key\n2024-01-01,a\n',
      fragments: ['bad.csv:2:', 'timestamp "2024-01-01" is not a time in ms'],
    },
    {
      name: 'empty timestamp',
      content: 'timestamp,key\n,a\n',
      fragments: ['bad.csv:2:', 'timestamp is empty'],
    },
    {
      name: 'empty key',
      content: 'timestamp,key\n0,\n',
      fragments: ['bad.csv:2:', 'key is empty'],
    },
    {
      name: 'too few fields',
      content: 'timestamp,key,op,size\n0,1,get\n',
      fragments: ['bad.csv:2:', 'expected 4 fields (timestamp,key,op,size), found 3', '0,1,get'],
    },
    {
      name: 'too many fields',
      content: 'timestamp,key\n0,1,get\n',
      fragments: ['bad.csv:2:', 'expected 2 fields', 'found more'],
    },
    {
      name: 'timestamps going backwards',
      content: 'timestamp,key\n5,a\n3,b\n',
      fragments: ['bad.csv:3:', "timestamp 3 is earlier than the previous request's 5", 'sort -t, -k1,1n'],
    },
    {
      name: 'unterminated quote',
      content: 'timestamp,key\n0,"abc\n',
      fragments: ['bad.csv:2:', 'no closing quote'],
    },
    {
      name: 'header only',
      content: 'timestamp,key,op,size\n\n',
      fragments: ['trace is empty', 'bad.csv', 'no requests'],
    },
    {
      name: 'zero bytes',
      content: '',
      fragments: ['trace is empty (0 bytes)', 'bad.csv', 'header'],
    },
  ];
  for (const { name, content, fragments } of lineErrors) {
    it(name, () => assertInputError(read(traceFile(content), 'bad.csv'), ...fragments));
  }

  it('long offending lines are truncated to about 80 characters', () => {
    const content = `timestamp,key,op\n0,${'x'.repeat(300)},nope\n`;
    assert.throws(read(traceFile(content), 'bad.csv'), (error: Error) => {
      assert.match(error.message, /^bad\.csv:2: op "nope"/);
      assert.ok(error.message.length < 200, error.message);
      return true;
    });
  });

  const jsonErrors: { name: string; content: string; fragments: string[] }[] = [
    {
      name: 'invalid JSON',
      content: '{"timestamp":0,"key":"a"}\n{"timestamp":1,"key":\n',
      fragments: ['bad.jsonl:2:', 'not valid JSON', '{"timestamp":1,"key":'],
    },
    { name: 'missing key', content: '{"timestamp":0}\n', fragments: ['bad.jsonl:1:', 'key is missing'] },
    {
      name: 'bad op',
      content: '{"timestamp":0,"key":"a","op":"put"}\n',
      fragments: ['bad.jsonl:1:', 'op "put" is not one of get, set, delete'],
    },
    {
      name: 'string size',
      content: '{"timestamp":0,"key":"a","size":"big"}\n',
      fragments: ['bad.jsonl:1:', 'size "big" is not a whole number'],
    },
    { name: 'not an object', content: '[0,"a"]\n', fragments: ['bad.jsonl:1:', 'expected a JSON object'] },
    { name: 'empty', content: '\n\n', fragments: ['trace is empty', 'bad.jsonl'] },
  ];
  for (const { name, content, fragments } of jsonErrors) {
    it(`JSON Lines: ${name}`, () =>
      assertInputError(read(traceFile(content, `j${fileCounter++}.jsonl`), 'bad.jsonl'), ...fragments));
  }

  it('a broken line is thrown when reached, after the good lines before it are delivered', () => {
    const reader = openTraceReader(traceFile('timestamp,key\n0,a\n1,b\n2,c\nx,d\n3,e\n'), 'csv', { displayName: 'bad.csv' });
    const batch = new AccessBatch(16);
    assert.equal(reader.read(batch, 16), 3);
    assertInputError(() => reader.read(batch, 16), 'bad.csv:5:', 'timestamp "x"');
    assertInputError(() => reader.read(batch, 16), 'bad.csv:5:');
    reader.close();
  });
});

describe('trace workload: arrivals and limits', () => {
  const content = 'timestamp,key,op,size,ttl\n1000,a,get,10,0\n1010,b,set,20,5000\n1030,a,get,10,0\n1070,c,get,30,0\n';
  const file = traceFile(content);
  const spec = (arrival: ArrivalSpec, overrides: Partial<TraceWorkloadSpec> = {}): TraceWorkloadSpec => ({
    kind: 'trace',
    path: file,
    path_as_written: 'traces/small.csv',
    format: 'auto',
    requests: null,
    duration: null,
    arrival,
    ...overrides,
  });
  const drain = (workload: TraceWorkloadSpec, seed = 1) => {
    const stream = createWorkload(workload, seed);
    const batch = new AccessBatch(2);
    const times: number[] = [];
    const keys: string[] = [];
    while (stream.next(batch) > 0) {
      for (let i = 0; i < batch.length; i++) {
        times.push(batch.time[i]);
        keys.push(stream.keyName(batch.key[i]));
      }
    }
    const { timed } = stream;
    stream.close();
    return { times, keys, timed };
  };

  it('none: the timestamps relative to the first, untimed', () => {
    assert.deepEqual(drain(spec({ type: 'none' })), {
      times: [0, 10, 30, 70],
      keys: ['a', 'b', 'a', 'c'],
      timed: false,
    });
  });

  it('trace: relative to the first timestamp, divided by speed', () => {
    assert.deepEqual(drain(spec({ type: 'trace', speed: 2 })).times, [0, 5, 15, 35]);
    assert.equal(drain(spec({ type: 'trace', speed: 1 })).timed, true);
  });

  it('constant and poisson replace the timestamps', () => {
    assert.deepEqual(drain(spec({ type: 'constant', rate: 100 })).times, [0, 10, 20, 30]);
    const poisson = drain(spec({ type: 'poisson', rate: 100 }), 5);
    assert.deepEqual(poisson.keys, ['a', 'b', 'a', 'c']);
    assert.deepEqual(poisson, drain(spec({ type: 'poisson', rate: 100 }), 5));
    assert.notDeepEqual(poisson.times, drain(spec({ type: 'poisson', rate: 100 }), 6).times);
  });

  it('generated arrivals accept a trace whose timestamps are out of order', () => {
    const unordered = traceFile('timestamp,key\n5,a\n3,b\n');
    assert.deepEqual(drain(spec({ type: 'constant', rate: 1000 }, { path: unordered })).keys, ['a', 'b']);
  });

  it('requests limits the count; duration cuts on the run clock', () => {
    assert.deepEqual(drain(spec({ type: 'none' }, { requests: 3 })).keys, ['a', 'b', 'a']);
    assert.deepEqual(drain(spec({ type: 'trace', speed: 1 }, { duration: 30 })).keys, ['a', 'b']);
    assert.deepEqual(drain(spec({ type: 'none' }, { duration: 31 })).keys, ['a', 'b', 'a']);
    assert.deepEqual(drain(spec({ type: 'constant', rate: 100 }, { duration: 25, requests: 10 })).keys, ['a', 'b', 'a']);
  });

  it('requests stops before a broken line further on', () => {
    const broken = traceFile('timestamp,key\n0,a\n1,b\nbroken,c\n');
    assert.deepEqual(drain(spec({ type: 'none' }, { path: broken, requests: 2 })).keys, ['a', 'b']);
  });

  it('per-request TTLs pass through', () => {
    const stream = new TraceWorkload(spec({ type: 'trace', speed: 4 }), 1, { chunkBytes: 16 });
    const batch = new AccessBatch(8);
    stream.next(batch);
    assert.deepEqual(Array.from(batch.ttl.subarray(0, batch.length)), [0, 5000, 0, 0]);
    assert.deepEqual(Array.from(batch.size.subarray(0, batch.length)), [10, 20, 10, 30]);
    assert.equal(stream.keySpace, 3);
    stream.close();
  });

  it('the error for a missing trace names the path as written in the scenario', () => {
    assertInputError(
      () => createWorkload(spec({ type: 'none' }, { path: path.join(dir, 'x.csv'), path_as_written: 'traces/x.csv' }), 1),
      'trace file not found: traces/x.csv (resolved to',
    );
  });
});
