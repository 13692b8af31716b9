import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ArrivalAlarm, createAlarmCells, startAlarmThread, stopAlarm } from '../src/live/arrival-alarm.js';
import { DbSubmissionMerge } from '../src/live/db-submission-merge.js';
import { InFlightGate } from '../src/live/in-flight-gate.js';
import { shardOfKey as saltedShardOfKey, THREAD_SALT } from '../src/workload/key-shard.js';
import { ShardedStream } from '../src/workload/sharded-stream.js';

const shardOfKey = (key: number, count: number) => saltedShardOfKey(key, count, THREAD_SALT);
const KeyShardStream = class extends ShardedStream {
  constructor(source: ConstructorParameters<typeof ShardedStream>[0], index: number, count: number) {
    super(source, { index, count }, THREAD_SALT);
  }
};
import { LoadDriver } from '../src/live/load-driver.js';
import { offeredRate, shardShares, workerCount } from '../src/live/shard-plan.js';
import { RunRecorder } from '../src/metrics/run-recorder.js';
import { SlidingWindowPeak } from '../src/metrics/sliding-window-peak.js';
import { parseScenarioText } from '../src/scenario/load.js';
import { AccessBatch } from '../src/workload/access-event.js';
import { EventListStream, type ListedEvent } from './support/event-list-stream.js';

// The pieces that split a live run over worker threads (src/workload/sharded-stream.ts with THREAD_SALT, shard-plan.ts,
// in-flight-gate.ts, db-submission-merge.ts) and merge what the threads measured (RunRecorder.add).

const OPS = ['get', 'set', 'delete'] as const;

function events(count: number, keys: number): ListedEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    t: i * 0.5,
    key: (i * 7919 + (i >> 3)) % keys,
    op: OPS[i % 7 === 0 ? 1 : i % 29 === 0 ? 2 : 0],
    size: 100 + (i % 13),
  }));
}

function drain(stream: { next(batch: AccessBatch): number }, capacity: number): ListedEvent[] {
  const batch = new AccessBatch(capacity);
  const out: ListedEvent[] = [];
  while (stream.next(batch) > 0) {
    for (let i = 0; i < batch.length; i++) {
      out.push({ t: batch.time[i], key: batch.key[i], op: OPS[batch.op[i]], size: batch.size[i] });
    }
  }
  return out;
}


/** Runs `test` with an alarm thread for `shards` shards, started and stopped around it. */
async function withAlarm(shards: number, test: (cells: ReturnType<typeof createAlarmCells>) => Promise<void>): Promise<void> {
  const cells = createAlarmCells(shards);
  const { thread, running } = startAlarmThread(cells);
  try {
    await running;
    await test(cells);
  } finally {
    stopAlarm(cells);
    await thread.terminate();
  }
}

describe('live shards: splitting the workload by key', () => {
  it('the shards of a stream are disjoint, each in stream order, and together exactly the stream', () => {
    const all = events(10_000, 3_000);
    for (const count of [1, 2, 3, 5]) {
      const parts = Array.from({ length: count }, (_, index) =>
        drain(new KeyShardStream(new EventListStream(all), index, count), 7 + index),
      );
      for (const [index, part] of parts.entries()) {
        for (const e of part) assert.equal(shardOfKey(e.key, count), index);
        // Stream order: times are strictly increasing in the source, so each part's are too.
        for (let i = 1; i < part.length; i++) assert.ok(part[i].t > part[i - 1].t);
      }
      const merged = parts.flat().sort((a, b) => a.t - b.t);
      assert.deepEqual(merged, all);
    }
  });

  it('a shard stream that has ended stays ended', () => {
    const stream = new KeyShardStream(new EventListStream(events(100, 10)), 0, 2);
    const batch = new AccessBatch(64);
    while (stream.next(batch) > 0) {}
    assert.equal(stream.next(batch), 0);
    assert.equal(stream.next(batch), 0);
  });

  it('spreads keys over shards about evenly', () => {
    const counts = [0, 0, 0];
    for (let key = 0; key < 30_000; key++) counts[shardOfKey(key, 3)]++;
    for (const c of counts) assert.ok(Math.abs(c - 10_000) < 400, `${counts}`);
  });
});

describe('live shards: how many workers, and their shares', () => {
  const scenario = (workload: string, extra = '') =>
    parseScenarioText(
      `mode: live\nworkload:\n  keys: 100\n  duration: 1s\n${workload}\ncache:\n  redis: { url: "redis://127.0.0.1:1", connections: 5 }\n${extra}`,
      'live.yaml',
      [],
      '/scenarios',
    ).scenario;

  it('one worker per 15k requests/s of rate, at most the cores but one; a given count wins', () => {
    assert.equal(scenario('  rate: 40000/s').live?.workers, null);
    assert.equal(workerCount(scenario('  rate: 40000/s'), 2), 1, 'two cores: one worker, a core left for the rest');
    assert.equal(workerCount(scenario('  rate: 40000/s'), 3), 2);
    assert.equal(workerCount(scenario('  rate: 40000/s'), 8), 3);
    assert.equal(workerCount(scenario('  rate: 15000/s'), 8), 1);
    assert.equal(workerCount(scenario('  rate: 15001/s'), 8), 2);
    assert.equal(workerCount(scenario('  rate: 100/s\n  workers: 3'), 1), 3);
  });

  it('never more workers than closed-loop clients or database connections to share', () => {
    assert.equal(workerCount(scenario('  clients: 1'), 8), 1);
    // Four clients without think time could send 20k requests/s: two workers.
    assert.equal(workerCount(scenario('  clients: 4'), 8), 2);
    // 50 clients at 100 ms think time send at most ~500 requests/s: one worker.
    assert.equal(workerCount(scenario('  clients: 50\n  think_time: 100ms'), 8), 1);
    assert.equal(workerCount(scenario('  rate: 90000/s'), 8), 6);
    assert.equal(workerCount(scenario('  rate: 90000/s', 'database: { max_concurrency: 2 }'), 8), 2);
  });

  it('splits connections (at least one each), clients and the database pool', () => {
    const s = scenario('  clients: 5', 'database: { max_concurrency: 7 }');
    assert.deepEqual(shardShares(s, 2), [
      { connections: 3, clients: 3, databaseConnections: 4 },
      { connections: 2, clients: 2, databaseConnections: 3 },
    ]);
    const open = scenario('  rate: 100/s');
    assert.deepEqual(
      shardShares(open, 6).map((share) => [share.connections, share.clients, share.databaseConnections]),
      Array.from({ length: 6 }, () => [1, null, Number.POSITIVE_INFINITY]),
    );
  });

  it("estimates a trace's own rate from its head, sped up", () => {
    const dir = mkdtempSync(join(tmpdir(), 'cachebench-shards-'));
    const lines = ['timestamp,key,op,size'];
    for (let i = 0; i < 3000; i++) lines.push(`${1_700_000_000_000 + i * 2},k${i % 50},get,10`);
    writeFileSync(join(dir, 't.csv'), `${lines.join('\n')}\n`);
    const traced = (speed: number) =>
      parseScenarioText(
        `mode: live\nworkload:\n  trace: t.csv\n  arrival: trace\n  speed: ${speed}\ncache:\n  redis: { url: "redis://127.0.0.1:1" }\n`,
        'live.yaml',
        [],
        dir,
      ).scenario;
    // 3000 events over 5998 ms: about 500/s; at speed 40, about 20k/s (two workers).
    assert.ok(Math.abs(offeredRate(traced(1)) - 500.2) < 0.1, String(offeredRate(traced(1))));
    assert.ok(Math.abs(offeredRate(traced(40)) - 20_007) < 1, String(offeredRate(traced(40))));
    assert.equal(workerCount(traced(1), 4), 1);
    assert.equal(workerCount(traced(40), 4), 2);
  });
});

describe('live shards: the in-flight bound is the run’s, not each thread’s', () => {
  it('two drivers sharing one gate never have more than max_in_flight requests in flight together', async () => {
    const cells = new Int32Array(new SharedArrayBuffer(4));
    const load = { warmup: 0, max_in_flight: 3, clients: null, think_time: 0, workers: null };
    const pending: Array<() => void> = [];
    const origin = performance.now();
    const drivers = [0, 1].map(
      () =>
        new LoadDriver({
          stream: new EventListStream(Array.from({ length: 5 }, () => ({ t: 0, key: 0, op: 'get' as const }))),
          load,
          durationMs: null,
          now: () => performance.now() - origin,
          issue: () => new Promise<void>((resolve) => pending.push(resolve)),
          gate: new InFlightGate(cells, 0, load.max_in_flight),
        }),
    );
    await Promise.all(drivers.map((d) => d.run()));
    assert.equal(pending.length, 3);
    assert.equal(drivers[0].dropped + drivers[1].dropped, 7);
    assert.equal(Atomics.load(cells, 0), 3);
    for (const resolve of pending) resolve();
    for (const d of drivers) assert.ok(await d.drain(1000));
    assert.equal(Atomics.load(cells, 0), 0, 'every place is given back');
  });
});

describe('live shards: the arrival alarm', () => {
  it('wakes each shard near its deadlines, never more than the lead before, without keeping a core busy', async () => {
    await withAlarm(2, async (cells) => {
      const origin = process.hrtime.bigint();
      const now = () => Number(process.hrtime.bigint() - origin) / 1e6;
      const cpuBefore = process.cpuUsage();
      // Two shards, deadlines 2 ms apart, interleaved: 5, 6, 7, … ms.
      const lateness = await Promise.all(
        [0, 1].map(
          (shard) =>
            new Promise<number[]>((resolve) => {
              const alarm = new ArrivalAlarm(cells, shard);
              alarm.start(origin);
              const late: number[] = [];
              let deadline = 5 + shard;
              const wake = (): void => {
                late.push(now() - deadline);
                deadline += 2;
                if (late.length === 100) resolve(late);
                else alarm.set(deadline, wake);
              };
              alarm.set(deadline, wake);
            }),
        ),
      );
      const elapsed = now();
      const cpu = process.cpuUsage(cpuBefore);
      const all = lateness.flat().sort((a, b) => a - b);
      assert.ok(all[0] >= -0.11, `woke ${-all[0]} ms before a deadline`);
      // Near: the median wake-up is late by less than a tenth of the 200 ms the deadlines span (a ratio;
      // a busy machine may delay some wake-ups, but the alarm sets absolute deadlines, so lateness does not add up).
      const span = 2 * 100;
      assert.ok(all[all.length >> 1] < span / 10, `median lateness ${all[all.length >> 1]} ms`);
      // Polling for 200 wake-ups over ~250 ms would take about a core for the whole time.
      const cpuMs = (cpu.user + cpu.system) / 1000;
      assert.ok(cpuMs < elapsed * 0.5, `${cpuMs} ms of CPU in ${elapsed} ms`);
    });
  });

  it('an open loop woken by the alarm issues each arrival at or after its intended start', async () => {
    await withAlarm(1, async (cells) => {
      const origin = process.hrtime.bigint();
      const now = () => Number(process.hrtime.bigint() - origin) / 1e6;
      const alarm = new ArrivalAlarm(cells, 0);
      alarm.start(origin);
      const issued: Array<{ start: number; at: number }> = [];
      const times = [0, 5, 5, 5.2, 20, 20.05, 40];
      const driver = new LoadDriver({
        stream: new EventListStream(times.map((t) => ({ t, key: 0, op: 'get' as const }))),
        load: { warmup: 0, max_in_flight: 1000, clients: null, think_time: 0, workers: null },
        durationMs: null,
        now,
        alarm,
        issue: async (start) => {
          issued.push({ start, at: now() });
        },
      });
      await driver.run();
      assert.deepEqual(
        issued.map((i) => i.start),
        times,
      );
      for (const i of issued) assert.ok(i.at >= i.start, `issued at ${i.at} before ${i.start}`);
    });
  });

  it('a stopped open loop ends at once, not at its next arrival', async () => {
    await withAlarm(1, async (cells) => {
      const origin = process.hrtime.bigint();
      const now = () => Number(process.hrtime.bigint() - origin) / 1e6;
      const alarm = new ArrivalAlarm(cells, 0);
      alarm.start(origin);
      const driver = new LoadDriver({
        stream: new EventListStream([0, 60_000].map((t) => ({ t, key: 0, op: 'get' as const }))),
        load: { warmup: 0, max_in_flight: 1000, clients: null, think_time: 0, workers: null },
        durationMs: null,
        now,
        alarm,
        issue: async () => {},
      });
      const driving = driver.run();
      setTimeout(() => driver.stop(), 50);
      await driving;
      assert.ok(now() < 60_000, `ended after ${now()} ms, before the second arrival was due`);
    });
  });
});

describe('live shards: merging what the threads measured', () => {
  it('DB submission times from several threads reach the peak in time order, each exactly once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: 0, max: 5000, noNaN: true }), { maxLength: 60 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 7 }),
        fc.infiniteStream(fc.nat()),
        (unsorted, chunk, picks) => {
          const parts = unsorted.map((times) => [...times].sort((a, b) => a - b));
          const seen: number[] = [];
          const merge = new DbSubmissionMerge(parts.length, { record: (t) => seen.push(t), peak: 0 });
          // Hand-overs in a random interleaving; each part's watermark is at most its next time.
          const positions = parts.map(() => 0);
          const pick = picks[Symbol.iterator]();
          let open = parts.map((_, p) => p);
          while (open.length > 0) {
            const p = open[pick.next().value % open.length];
            const times = parts[p];
            const end = Math.min(times.length, positions[p] + chunk);
            const watermark = end < times.length ? times[end] : Number.POSITIVE_INFINITY;
            merge.add(p, Float64Array.from(times.slice(positions[p], end)), watermark);
            positions[p] = end;
            if (end === times.length) open = open.filter((q) => q !== p);
          }
          assert.deepEqual(
            seen,
            parts.flat().sort((a, b) => a - b),
          );
        },
      ),
    );
  });

  it('recorders of disjoint keys, added together, report exactly what one recorder of every request reports', () => {
    // Times up to 24 s at a 1 ms time-series window: the first part folds its windows twice, the second never.
    const window = 1;
    const whole = new RunRecorder(true, true, 100, window);
    const peak = new SlidingWindowPeak(1000);
    const merged = new RunRecorder(true, true, 100, window, peak);
    const parts = [new RunRecorder(true, true, 100, window), new RunRecorder(true, true, 100, window)];
    const requests = Array.from({ length: 8_000 }, (_, i) => {
      const key = (i * 31) % 997;
      const part = key % 2;
      return { i, part, start: part === 0 ? i * 3 : i * 1.1, op: i % 9 === 0 ? 1 : 0 };
    });
    const record = (r: RunRecorder, { i, start, op }: (typeof requests)[number]): void => {
      r.arrival(start, op);
      if (op === 0) {
        const hit = i % 4 !== 0;
        r.readOutcome(start, hit, 100 + (i % 50));
        if (!hit) {
          r.dbSubmitted(start + 0.1, true);
          r.fetchStarted(1 + (i % 3));
          r.dbStarted((i % 5) * 0.01, 1 + (i % 17));
        }
        if (i % 11 === 0) r.staleRead(start, (i % 300) * 1.5);
        r.readCompleted(start, start + 0.2 + (i % 37) * 0.3, hit);
      } else {
        r.dbSubmitted(start + 0.1, false);
        r.dbStarted(0, 1 + (i % 13));
        if (i % 27 === 0) r.requestFailed(start, start + 50, false);
        else r.writeCompleted(start, start + 2 + (i % 7));
      }
    };
    // One thread sees every request in time order; each part sees its own, in its own order.
    for (const request of [...requests].sort((a, b) => a.start - b.start)) record(whole, request);
    const dbTimes: number[][] = [[], []];
    for (const request of requests) {
      record(parts[request.part], request);
      if (request.op !== 0 || request.i % 4 === 0) dbTimes[request.part].push(request.start + 0.1);
    }
    for (const part of parts) merged.add(part.state());
    const merge = new DbSubmissionMerge(2, peak);
    merge.add(0, Float64Array.from(dbTimes[0]), Number.POSITIVE_INFINITY);
    merge.add(1, Float64Array.from(dbTimes[1]), Number.POSITIVE_INFINITY);
    assert.ok(parts[0].timeseries.windowMs > parts[1].timeseries.windowMs, 'the parts folded their windows differently');
    assert.deepEqual(merged.metrics(null), whole.metrics(null));
    assert.deepEqual(merged.timeseriesPoints(), whole.timeseriesPoints());
    assert.equal(merged.encodedLatency(), whole.encodedLatency());
  });
});
