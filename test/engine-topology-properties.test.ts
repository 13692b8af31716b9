import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { FaultSpec, PatternName, StampedeProtection } from '../src/scenario/scenario.js';
import type { ListedEvent } from './support/event-list-stream.js';
import { simulateEvents } from './support/simulate-events.js';

/**
 * Whatever the topology, pattern, protection and faults, the engine's books balance: every read ends
 * as a hit or a miss, every write-behind write is flushed or lost, every pub/sub message is received or
 * lost, every lookup is counted in its tier, and (without timeouts or faults) nothing is left in flight.
 */
const PATTERNS: PatternName[] = ['cache-aside', 'read-through', 'write-through', 'write-behind'];
const PROTECTIONS: StampedeProtection[] = ['none', 'lock', 'coalesce', 'refresh-ahead', 'stale-while-revalidate', 'xfetch'];

const scenarioArbitrary = fc.record({
  seed: fc.integer({ min: 1, max: 1000 }),
  events: fc.array(
    fc.record({ gap: fc.double({ min: 0, max: 5, noNaN: true }), key: fc.integer({ min: 0, max: 40 }), op: fc.constantFrom('get', 'get', 'get', 'set', 'delete') }),
    { minLength: 1, maxLength: 400 },
  ),
  nodes: fc.integer({ min: 1, max: 4 }),
  routing: fc.constantFrom('round-robin', 'random', 'sticky') as fc.Arbitrary<'round-robin' | 'random' | 'sticky'>,
  local: fc.boolean(),
  shared: fc.boolean(),
  pattern: fc.constantFrom(...PATTERNS),
  pubsub: fc.boolean(),
  protection: fc.constantFrom(...PROTECTIONS),
  jitter: fc.constantFrom(0, 0.3),
  capacity: fc.integer({ min: 1, max: 30 }),
  ttl: fc.constantFrom(null, 20, 200),
  dbRead: fc.double({ min: 0, max: 15, noNaN: true }),
  maxConcurrency: fc.constantFrom(1, 3, Number.POSITIVE_INFINITY),
  timeout: fc.constantFrom(null, 30),
  faults: fc.array(
    fc.oneof(
      fc.record({ type: fc.constant('cache-down' as const), at: fc.integer({ min: 0, max: 300 }), duration: fc.integer({ min: 1, max: 200 }) }),
      fc.record({ type: fc.constant('db-down' as const), at: fc.integer({ min: 0, max: 300 }), duration: fc.integer({ min: 1, max: 200 }) }),
      fc.record({ type: fc.constant('db-slow' as const), at: fc.integer({ min: 0, max: 300 }), duration: fc.integer({ min: 1, max: 200 }), factor: fc.constantFrom(2, 10) }),
      fc.record({ type: fc.constant('pubsub-partition' as const), at: fc.integer({ min: 0, max: 300 }), duration: fc.integer({ min: 1, max: 200 }) }),
      fc.record({ type: fc.constant('node-crash' as const), at: fc.integer({ min: 0, max: 300 }), duration: fc.constantFrom(0, 50), node: fc.constant(0) }),
    ),
    { maxLength: 3 },
  ),
  failOnCacheError: fc.boolean(),
});

describe('the topology engine balances its books', () => {
  it('for random topologies, patterns, protections, workloads and faults', () => {
    fc.assert(
      fc.property(scenarioArbitrary, (s) => {
        let t = 0;
        const events: ListedEvent[] = s.events.map((e) => {
          t += e.gap;
          return { t, key: e.key, op: e.op as ListedEvent['op'] };
        });
        const hasLocal = s.local || !s.shared;
        const needsTtl = ['refresh-ahead', 'stale-while-revalidate', 'xfetch'].includes(s.protection);
        const ttl = needsTtl && s.ttl === null ? 100 : s.ttl;
        const writesValue = s.pattern === 'write-through' || s.pattern === 'write-behind';
        const pubsub = s.pubsub && hasLocal;
        const faults = s.faults.filter((f) => (f.type !== 'cache-down' || s.shared) && (f.type !== 'pubsub-partition' || pubsub)) as FaultSpec[];
        const { metrics: m, timeseries } = simulateEvents(events, {
          seed: s.seed,
          nodes: s.nodes,
          routing: s.routing,
          cache: { capacity: s.capacity, ttl, latency: 0.5 },
          noShared: !s.shared,
          ...(hasLocal ? { local: { capacity: Math.max(1, s.capacity >> 1), ttl, latency: 0.01 } } : {}),
          pattern: s.pattern,
          invalidation: pubsub ? 'pubsub' : writesValue ? 'update' : 'delete',
          ...(pubsub ? { pubsub: { delay: 2, loss: 0.2 } } : {}),
          writeBehind: { delay: 10, batch_size: 4, max_pending: 8 },
          stampede: { protection: s.protection, retry: 3, lock_ttl: 20, ttl_jitter: ttl === null ? 0 : s.jitter },
          onCacheError: s.failOnCacheError ? 'fail' : 'fallback',
          faults,
          dbRead: s.dbRead,
          dbWrite: 2,
          maxConcurrency: s.maxConcurrency,
          timeout: s.timeout,
        });
        assert.equal(m.requests, events.length);
        assert.equal(m.hits + m.misses, m.reads, 'every read is a hit or a miss');
        assert.ok(m.errors <= m.requests);
        assert.ok(m.staleness.stale_reads <= m.reads);
        assert.equal(m.latency_ms?.count, m.requests, 'every request completes or fails, once');
        assert.equal(
          timeseries.reduce((sum, p) => sum + p.requests_per_s * 1, 0),
          m.requests,
        );
        if (m.write_behind !== undefined) {
          // Writes the cache took are flushed or lost; the rest went through (cache down) or failed.
          assert.ok(m.write_behind.flushed_writes + m.write_behind.lost_writes <= m.writes + m.deletes);
          if (faults.length === 0) assert.equal(m.write_behind.flushed_writes, m.writes + m.deletes);
        }
        if (m.invalidation !== undefined) assert.equal(m.invalidation.received + m.invalidation.lost, m.invalidation.sent);
        if (m.tiers !== undefined) {
          const { l1, l2 } = m.tiers;
          assert.ok(l1 !== null);
          assert.ok(l1.hits <= l1.lookups);
          // Every read looks up its node's local tier once (none when every node is down); a lock waiter's retry without a shared tier is one more.
          if (s.protection !== 'lock' || s.shared) assert.ok(l1.lookups <= m.reads);
          if (l2 !== null) assert.ok(l2.hits <= l2.lookups);
        }
        if (s.protection === 'coalesce' && s.nodes === 1 && faults.length === 0 && s.timeout === null) {
          assert.equal(m.herd.duplicate_fetches, 0, 'single-flight on one node: never two fetches of a key at once');
        }
      }),
      { numRuns: 300, seed: 20261127 },
    );
  });
});
