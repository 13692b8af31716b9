import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InputError } from '../src/errors.js';
import type { SyntheticWorkloadSpec, TraceWorkloadSpec, WorkloadSpec } from '../src/scenario/scenario.js';
import { AccessBatch, type AccessStream } from '../src/workload/access-event.js';
import { createWorkload } from '../src/workload/create-workload.js';
import { createPrefetchedWorkload } from '../src/workload/prefetched-stream.js';

const CLOUDPHYSICS = fileURLToPath(new URL('./fixtures/cloudphysics.csv', import.meta.url));
/** The ring's slot size is 16384 events: batch sizes below, at, and above it, and one not dividing it. */
const BATCH_SIZES = [1000, 16384, 40000];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachebench-prefetch-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function traceFile(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

function synthetic(overrides: Partial<SyntheticWorkloadSpec> = {}): SyntheticWorkloadSpec {
  return {
    kind: 'synthetic',
    keys: 5000,
    distribution: { type: 'zipf', alpha: 0.9 },
    requests: 70_000,
    duration: null,
    arrival: { type: 'poisson', rate: 10_000 },
    mix: { get: 0.8, set: 0.15, delete: 0.05 },
    value_size: { type: 'lognormal', p50: 1000, p99: 20_000 },
    ...overrides,
  };
}

function trace(file: string, overrides: Partial<TraceWorkloadSpec> = {}): TraceWorkloadSpec {
  return {
    kind: 'trace',
    path: file,
    path_as_written: path.basename(file),
    format: 'auto',
    requests: null,
    duration: null,
    arrival: { type: 'none' },
    ...overrides,
  };
}

interface Drained {
  time: number[];
  key: number[];
  op: number[];
  size: number[];
  ttl: number[];
  keySpace: number;
  timed: boolean;
}

/** Every event of the stream, checking on the way that keySpace always covers the keys handed out. */
function drain(stream: AccessStream, batchSize: number): Drained {
  const batch = new AccessBatch(batchSize);
  const out: Drained = { time: [], key: [], op: [], size: [], ttl: [], keySpace: 0, timed: stream.timed };
  try {
    for (let n = stream.next(batch); n > 0; n = stream.next(batch)) {
      assert.equal(batch.length, n);
      assert.ok(n <= batchSize);
      const keySpace = stream.keySpace;
      for (let i = 0; i < n; i++) {
        assert.ok(batch.key[i] >= 0 && batch.key[i] < keySpace, `key ${batch.key[i]} outside keySpace ${keySpace}`);
        out.time.push(batch.time[i]);
        out.key.push(batch.key[i]);
        out.op.push(batch.op[i]);
        out.size.push(batch.size[i]);
        out.ttl.push(batch.ttl[i]);
      }
    }
    assert.equal(stream.next(batch), 0, 'an ended stream stays ended');
    out.keySpace = stream.keySpace;
  } finally {
    stream.close();
  }
  return out;
}

/** Column by column, naming the first difference rather than printing two huge arrays. */
function assertSameEvents(actual: Drained, expected: Drained): void {
  assert.equal(actual.timed, expected.timed, 'timed');
  assert.equal(actual.keySpace, expected.keySpace, 'keySpace');
  for (const column of ['time', 'key', 'op', 'size', 'ttl'] as const) {
    const a = actual[column];
    const e = expected[column];
    assert.equal(a.length, e.length, `${column}: event count`);
    for (let i = 0; i < e.length; i++) {
      if (!Object.is(a[i], e[i])) assert.fail(`${column}[${i}]: ${a[i]} ≠ ${e[i]}`);
    }
  }
}

function assertSameAsDirect(spec: WorkloadSpec, seed = 7): void {
  const expected = drain(createWorkload(spec, seed), 4096);
  assert.ok(expected.key.length > 0);
  for (const batchSize of BATCH_SIZES) {
    assertSameEvents(drain(createPrefetchedWorkload(spec, seed), batchSize), expected);
  }
}

/** The error `f` throws (failing the test if it throws none). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}

describe('createPrefetchedWorkload', () => {
  it('yields exactly the synthetic stream: events, keySpace and timed', () => {
    assertSameAsDirect(synthetic());
  });

  it('yields exactly an untimed synthetic stream (timed = false)', () => {
    assertSameAsDirect(synthetic({ arrival: { type: 'none' }, requests: 33_333, distribution: { type: 'uniform' } }));
  });

  it('yields exactly the cloudphysics trace: 113,872 requests over 48,974 keys', () => {
    const expected = drain(createWorkload(trace(CLOUDPHYSICS), 1), 4096);
    assert.equal(expected.key.length, 113_872);
    assert.equal(expected.keySpace, 48_974);
    for (const batchSize of BATCH_SIZES) {
      assertSameEvents(drain(createPrefetchedWorkload(trace(CLOUDPHYSICS), 1), batchSize), expected);
    }
  });

  it('yields exactly a trace re-timed at 2× speed and capped at 50,000 requests', () => {
    assertSameAsDirect(trace(CLOUDPHYSICS, { arrival: { type: 'trace', speed: 2 }, requests: 50_000 }));
  });

  it('carries every column of a trace: ops, sizes, TTLs, text keys', () => {
    const lines = ['timestamp,key,op,size,ttl'];
    for (let i = 0; i < 40_000; i++) {
      const op = ['get', 'set', 'delete'][i % 3];
      lines.push(
        `${i * 0.5},${i % 7 === 0 ? `user:${i % 1000}` : i % 5000},${op},${(i * 37) % 9000},${i % 4 === 0 ? '' : i % 600}`,
      );
    }
    assertSameAsDirect(trace(traceFile('all-columns.csv', `${lines.join('\n')}\n`)));
  });

  it('delivers the events before a malformed line, then throws its InputError naming the line', () => {
    const file = traceFile('broken.csv', 'timestamp,key,op,size\n1,a,get,10\n2,b,set,20\n3,a,get,10\n4,c,fetch,30\n5,d,get,40\n');
    const direct = thrown(() => drain(createWorkload(trace(file), 1), 16));
    assert.ok(direct instanceof InputError);

    const stream = createPrefetchedWorkload(trace(file), 1);
    const batch = new AccessBatch(16);
    assert.equal(stream.next(batch), 3);
    assert.deepEqual([...batch.key.subarray(0, 3)], [0, 1, 0]);
    assert.deepEqual([...batch.time.subarray(0, 3)], [0, 1, 2]); // relative to the first timestamp
    // Asking for a name while the failure is already queued must not lose the failure.
    assert.equal(stream.keyName(1), 'b');
    const error = thrown(() => stream.next(batch));
    assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
    assert.equal(error.message, direct.message);
    assert.match(error.message, /broken\.csv:5: op "fetch" is not one of get, set, delete/);
    assert.equal(error.exitCode, 2);
    // Like the direct stream, it keeps failing rather than pretending the trace ended.
    assert.ok(thrown(() => stream.next(batch)) instanceof InputError);
    stream.close();
  });

  it('throws the InputError of a missing trace file from the call that opens it', () => {
    const missing = trace(path.join(dir, 'no-such-trace.csv'));
    const direct = thrown(() => createWorkload(missing, 1));
    const error = thrown(() => createPrefetchedWorkload(missing, 1));
    assert.ok(direct instanceof InputError);
    assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
    assert.equal(error.message, direct.message);
  });

  it('throws an invalid spec’s InputError from the call that opens it', () => {
    const error = thrown(() => createPrefetchedWorkload(synthetic({ requests: null, duration: null }), 1));
    assert.ok(error instanceof InputError);
    assert.match(error.message, /needs requests or duration/);
  });

  it('answers keyName like the stream it runs, during and after the replay', () => {
    const direct = createWorkload(trace(CLOUDPHYSICS), 1);
    drain(direct, 8192);
    const stream = createPrefetchedWorkload(trace(CLOUDPHYSICS), 1);
    const batch = new AccessBatch(8192);
    stream.next(batch);
    assert.equal(stream.keyName(batch.key[0]), direct.keyName(batch.key[0]));
    while (stream.next(batch) > 0);
    for (const id of [0, 1, 17, 4096, 48_973]) assert.equal(stream.keyName(id), direct.keyName(id));
    stream.close();

    const generated = createPrefetchedWorkload(synthetic(), 1);
    assert.equal(generated.keyName(42), '42');
    generated.close();
  });

  it('closes before the end without keeping the process alive, and closing twice is harmless', () => {
    // A long stream the worker is still producing when we stop; the test finishing is the proof.
    const stream = createPrefetchedWorkload(synthetic({ requests: 50_000_000, keys: 1_000_000 }), 1);
    const batch = new AccessBatch(8192);
    assert.equal(stream.next(batch), 8192);
    stream.close();
    stream.close();
  });

  it('hands over what the trace reader skipped, with the end of the stream', () => {
    const file = traceFile('skips.csv', 'timestamp,key,op,size\n1,a,get,10\n2,b,fetch,20\n3,a,get,10\n4,c,gett,30\n');
    const stream = createPrefetchedWorkload(trace(file, { skip_bad_lines: true }), 1);
    try {
      const drained = drain(stream, 1000);
      assert.equal(drained.key.length, 2);
      assert.equal(stream.traceStats?.().skippedLines, 2);
    } finally {
      stream.close();
    }
  });
});
