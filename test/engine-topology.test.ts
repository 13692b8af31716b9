import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RandomSource } from '../src/random/random-source.js';
import type { ListedEvent } from './support/event-list-stream.js';
import { simulateEvents } from './support/simulate-events.js';

/** HDR histograms keep 3 significant digits: a recorded value reads back within 0.1% above it. */
const HDR = 1.001;

/** A hot key read every millisecond: λ = 1000/s. */
function hotKey(ms: number): ListedEvent[] {
  return Array.from({ length: ms }, (_, i) => ({ t: i, key: 1, op: 'get' as const }));
}

/** Seeded random reads and writes over `keys` keys, one request every `gapMs` on average. */
function mixed(count: number, keys: number, writeShare: number, gapMs: number, seed = 7): ListedEvent[] {
  const rng = new RandomSource(seed);
  const events: ListedEvent[] = [];
  let t = 0;
  for (let i = 0; i < count; i++) {
    t += rng.nextExponential(gapMs);
    events.push({ t, key: rng.nextInt(keys), op: rng.nextFloat() < writeShare ? 'set' : 'get' });
  }
  return events;
}

describe('stampede protection on a hot key that expires while requested at λ/s with DB latency L', () => {
  // λ = 1000/s, L = 20 ms, TTL 100 ms, lookups free: λ·L = 20 reads arrive during each fetch.
  const herd = (protection: string, extra = {}) =>
    simulateEvents(hotKey(1000), { cache: { capacity: 10, ttl: 100, latency: 0 }, dbRead: 20, stampede: { protection, ...extra } as never }).metrics;

  it('none: every read during the fetch fetches too — about λ·L per expiry', () => {
    const m = herd('none');
    const episodes = (m.cache?.expirations ?? 0) + 1; // the cold start, then every expiry
    assert.equal(m.db.reads, episodes * 20, 'λ·L = 20 fetches per episode');
    assert.equal(m.herd.duplicate_fetches, episodes * 19);
    assert.equal(m.herd.max_concurrent_fetches_per_key, 20);
  });

  it('coalesce: one fetch per expiry, the others share it — no duplicates', () => {
    const m = herd('coalesce');
    const episodes = (m.cache?.expirations ?? 0) + 1;
    assert.equal(m.herd.duplicate_fetches, 0);
    assert.equal(m.db.reads, episodes);
    assert.equal(m.herd.max_concurrent_fetches_per_key, 1);
    // Sharers wait for the leader's fetch: none takes longer than L.
    assert.ok((m.latency_ms?.max ?? 0) <= 20 * HDR);
    assert.equal(m.hits + m.misses, m.reads);
  });

  it('lock: one DB read per expiry; the others sleep the retry interval and find the value', () => {
    const m = herd('lock', { retry: 30 });
    const episodes = (m.cache?.expirations ?? 0) + 1;
    assert.equal(m.db.reads, episodes);
    assert.equal(m.herd.duplicate_fetches, 0);
    // A waiter sleeps one retry (30 ms > L), then hits: its latency is the retry.
    assert.ok(Math.abs((m.latency_ms?.max ?? 0) - 30) <= 30 * 0.001);
    assert.equal(m.misses, episodes, 'only the lock holders miss; waiters are served from the cache');
  });

  it('lock: a lock that expires before the fetch completes lets a second fetcher in', () => {
    const m = herd('lock', { retry: 5, lock_ttl: 8 });
    assert.ok(m.herd.duplicate_fetches > 0);
    assert.ok(m.herd.max_concurrent_fetches_per_key <= 3, `${m.herd.max_concurrent_fetches_per_key}`);
  });

  it('stale-while-revalidate: after the cold start, one background refresh per expiry and no read waits', () => {
    const m = herd('stale-while-revalidate', { grace: 50 });
    assert.equal(m.cache?.expirations, 0, 'entries are refreshed within their grace');
    const refreshes = m.db.reads - 20; // the cold start's 20 fetches, then background refreshes
    assert.ok(refreshes >= 8 && refreshes <= 9, `${refreshes} refreshes in 1 s of 100 ms TTLs (each refresh takes 20 ms)`);
    assert.equal(m.misses, 20, 'only the cold start misses');
  });

  it('refresh-ahead: a refresh started while half the TTL remains keeps the key from ever expiring', () => {
    const m = herd('refresh-ahead', { refresh_ahead: 0.5 });
    assert.equal(m.cache?.expirations, 0);
    assert.equal(m.misses, 20, 'only the cold start misses');
    // A refresh starts once less than 50 ms remain and renews the TTL when it completes 20 ms later:
    // one every 100 − 50 + 20 = 70 ms after the cold fill at 20 ms, so 14 in the remaining 980 ms.
    assert.ok(m.db.reads - 20 >= 13 && m.db.reads - 20 <= 14, `${m.db.reads - 20} refreshes`);
  });

  it('refresh-ahead too late (threshold below the fetch time) still lets the key expire', () => {
    const m = herd('refresh-ahead', { refresh_ahead: 0.1 });
    assert.ok((m.cache?.expirations ?? 0) > 0);
  });

  it('xfetch: recomputes early, before the expiry, so the key never expires; β = 0 turns it off', () => {
    const early = herd('xfetch', { beta: 1 });
    assert.equal(early.cache?.expirations, 0, 'someone always recomputed before the TTL ran out');
    assert.ok(early.db.reads < herd('none').db.reads);
    const off = herd('xfetch', { beta: 1e-12 });
    assert.equal(off.db.reads, herd('none').db.reads, 'with β → 0 nobody recomputes early: the plain herd');
  });

  it('TTL jitter spreads the expiries of keys filled together, and with them the DB peak', () => {
    // 200 keys filled together, then each read every 500 ms for 30 s; TTL 10 s.
    const rounds: ListedEvent[] = [];
    for (let round = 0; round < 60; round++) for (let k = 0; k < 200; k++) rounds.push({ t: round * 500 + k * 0.001, key: k, op: 'get' });
    const peakAfterWarmup = (ttl_jitter: number) => {
      const { metrics, timeseries } = simulateEvents(rounds, { cache: { capacity: 1000, ttl: 10_000, latency: 0 }, dbRead: 1, stampede: { ttl_jitter } });
      assert.equal(metrics.db.reads, timeseries.reduce((sum, p) => sum + p.db_qps, 0));
      return Math.max(...timeseries.filter((p) => p.t_ms >= 1000).map((p) => p.db_qps));
    };
    assert.equal(peakAfterWarmup(0), 200, 'every key refetched within the same second, every 10 s');
    const jittered = peakAfterWarmup(0.5);
    assert.ok(jittered < 100, `TTLs spread over 5–15 s: peak ${jittered}/s`);
  });
});

describe('two tiers on several nodes', () => {
  it('looks up L1, then L2, then the DB; per-tier counts add up', () => {
    const events = mixed(20_000, 500, 0, 1);
    const { metrics: m } = simulateEvents(events, {
      nodes: 5,
      cache: { capacity: 400, ttl: null, latency: 0.5 },
      local: { capacity: 50, ttl: 2000, latency: 0.01 },
      dbRead: 5,
    });
    const l1 = m.tiers?.l1;
    const l2 = m.tiers?.l2;
    assert.ok(l1 && l2);
    assert.equal(l1.lookups, m.reads, 'every read looks up its node’s local tier');
    assert.equal(l2.lookups, l1.lookups - l1.hits, 'every local miss looks up the shared tier');
    assert.equal(m.hits, l1.hits + l2.hits);
    assert.equal(m.db.reads, l2.lookups - l2.hits);
    assert.ok(l1.hit_rate !== null && l1.hit_rate > 0 && l2.hit_rate !== null && l2.hit_rate > 0);
    // A hit in L1 costs 0.01 ms; in L2 0.01 + 0.5 + 0.01 (the local fill).
    assert.ok(Math.abs((m.latency_by_kind_ms.hits?.p50 ?? 0) - 0.01) < 0.001 || Math.abs((m.latency_by_kind_ms.hits?.p50 ?? 0) - 0.52) < 0.001);
  });

  it('sticky routing sends each key to one node: the local tiers never hold the same key twice', () => {
    const events = mixed(5_000, 100, 0, 1);
    const sticky = simulateEvents(events, { nodes: 4, routing: 'sticky', cache: { capacity: 1000, ttl: null, latency: 0.5 }, local: { capacity: 1000, ttl: null, latency: 0 } }).metrics;
    const roundRobin = simulateEvents(events, { nodes: 4, cache: { capacity: 1000, ttl: null, latency: 0.5 }, local: { capacity: 1000, ttl: null, latency: 0 } }).metrics;
    assert.equal(sticky.tiers?.l1?.entries, 100, 'each key once across all nodes');
    assert.equal(sticky.tiers?.l2?.hits, 0, 'no other node ever fetched a key into the shared tier first');
    assert.ok((roundRobin.tiers?.l1?.entries ?? 0) > 100, 'round-robin copies hot keys into every node');
  });

  it('a write deletes the writer’s copies only: other nodes keep serving their stale local copy until its TTL', () => {
    // Node 0 and node 1 (round-robin) both cache key 1; node 0... the write (3rd request) goes to node 0.
    const events: ListedEvent[] = [
      { t: 0, key: 1, op: 'get' }, // node 0: miss, fills L2 and L1(0)
      { t: 100, key: 1, op: 'get' }, // node 1: L2 hit, fills L1(1)
      { t: 200, key: 1, op: 'set' }, // node 0: DB write, deletes L2 and L1(0); acknowledged at 210 + 1 + 0
      { t: 300, key: 1, op: 'get' }, // node 1: L1 hit, stale since the ack
      { t: 1500, key: 1, op: 'get' }, // node 0: miss everywhere, fresh
      { t: 1600, key: 1, op: 'get' }, // node 1: L1 expired (TTL 1000 from 100) → L2 hit, fresh
    ];
    const { metrics: m } = simulateEvents(events, { nodes: 2, cache: { capacity: 10, ttl: null, latency: 1 }, local: { capacity: 10, ttl: 1000, latency: 0 } });
    assert.equal(m.staleness.stale_reads, 1);
    assert.ok(Math.abs((m.staleness.age_ms.max ?? 0) - 89) <= 89 * 0.001, `stale for 300 − 211 = 89 ms, got ${m.staleness.age_ms.max}`);
  });
});

describe('pub/sub invalidation', () => {
  const twoTiers = { nodes: 4, cache: { capacity: 10_000, ttl: null, latency: 0.5 }, local: { capacity: 10_000, ttl: 5000, latency: 0.01 }, dbRead: 3, dbWrite: 3 } as const;
  const events = mixed(40_000, 200, 0.05, 0.5);

  it('with a constant delay d, no stale read is older than d', () => {
    for (const d of [2, 20]) {
      const { metrics: m } = simulateEvents(events, { ...twoTiers, pattern: 'write-through', invalidation: 'pubsub', pubsub: { delay: d, loss: 0 } });
      assert.ok(m.staleness.stale_reads > 0, 'copies in other nodes are stale until the message arrives');
      assert.ok((m.staleness.age_ms.max ?? 0) <= d * HDR, `d = ${d}: max age ${m.staleness.age_ms.max}`);
      assert.equal(m.invalidation?.sent, m.writes * 3, 'one message per write and other node');
      assert.equal(m.invalidation?.lost, 0);
      assert.equal(m.invalidation?.received, m.invalidation?.sent);
    }
  });

  it('with every message lost, staleness is bounded by the local TTL instead', () => {
    const { metrics: m } = simulateEvents(events, { ...twoTiers, pattern: 'write-through', invalidation: 'pubsub', pubsub: { delay: 2, loss: 1 } });
    assert.equal(m.invalidation?.received, 0);
    assert.equal(m.invalidation?.lost, m.invalidation?.sent);
    assert.ok((m.staleness.age_ms.max ?? 0) > 20, 'far older than the delay');
    assert.ok((m.staleness.age_ms.max ?? 0) <= 5000 * HDR, `bounded by the 5 s local TTL, got ${m.staleness.age_ms.max}`);
  });

  it('a partition window loses the messages sent during it', () => {
    const { metrics: m } = simulateEvents(events, {
      ...twoTiers,
      pattern: 'write-through',
      invalidation: 'pubsub',
      pubsub: { delay: 2, loss: 0 },
      faults: [{ type: 'pubsub-partition', at: 5000, duration: 5000 }],
    });
    const writesInWindow = events.filter((e) => e.op === 'set' && e.t >= 5000 && e.t < 10_000).length;
    // A message is lost when its write commits (3 ms after arrival) inside the window.
    assert.ok(Math.abs((m.invalidation?.lost ?? 0) - writesInWindow * 3) <= 6, `${m.invalidation?.lost} vs ${writesInWindow * 3}`);
  });
});

describe('patterns and staleness', () => {
  const events = mixed(30_000, 300, 0.1, 0.5);
  const oneNode = { cache: { capacity: 10_000, ttl: 2000, latency: 0.3 }, dbRead: 4, dbWrite: 4 } as const;

  it('write-through on a single node has no stale reads', () => {
    const { metrics: m } = simulateEvents(events, { ...oneNode, pattern: 'write-through' });
    assert.ok(m.writes > 2000);
    assert.equal(m.staleness.stale_reads, 0);
  });

  it('read-through serves a newer copy a write put in the cache while its load ran: no stale reads either with update', () => {
    const { metrics: m } = simulateEvents(events, { ...oneNode, pattern: 'read-through', invalidation: 'update' });
    assert.equal(m.staleness.stale_reads, 0);
  });

  it('cache-aside with ttl-only has stale reads, bounded by the TTL', () => {
    const { metrics: m } = simulateEvents(events, { ...oneNode, invalidation: 'ttl-only' });
    assert.ok(m.staleness.stale_reads > 100);
    assert.ok((m.staleness.age_ms.max ?? 0) <= 2000 * HDR);
    assert.ok((m.staleness.age_ms.max ?? 0) > 1000, 'old copies live almost the whole TTL');
  });

  it('read-through costs one cache round trip on a miss (the cache fills itself); cache-aside two', () => {
    const one = [{ t: 0, key: 1, op: 'get' as const }];
    assert.equal(simulateEvents(one, { ...oneNode, pattern: 'read-through' }).metrics.latency_ms?.max, 4.3);
    assert.ok(Math.abs((simulateEvents(one, oneNode).metrics.latency_ms?.max ?? 0) - 4.6) < 1e-9);
  });
});

describe('write-behind', () => {
  // A write every 10 ms; flushes when the oldest write is 100 ms old; each flush takes 5 ms.
  const writes = (until: number): ListedEvent[] => Array.from({ length: until / 10 }, (_, i) => ({ t: i * 10, key: i, op: 'set' as const }));
  const behind = { pattern: 'write-behind' as const, writeBehind: { delay: 100, batch_size: 1000, max_pending: 10_000 }, cache: { capacity: 10_000, ttl: null, latency: 0 }, dbWrite: 5 };

  it('acknowledges at once and flushes in batches, one query each', () => {
    const { metrics: m } = simulateEvents(writes(500), behind);
    assert.equal(m.write_behind?.flushed_writes, 50);
    assert.equal(m.write_behind?.lost_writes, 0);
    assert.equal(m.db.writes, 5, 'flushes at 100, 200, 300, 400 and 500 ms');
    assert.equal(m.latency_by_kind_ms.writes?.max, 0, 'the cache took every write at once');
    // At 100 ms the flush of writes 0–90 has started when the write at 100 arrives: 11 pending until it commits at 105.
    assert.equal(m.write_behind?.max_pending, 11);
  });

  it('a crash at t loses exactly the writes pending at t', () => {
    // Flushes at 100 (writes 0–90) and 200 (100–190) have committed by 205; pending at 250: writes at 200–240.
    const { metrics: m } = simulateEvents(writes(500), { ...behind, faults: [{ type: 'node-crash', at: 250, duration: 0, node: 0 }] });
    assert.equal(m.write_behind?.lost_writes, 5);
    assert.equal(m.write_behind?.flushed_writes, 45);
  });

  it('a flush already executing in the database survives the crash; one waiting for a connection does not', () => {
    // Crash at 202: the flush started at 200 is executing (done at 205) — persisted.
    const executing = simulateEvents(writes(500), { ...behind, faults: [{ type: 'node-crash', at: 202, duration: 0, node: 0 }] }).metrics;
    assert.equal(executing.write_behind?.lost_writes, 1, 'only the write at 200, queued after the flush started');
    // A long read holds the only connection from 195 to 295: the flush at 200 waits for it and is lost at 250.
    const events = [...writes(500), { t: 195, key: 9999, op: 'get' as const }].sort((a, b) => a.t - b.t);
    const waiting = simulateEvents(events, { ...behind, maxConcurrency: 1, dbRead: 100, faults: [{ type: 'node-crash', at: 250, duration: 0, node: 0 }] }).metrics;
    assert.equal(waiting.write_behind?.lost_writes, 15, 'the waiting batch (100–190) and the queue (200–240)');
  });

  it('lost writes leave the database behind the truth: a later read from the database is stale', () => {
    const events: ListedEvent[] = [
      { t: 0, key: 1, op: 'set' },
      { t: 50, key: 1, op: 'delete' }, // evicts nothing — just a second write; both pending
      { t: 60, key: 1, op: 'get' }, // a miss (deleted from the cache) → DB has version 0, truth is 2: stale
    ];
    const { metrics: m } = simulateEvents(events, { ...behind, dbRead: 1 });
    assert.equal(m.staleness.stale_reads, 1, 'the database is behind the cache until the flush');
    assert.ok(Math.abs((m.staleness.age_ms.max ?? 0) - 61) <= 0.1, 'stale since the first write was acknowledged at 0');
  });

  it('a full queue makes writers wait for room (back-pressure shows in write latency)', () => {
    const { metrics: m } = simulateEvents(writes(500), { ...behind, writeBehind: { delay: 100, batch_size: 5, max_pending: 5 }, dbWrite: 80 });
    assert.ok((m.write_behind?.max_pending ?? 0) <= 5);
    assert.ok((m.latency_by_kind_ms.writes?.max ?? 0) > 50, `writes waited: ${m.latency_by_kind_ms.writes?.max}`);
    assert.equal(m.write_behind?.flushed_writes, 50);
  });
});

describe('faults', () => {
  const reads = mixed(20_000, 100, 0, 0.5, 11); // 10 s of reads at 2000/s
  const cache = { capacity: 1000, ttl: null, latency: 0 };

  it('a shared-tier outage sends its load to the DB: DB reads in the window = what L2 would have served + its misses', () => {
    const window = { at: 4000, duration: 3000 };
    const normal = simulateEvents(reads, { cache, dbRead: 2 });
    const outage = simulateEvents(reads, { cache, dbRead: 2, faults: [{ type: 'cache-down', ...window }] });
    const inWindow = (points: typeof normal.timeseries, pick: (p: (typeof points)[number]) => number) =>
      points.filter((p) => p.t_ms >= window.at && p.t_ms < window.at + window.duration).reduce((sum, p) => sum + pick(p), 0);
    const dbReadsOutage = inWindow(outage.timeseries, (p) => p.db_qps);
    const dbReadsNormal = inWindow(normal.timeseries, (p) => p.db_qps);
    const l2HitsNormal = inWindow(normal.timeseries, (p) => (p.hit_rate ?? 0) * p.requests_per_s);
    assert.ok(Math.abs(dbReadsOutage - (dbReadsNormal + l2HitsNormal)) < 1e-6, `${dbReadsOutage} vs ${dbReadsNormal} + ${l2HitsNormal}`);
    assert.equal(outage.metrics.errors, 0, 'fallback: served from the DB');
    assert.ok(outage.metrics.db.reads > normal.metrics.db.reads);
  });

  it('on_cache_error: fail turns every read in the outage into an error', () => {
    const outage = simulateEvents(reads, { cache, dbRead: 2, onCacheError: 'fail', faults: [{ type: 'cache-down', at: 4000, duration: 3000 }] });
    const inWindow = reads.filter((e) => e.t >= 4000 && e.t < 7000).length;
    assert.equal(outage.metrics.errors, inWindow);
    assert.equal(outage.metrics.hits + outage.metrics.misses, outage.metrics.reads);
  });

  it('a slow shared tier adds its latency to every hit inside its window only', () => {
    // Every read after the first few hits (100 keys, no TTL): a hit takes the tier's latency, 0 here.
    const slow = simulateEvents(reads, { cache, dbRead: 2, faults: [{ type: 'cache-slow', at: 4000, duration: 3000, latency: 7 }] });
    const during = slow.timeseries.filter((p) => p.t_ms >= 4000 && p.t_ms < 7000);
    const after = slow.timeseries.filter((p) => p.t_ms >= 7000);
    assert.equal(during.length, 3);
    assert.ok(during.every((p) => Math.abs((p.p99_ms ?? 0) - 7) < 0.05), `p99 in the window: ${during.map((p) => p.p99_ms)}`);
    assert.ok(after.every((p) => (p.p99_ms ?? 0) < 0.05), `p99 after it: ${after.map((p) => p.p99_ms)}`);
    assert.equal(slow.metrics.errors, 0);
  });

  it('a slow database multiplies query latency inside its window only', () => {
    const slow = simulateEvents(reads, { cache: null, dbRead: 2, faults: [{ type: 'db-slow', at: 4000, duration: 3000, factor: 5 }] });
    const during = slow.timeseries.filter((p) => p.t_ms >= 4000 && p.t_ms < 7000);
    const after = slow.timeseries.filter((p) => p.t_ms >= 7000);
    assert.ok(during.every((p) => Math.abs((p.p99_ms ?? 0) - 10) < 0.1), 'p99 5 × 2 ms in the window');
    assert.ok(after.slice(1).every((p) => Math.abs((p.p99_ms ?? 0) - 2) < 0.05));
  });

  it('a database outage fails every query submitted during it', () => {
    const down = simulateEvents(reads, { cache: null, dbRead: 2, faults: [{ type: 'db-down', at: 4000, duration: 3000 }] });
    const inWindow = reads.filter((e) => e.t >= 4000 && e.t < 7000).length;
    assert.equal(down.metrics.errors, inWindow);
    assert.ok(down.timeseries.filter((p) => p.t_ms >= 4000 && p.t_ms < 7000).every((p) => p.errors_per_s === p.requests_per_s));
  });

  it('a node crash loses its local tier; its requests go to the other nodes while it is down', () => {
    const twoTier = { nodes: 2, cache: { capacity: 1000, ttl: null, latency: 0.5 }, local: { capacity: 1000, ttl: null, latency: 0 }, dbRead: 2 };
    const normal = simulateEvents(reads, twoTier).metrics;
    const crashed = simulateEvents(reads, { ...twoTier, faults: [{ type: 'node-crash', at: 5000, duration: 2000, node: 1 }] }).metrics;
    assert.equal(crashed.db.reads, normal.db.reads, 'the shared tier still holds everything: no extra DB reads');
    assert.ok((crashed.tiers?.l1?.hits ?? 0) < (normal.tiers?.l1?.hits ?? 0), 'the restarted node starts cold');
    assert.equal(crashed.errors, 0);
  });
});
