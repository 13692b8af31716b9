import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CacheTier } from '../src/engine/cache-tier.js';
import { replayHitRatio } from '../src/engine/hit-ratio-replay.js';
import { RunRecorder } from '../src/metrics/run-recorder.js';
import { createPolicy } from '../src/policies/registry.js';
import type { InvalidationSpec } from '../src/scenario/scenario.js';
import { EventListStream, type ListedEvent } from './support/event-list-stream.js';
import { simulateEvents } from './support/simulate-events.js';


/** Percentiles come from HDR histograms at 3 significant digits: equal within 0.1%. */
function assertNear(actual: number | null | undefined, expected: number): void {
  assert.ok(actual != null && Math.abs(actual - expected) <= expected * 0.001, `${actual} is not ${expected} ± 0.1%`);
}

interface Setup {
  cache?: { capacity: number; ttl: number | null; latency: number } | null;
  invalidation?: InvalidationSpec;
  dbRead?: number;
  dbWrite?: number;
  maxConcurrency?: number;
  timeout?: number | null;
  maxStaleness?: number | null;
}

function simulate(events: ListedEvent[], setup: Setup = {}) {
  return simulateEvents(events, setup).metrics;
}

describe('cache-aside on the virtual clock', () => {
  it('a miss costs lookup + DB + fill; a hit costs one lookup', () => {
    const m = simulate([
      { t: 0, key: 1, op: 'get' },
      { t: 100, key: 1, op: 'get' },
    ]);
    assert.equal(m.hits, 1);
    assert.equal(m.misses, 1);
    assert.equal(m.db.reads, 1);
    assert.equal(m.latency_by_kind_ms.misses?.max, 12); // 1 lookup + 10 DB + 1 fill
    assert.equal(m.latency_by_kind_ms.hits?.max, 1);
    assert.equal(m.staleness.stale_reads, 0);
  });

  it('ttl-only invalidation serves the old version, stale since the write was acknowledged', () => {
    const m = simulate(
      [
        { t: 0, key: 1, op: 'get' }, // miss, fills v0 at 11
        { t: 100, key: 1, op: 'set' }, // commits at 110, acknowledged at 110 (no cache operation)
        { t: 150, key: 1, op: 'get' }, // hit on v0: stale for 150 − 110 = 40 ms
      ],
      { invalidation: 'ttl-only', maxStaleness: 30 },
    );
    assert.equal(m.hits, 1);
    assert.equal(m.staleness.stale_reads, 1);
    assert.equal(m.staleness.age_ms.max, 40);
    assert.equal(m.staleness.budget_violations, 1);
    assert.equal(m.latency_by_kind_ms.writes?.max, 10);
  });

  it('the TTL bounds staleness under ttl-only', () => {
    const m = simulate(
      [
        { t: 0, key: 1, op: 'get' }, // fills at 10 (lookup 0), expires at 60
        { t: 20, key: 1, op: 'set' }, // acknowledged at 30
        { t: 50, key: 1, op: 'get' }, // stale hit, age 20
        { t: 70, key: 1, op: 'get' }, // expired: miss, reads v1
      ],
      { invalidation: 'ttl-only', cache: { capacity: 10, ttl: 50, latency: 0 } },
    );
    assert.equal(m.staleness.stale_reads, 1);
    assert.equal(m.staleness.age_ms.max, 20);
    assert.equal(m.cache?.expirations, 1);
    assert.equal(m.misses, 2);
  });

  it('delete-on-write makes the next read miss and see the new version', () => {
    const m = simulate(
      [
        { t: 0, key: 1, op: 'get' },
        { t: 100, key: 1, op: 'set' },
        { t: 150, key: 1, op: 'get' },
      ],
      { invalidation: 'delete' },
    );
    assert.equal(m.hits, 0);
    assert.equal(m.staleness.stale_reads, 0);
    assert.equal(m.cache?.invalidations, 1);
    assert.equal(m.latency_by_kind_ms.writes?.max, 11); // DB write + the cache delete
  });

  it('update-on-write keeps the key cached at the new version', () => {
    const m = simulate(
      [
        { t: 0, key: 1, op: 'get' },
        { t: 100, key: 1, op: 'set' },
        { t: 150, key: 1, op: 'get' },
      ],
      { invalidation: 'update' },
    );
    assert.equal(m.hits, 1);
    assert.equal(m.staleness.stale_reads, 0);
  });

  it('reproduces the cache-aside race: a slow read fills the old version after the delete', () => {
    const m = simulate(
      [
        { t: 0, key: 1, op: 'get' }, // lookup 1 ms; DB read starts at 1 (sees v0), returns at 51
        { t: 2, key: 1, op: 'set' }, // commits at 12, deletes, acknowledged at 13
        { t: 100, key: 1, op: 'get' }, // hit on the v0 filled at 51: stale since 13
      ],
      { dbRead: 50, dbWrite: 10 },
    );
    assert.equal(m.staleness.stale_reads, 2); // the racing read itself (served at 51) and the later hit
    assert.equal(m.staleness.age_ms.max, 87);
    assertNear(m.staleness.age_ms.p50, 38); // 51 − 13
  });

  it('counts duplicate fetches of one key while a read is in flight (no stampede protection)', () => {
    const events: ListedEvent[] = [];
    for (let i = 0; i < 10; i++) events.push({ t: i, key: 7, op: 'get' }); // all miss: DB takes 100 ms
    const m = simulate(events, { dbRead: 100, cache: { capacity: 10, ttl: null, latency: 0 } });
    assert.equal(m.db.reads, 10);
    assert.equal(m.herd.duplicate_fetches, 9);
    assert.equal(m.herd.max_concurrent_fetches_per_key, 10);
  });

  it('queues queries beyond max_concurrency in FIFO order', () => {
    const events: ListedEvent[] = [];
    for (let i = 0; i < 4; i++) events.push({ t: 0, key: i, op: 'get' });
    const m = simulate(events, { cache: null, dbRead: 10, maxConcurrency: 2 });
    assert.equal(m.db.max_inflight, 2);
    assert.equal(m.latency_ms?.max, 20);
    assertNear(m.latency_ms?.p50, 10);
    assert.equal(m.db.queue_wait_ms.max, 10);
    assert.equal(m.db.qps_peak, 4);
  });

  it('times out queued and executing queries and counts them as errors', () => {
    const events: ListedEvent[] = [];
    for (let i = 0; i < 3; i++) events.push({ t: 0, key: i, op: 'get' });
    // One connection, 30 ms per read, 50 ms timeout: the first completes (30), the second would end at
    // 60 (abandoned at 50), the third is still queued at 50 (cancelled).
    const m = simulate(events, { cache: null, dbRead: 30, maxConcurrency: 1, timeout: 50 });
    assert.equal(m.db.timeouts, 2);
    assert.equal(m.errors, 2);
    assert.equal(m.latency_ms?.max, 50);
    assert.equal(m.latency_ms?.count, 3);
  });

  it('the baseline (no cache) sends every read to the database', () => {
    const m = simulate(
      [
        { t: 0, key: 1, op: 'get' },
        { t: 100, key: 1, op: 'get' },
      ],
      { cache: null },
    );
    assert.equal(m.db.reads, 2);
    assert.equal(m.hits, 0);
    assert.equal(m.cache, null);
  });
});

describe('hit-ratio replay (no timing)', () => {
  it('counts hits, DB reads and stale reads without latencies', () => {
    const recorder = new RunRecorder(false, true, null, 1000);
    const cache = new CacheTier(createPolicy('lru', { capacity: 2, unit: 'entries', keySpaceHint: 4, seed: 1 }), null);
    replayHitRatio({
      stream: new EventListStream(
        [
          { t: 0, key: 0, op: 'get' },
          { t: 1, key: 0, op: 'get' },
          { t: 2, key: 0, op: 'set' },
          { t: 5, key: 0, op: 'get' },
          { t: 6, key: 1, op: 'get' },
          { t: 7, key: 2, op: 'get' },
          { t: 8, key: 0, op: 'get' },
        ],
        false,
      ),
      cache,
      invalidation: 'ttl-only',
      recorder,
    });
    const m = recorder.metrics(cache.metrics());
    assert.equal(m.reads, 6);
    assert.equal(m.hits, 2);
    assert.equal(m.db.reads, 4);
    assert.equal(m.db.writes, 1);
    assert.equal(m.staleness.stale_reads, 1);
    assert.equal(m.staleness.age_ms.max, 3);
    assert.equal(m.latency_ms, null);
    assert.equal(m.db.qps_peak, null);
    assert.equal(m.cache?.evictions, 2); // k2 evicts k0, then k0 evicts k1
  });

  it('honours a per-request TTL over the tier default', () => {
    const recorder = new RunRecorder(false, true, null, 1000);
    const cache = new CacheTier(createPolicy('lru', { capacity: 10, unit: 'entries', keySpaceHint: 4, seed: 1 }), 1000);
    replayHitRatio({
      stream: new EventListStream(
        [
          { t: 0, key: 0, op: 'get', ttl: 5 }, // filled until 5 (not the tier's 1000)
          { t: 3, key: 0, op: 'get' },
          { t: 6, key: 0, op: 'get' }, // expired: miss, refilled with the tier TTL
          { t: 900, key: 0, op: 'get' },
        ],
        false,
      ),
      cache,
      invalidation: 'delete',
      recorder,
    });
    const m = recorder.metrics(cache.metrics());
    assert.equal(m.hits, 2);
    assert.equal(m.cache?.expirations, 1);
  });
});
