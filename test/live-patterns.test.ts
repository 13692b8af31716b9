import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PipelinedRedisConnection } from '../src/live/pipelined-redis-connection.js';
import { parseRedisAddress } from '../src/live/redis-address.js';
import { IoredisCommands, type RedisCommands } from '../src/live/redis-commands.js';
import { reconnectDelay } from '../src/live/redis-connection.js';
import { scripted } from '../src/live/redis-scripts.js';
import { startCachebench } from './support/cachebench-process.js';
import { liveScenario, parseResult, uniquePrefix } from './support/live-scenario.js';
import { connectOnce, RedisClusterProcesses, redisSkipReason, requireRedis, scanKeys, ownServers } from './support/redis-server.js';

// Patterns on a real Redis (mode: live): read-through and write-through fills through the fill script
// (never older over newer), and `lock` stampede protection as SET NX PX. Each test starts its own
// redis-server on a free loopback port and stops it by PID; without redis-server the tests are skipped
// with the reason; under CI=true that is a failure.
const skip = redisSkipReason();
const ownServer = ownServers();

function run(scenario: string, timeoutMs = 30_000) {
  return startCachebench(['run', scenario, '--json', '-'], { timeoutMs }).finished;
}

/** A run's metrics with the fields these tests read. */
interface PatternMetrics {
  reads: number;
  hits: number;
  misses: number;
  errors: number;
  requests: number;
  staleness: { stale_reads: number };
  writes: number;
  deletes: number;
  db: { queries: number; reads: number; writes: number };
  herd: { duplicate_fetches: number; max_concurrent_fetches_per_key: number };
  tiers?: { l1: { lookups: number; hits: number; peak_entries: number }; l2: { lookups: number; hits: number } };
  invalidation?: { sent: number; received: number; lost: number; delay_ms: { p50: number | null; p99: number | null; max: number | null } };
  live: { workers: number };
  latency_by_kind_ms: { writes: { p50: number; p99: number } | null };
  write_behind?: { max_pending: number; flushed_writes: number; lost_writes: number };
}

async function metricsOf(scenario: string): Promise<PatternMetrics> {
  const r = await run(scenario);
  assert.equal(r.code, 0, r.stderr);
  return parseResult(r.stdout, r.stderr).runs[0].metrics as unknown as PatternMetrics;
}

describe('live patterns (real redis-server)', { skip }, () => {
  // The scripts through both clients a run uses: the pipelined connections (standalone) and ioredis (cluster).
  for (const through of ['pipelined', 'ioredis'] as const) {
    it(`${through}: the fill script stores only over an older or absent version, answers with the newer one, and sets PX`, async () => {
      const server = await ownServer();
      const client = await server.client();
      const prefix = uniquePrefix('fill');
      let pipelined: PipelinedRedisConnection | null = null;
      try {
        let commands: RedisCommands = new IoredisCommands(client);
        if (through === 'pipelined') {
          pipelined = await PipelinedRedisConnection.open(parseRedisAddress(server.url, 'url'), {
            connectTimeoutMs: 5000,
            commandTimeoutMs: 5000,
            autoPipelining: true,
            reconnectDelay,
            onReconnecting: () => {},
          });
          commands = pipelined;
        }
        const fill = scripted(commands);
        assert.equal(await fill.cachebenchFill(`${prefix}1`, 5, '5:xxxx', '60000'), -1, 'absent: stored');
        assert.equal(await client.get(`${prefix}1`), '5:xxxx');
        const pttl = await client.pttl(`${prefix}1`);
        assert.ok(pttl > 50_000 && pttl <= 60_000, `pttl ${pttl}`);
        assert.equal(await fill.cachebenchFill(`${prefix}1`, 3, '3:xxxx', '60000'), 5, 'older than the stored one: kept, answered with 5');
        assert.equal(await client.get(`${prefix}1`), '5:xxxx');
        assert.equal(await fill.cachebenchFill(`${prefix}1`, 7, '7:xx', ''), -1, 'newer: stored');
        assert.equal(await client.get(`${prefix}1`), '7:xx');
        assert.equal(await client.pttl(`${prefix}1`), -1, 'no TTL given: none');
        await client.set(`${prefix}lock:1`, 'tok-a');
        assert.equal(await fill.cachebenchUnlock(`${prefix}lock:1`, 'tok-b'), 0, 'another holder: left alone');
        assert.equal(await client.get(`${prefix}lock:1`), 'tok-a');
        assert.equal(await fill.cachebenchUnlock(`${prefix}lock:1`, 'tok-a'), 1);
        assert.equal(await client.exists(`${prefix}lock:1`), 0);
      } finally {
        await client.del(`${prefix}1`, `${prefix}lock:1`);
        pipelined?.close();
        client.disconnect();
      }
    });
  }

  it('write-through never serves an old value over a newer write, where cache-aside with update does (its race)', async () => {
    const server = await ownServer();
    // Few hot keys written often, slow DB reads and a short TTL: many misses whose fill races a write.
    const common = {
      workload: { keys: 10, distribution: { type: 'uniform' }, mix: { get: 0.6, set: 0.4 }, rate: '300/s', duration: '3s' },
      top: { database: { latency: '30ms', write_latency: '2ms' } },
    };
    const aside = await metricsOf(
      liveScenario({ name: 'aside-update', redis: { url: server.url, prefix: uniquePrefix('aside') }, cache: { ttl: '100ms', invalidation: 'update' }, ...common }),
    );
    const through = await metricsOf(
      liveScenario({ name: 'write-through', redis: { url: server.url, prefix: uniquePrefix('through') }, cache: { ttl: '100ms', pattern: 'write-through' }, ...common }),
    );
    assert.equal(through.errors, 0);
    assert.ok(through.db.writes > 200 && through.misses > 50, `writes ${through.db.writes}, misses ${through.misses}`);
    assert.ok(aside.staleness.stale_reads >= 20, `cache-aside's race shows: ${aside.staleness.stale_reads} stale reads`);
    // A GET reply in flight while a write is acknowledged can still be one version old, and on a loaded machine
    // (event-loop stalls widen that window: 17 against 89 seen at load 30 on 2 cores, 24 against 64 in a full
    // suite run beside other work) more of them are: the race cache-aside has is still clearly larger.
    assert.ok(
      through.staleness.stale_reads * 2 <= aside.staleness.stale_reads,
      `write-through ${through.staleness.stale_reads} stale reads vs cache-aside ${aside.staleness.stale_reads}`,
    );
  });

  it('read-through serves and fills; it leaves no key behind', async () => {
    const server = await ownServer();
    const client = await server.client();
    const prefix = uniquePrefix('readthrough');
    try {
      const m = await metricsOf(liveScenario({ name: 'read-through', redis: { url: server.url, prefix }, cache: { pattern: 'read-through' } }));
      assert.equal(m.errors, 0);
      assert.ok(m.hits > 0 && m.misses > 0, `hits ${m.hits}, misses ${m.misses}`);
      assert.equal(m.hits + m.misses, m.reads);
      assert.equal(m.db.reads, m.misses, 'every miss reads the database once');
      assert.deepEqual(await scanKeys(client, `${prefix}*`), []);
    } finally {
      client.disconnect();
    }
  });

  it('lock (SET NX PX): a hot key that expires while requested costs one DB read per expiry, about λ·L without it', async () => {
    const server = await ownServer();
    const client = await server.client();
    // One key read at 400/s, a 200 ms TTL and a 40 ms database: λ·L = 16 concurrent misses per expiry.
    const hot = {
      workload: { keys: 1, mix: { get: 1 }, rate: '400/s', duration: '2s' },
      top: { database: { latency: '40ms' } },
    };
    const prefix = uniquePrefix('lock');
    try {
      const locked = await metricsOf(
        liveScenario({ name: 'lock', redis: { url: server.url, prefix }, cache: { ttl: '200ms', stampede: { protection: 'lock', retry: '5ms', lock_ttl: '1s' } }, ...hot }),
      );
      const bare = await metricsOf(liveScenario({ name: 'no-lock', redis: { url: server.url, prefix: uniquePrefix('nolock') }, cache: { ttl: '200ms' }, ...hot }));
      const expiries = 2000 / 200;
      assert.equal(locked.errors, 0);
      assert.equal(locked.requests, 800);
      assert.equal(locked.hits + locked.misses, locked.reads);
      assert.ok(locked.db.reads >= 3 && locked.db.reads <= expiries + 1, `with lock: ${locked.db.reads} DB reads for at most ${expiries} expiries`);
      assert.equal(locked.herd.max_concurrent_fetches_per_key, 1);
      assert.equal(locked.herd.duplicate_fetches, 0);
      // Without: every request in the fetch's window misses, λ·L ≈ 16 per expiry (at least half of that measured).
      const perExpiry = bare.db.reads / Math.max(1, locked.db.reads);
      assert.ok(perExpiry >= 8, `without lock: ${bare.db.reads} DB reads, ${perExpiry.toFixed(1)} per expiry`);
      assert.ok(bare.herd.max_concurrent_fetches_per_key >= 8, `herd ${bare.herd.max_concurrent_fetches_per_key}`);
      assert.deepEqual(await scanKeys(client, `${prefix}*`), [], 'the lock keys are under the prefix and deleted with it');
    } finally {
      client.disconnect();
    }
  });

  it('local tiers on 3 nodes with pub/sub over Redis: every message arrives, its delay is measured, and other nodes stop serving old copies', async () => {
    const server = await ownServer();
    const client = await server.client();
    // Hot keys, a long local TTL: without pub/sub the other nodes' copies stay old until it runs out.
    const topology = {
      workload: { keys: 50, mix: { get: 0.8, set: 0.2 }, rate: '300/s', duration: '2s', workers: 2 },
      top: { topology: { nodes: 3, routing: 'round-robin' } },
    };
    const local = { policy: 'lru', capacity: 1000, ttl: '60s' };
    const prefix = uniquePrefix('pubsub');
    try {
      const pubsub = await metricsOf(liveScenario({ name: 'pubsub', redis: { url: server.url, prefix }, cache: { local, invalidation: 'pubsub' }, ...topology }));
      const silent = await metricsOf(liveScenario({ name: 'no-pubsub', redis: { url: server.url, prefix: uniquePrefix('nopubsub') }, cache: { local, invalidation: 'delete' }, ...topology }));
      assert.equal(pubsub.errors, 0);
      assert.equal(pubsub.live.workers, 2);
      const { l1, l2 } = pubsub.tiers!;
      assert.equal(l1.lookups, pubsub.reads, 'every read looks up its node’s local tier');
      assert.equal(l2.lookups, l1.lookups - l1.hits, 'local misses go to Redis');
      assert.ok(l1.hits > 0 && l2.hits > 0, `l1 hits ${l1.hits}, l2 hits ${l2.hits}`);
      assert.equal(pubsub.hits, l1.hits + l2.hits);
      const m = pubsub.invalidation!;
      assert.equal(m.sent, (pubsub.writes + pubsub.deletes) * 2, 'one delivery per write and other node');
      assert.equal(m.received, m.sent);
      assert.equal(m.lost, 0);
      // Measured, and in order; how long a delivery takes on a busy machine is not this test's business.
      assert.ok(m.delay_ms.p50 !== null && m.delay_ms.p99 !== null && m.delay_ms.max !== null, JSON.stringify(m.delay_ms));
      assert.ok(m.delay_ms.p50 >= 0 && m.delay_ms.p50 <= m.delay_ms.p99 && m.delay_ms.p99 <= m.delay_ms.max, JSON.stringify(m.delay_ms));
      assert.equal(silent.invalidation, undefined);
      assert.ok(silent.staleness.stale_reads >= 30, `without pub/sub, old local copies are served: ${silent.staleness.stale_reads} stale reads`);
      assert.ok(
        pubsub.staleness.stale_reads * 5 <= silent.staleness.stale_reads,
        `pub/sub ${pubsub.staleness.stale_reads} stale reads vs ${silent.staleness.stale_reads} without`,
      );
      assert.deepEqual(await scanKeys(client, `${prefix}*`), []);
    } finally {
      client.disconnect();
    }
  });

  it('write-behind acknowledges before the database, flushes in batches, persists every write and bounds the queue', async () => {
    const server = await ownServer();
    // A 50 ms database write: acknowledged writes must not wait for it.
    const work = { workload: { keys: 20, mix: { get: 0.7, set: 0.3 }, rate: '300/s', duration: '2s' }, top: { database: { latency: '2ms', write_latency: '50ms' } } };
    const batched = await metricsOf(
      liveScenario({
        name: 'write-behind',
        redis: { url: server.url, prefix: uniquePrefix('wb') },
        cache: { pattern: 'write-behind', write_behind: { delay: '100ms', batch_size: 10, max_pending: 1000 } },
        ...work,
      }),
    );
    const wb = batched.write_behind!;
    assert.equal(batched.errors, 0);
    assert.ok(batched.writes >= 100, `writes ${batched.writes}`);
    assert.equal(wb.flushed_writes, batched.writes + batched.deletes, 'every acknowledged write reaches the database');
    assert.equal(wb.lost_writes, 0);
    assert.ok(batched.db.writes * 3 <= batched.writes, `${batched.db.writes} flushes for ${batched.writes} writes`);
    // Acknowledged before the database: a write-behind write waits for Redis only, a write-through write for
    // Redis and the 50 ms database write. Compared as an order between the two runs (load slows both alike),
    // with the database's 50 ms as a floor only load cannot break.
    const through = await metricsOf(
      liveScenario({ name: 'write-through', redis: { url: server.url, prefix: uniquePrefix('wt') }, cache: { pattern: 'write-through' }, ...work }),
    );
    const wbWrites = batched.latency_by_kind_ms.writes!;
    const wtWrites = through.latency_by_kind_ms.writes!;
    // At least the 50 ms write, to the histogram's precision and a timer's millisecond (49.855 ms was seen).
    assert.ok(wtWrites.p50 >= 49, `write-through waits for the 50 ms database write: p50 ${wtWrites.p50} ms`);
    assert.ok(wbWrites.p50 < wtWrites.p50, `write-behind p50 ${wbWrites.p50} ms < write-through p50 ${wtWrites.p50} ms`);
    assert.equal(through.db.writes, through.writes + through.deletes, 'write-through: one database write per write');
    // A queue of at most 3: writers wait for room, so the bound holds and everything is still flushed.
    const bounded = await metricsOf(
      liveScenario({
        name: 'write-behind-bounded',
        redis: { url: server.url, prefix: uniquePrefix('wbmax') },
        cache: { pattern: 'write-behind', write_behind: { delay: '100ms', batch_size: 3, max_pending: 3 } },
        ...work,
      }),
    );
    assert.ok(bounded.write_behind!.max_pending <= 3 && bounded.write_behind!.max_pending >= 1, `max_pending ${bounded.write_behind!.max_pending}`);
    assert.equal(bounded.write_behind!.flushed_writes, bounded.writes + bounded.deletes);
    assert.ok(bounded.latency_by_kind_ms.writes!.p99 >= 20, `writers waited for room: p99 ${bounded.latency_by_kind_ms.writes!.p99} ms`);
  });
});

describe('live patterns against a 3-master Redis Cluster', { skip: redisSkipReason({ cli: true }) }, () => {
  let cluster: RedisClusterProcesses | null = null;

  before(async () => {
    requireRedis({ cli: true });
    cluster = await RedisClusterProcesses.start(3);
  });

  after(async () => {
    await cluster?.stop();
  });

  it('write-through with lock, local tiers on 2 nodes and pub/sub: the scripts and the subscriber work on a cluster', async () => {
    const prefix = uniquePrefix('cluster-patterns');
    const m = await metricsOf(
      liveScenario({
        name: 'cluster-patterns',
        redis: { cluster: cluster!.urls, prefix },
        cache: {
          ttl: '300ms',
          pattern: 'write-through',
          stampede: { protection: 'lock', retry: '5ms', lock_ttl: '1s' },
          local: { capacity: 100, ttl: '10s' },
          invalidation: 'pubsub',
        },
        top: { topology: { nodes: 2 } },
      }),
    );
    assert.equal(m.errors, 0);
    assert.ok(m.misses > 0 && m.hits > 0, `hits ${m.hits}, misses ${m.misses}`);
    assert.equal(m.herd.max_concurrent_fetches_per_key, 1, 'the lock holds across the cluster');
    const messages = m.invalidation!;
    assert.equal(messages.sent, m.writes + m.deletes);
    assert.equal(messages.received, messages.sent);
    for (const node of cluster!.nodes) {
      const client = connectOnce(node.port);
      await client.connect();
      try {
        assert.deepEqual(await scanKeys(client, `${prefix}*`), [], `node ${node.port}`);
      } finally {
        client.disconnect();
      }
    }
  });
});
