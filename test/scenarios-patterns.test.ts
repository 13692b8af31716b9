import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Result, RunResult } from '../src/result/run-result.js';
import { cachebench, repoRoot } from './support/cachebench-process.js';

/**
 * The patterns scenarios of scenarios/ run as a user runs them, and show what their comments and the
 * README say they show.
 */
function run(file: string, expectedExit: number): { runs: RunResult[]; stderr: string } {
  const r = cachebench(['run', join(repoRoot, 'scenarios', file), '--json', '-']);
  assert.equal(r.code, expectedExit, `${file}: exit ${r.code}\n${r.stderr}`);
  const result = JSON.parse(r.stdout) as Result;
  return { runs: result.runs, stderr: r.stderr };
}

const byName = (runs: RunResult[], name: string): RunResult => {
  const found = runs.find((r) => r.name === name);
  assert.ok(found, `no run named ${name}: ${runs.map((r) => r.name).join(', ')}`);
  return found;
};

const passes = (r: RunResult) => r.thresholds.map((t) => t.pass);

describe('the patterns scenarios', () => {
  it('cache-aside-ttl: a longer TTL raises the hit rate; the 10 s TTL misses the 75% gate', () => {
    const { runs } = run('cache-aside-ttl.yaml', 1);
    const rates = runs.map((r) => r.metrics.hit_rate ?? 0);
    assert.ok(rates[0] < rates[1] && rates[1] < rates[2], `${rates}`);
    assert.ok(rates[0] < 0.75 && rates[1] >= 0.75);
    assert.deepEqual(runs.map(passes), [[false, true], [true, true], [true, true]]);
    for (const r of runs) assert.ok((r.metrics.staleness.stale_rate ?? 1) < 0.002, 'delete on write: only the race');
  });

  it('write-through-vs-cache-aside: write-through has no stale reads and a higher hit rate', () => {
    const { runs } = run('write-through-vs-cache-aside.yaml', 1);
    const aside = byName(runs, 'pattern=cache-aside');
    const through = byName(runs, 'pattern=write-through');
    assert.ok(aside.metrics.staleness.stale_reads > 100);
    assert.equal(through.metrics.staleness.stale_reads, 0);
    assert.ok((through.metrics.hit_rate ?? 0) > (aside.metrics.hit_rate ?? 1));
    assert.deepEqual(passes(aside), [false, true]);
    assert.deepEqual(passes(through), [true, true]);
  });

  it('write-behind-crash: writes acknowledged in a cache round trip, batched to the DB, some lost at the crash', () => {
    const { runs } = run('write-behind-crash.yaml', 1);
    const m = runs[0].metrics;
    assert.equal(m.latency_by_kind_ms.writes?.p99, 0.3);
    assert.ok((m.write_behind?.lost_writes ?? 0) > 0);
    assert.equal((m.write_behind?.flushed_writes ?? 0) + (m.write_behind?.lost_writes ?? 0), m.writes, 'every write is flushed or lost');
    assert.ok(m.db.writes < m.writes / 50, `batches: ${m.db.writes} queries for ${m.writes} writes`);
    assert.deepEqual(runs[0].faults?.map((f) => f.kind), ['node-crash']);
    assert.deepEqual(passes(runs[0]), [true, false]);
  });

  it('two-tier-pubsub: the fewer messages lost, the younger the stale reads; 100% loss is stale until the local TTL', () => {
    const { runs } = run('two-tier-pubsub.yaml', 1);
    const [all, some, none] = ['loss=100%', 'loss=1%', 'loss=0%'].map((name) => byName(runs, name).metrics);
    assert.equal(all.invalidation?.received, 0);
    assert.equal(none.invalidation?.lost, 0);
    assert.ok((all.staleness.stale_rate ?? 0) > 0.1 && (all.staleness.age_ms.max ?? 0) <= 30_000 * 1.001);
    assert.ok((some.staleness.stale_rate ?? 1) < (all.staleness.stale_rate ?? 0) / 10);
    assert.ok((none.staleness.age_ms.p99 ?? 1e9) < 50 && (none.staleness.stale_rate ?? 1) < (some.staleness.stale_rate ?? 0));
    for (const m of [all, some, none]) {
      assert.equal(m.tiers?.l1?.lookups, m.reads);
      assert.equal(m.hits, (m.tiers?.l1?.hits ?? 0) + (m.tiers?.l2?.hits ?? 0));
    }
    assert.deepEqual(runs.map(passes), [[false, true], [false, true], [true, true]]);
  });

  it('thundering-herd: lock and coalesce never fetch a key twice at once; none herds, xfetch too on a key this hot', () => {
    const { runs } = run('thundering-herd.yaml', 1);
    const herd = (p: string) => byName(runs, `protection=${p}`).metrics;
    for (const p of ['lock', 'coalesce']) {
      assert.equal(herd(p).herd.duplicate_fetches, 0, p);
      assert.equal(herd(p).herd.max_concurrent_fetches_per_key, 1, p);
    }
    assert.ok(herd('none').herd.duplicate_fetches > 1000);
    for (const p of ['refresh-ahead', 'stale-while-revalidate', 'xfetch', 'lock', 'coalesce']) {
      assert.ok(herd(p).db.reads < herd('none').db.reads / 2, `${p}: ${herd(p).db.reads} DB reads vs ${herd('none').db.reads}`);
    }
    assert.deepEqual(runs.map((r) => r.thresholds[0].pass), [false, true, true, true, true, false]);
  });

  it('cache-outage: fallback sends the window’s reads to the DB (queue, timeouts), fail turns them into errors', () => {
    const { runs } = run('cache-outage.yaml', 1);
    const fallback = byName(runs, 'on_cache_error=fallback');
    const fail = byName(runs, 'on_cache_error=fail');
    const window = (r: RunResult) => r.timeseries.filter((p) => p.t_ms >= 60_000 && p.t_ms < 90_000);
    const before = (r: RunResult) => r.timeseries.filter((p) => p.t_ms >= 30_000 && p.t_ms < 60_000);
    const mean = (points: { db_qps: number }[]) => points.reduce((s, p) => s + p.db_qps, 0) / points.length;
    assert.ok(mean(window(fallback)) > 3 * mean(before(fallback)), 'DB load jumps in the window');
    assert.ok(fallback.metrics.db.timeouts > 0, 'the pool cannot keep up');
    assert.ok(window(fail).every((p) => p.errors_per_s > 0.9 * p.requests_per_s));
    assert.ok(mean(window(fail)) < 0.1 * mean(window(fallback)), 'the database is spared');
    assert.equal(fallback.metrics.tiers, undefined);
    assert.deepEqual(fallback.faults, [{ kind: 'cache-down', start_ms: 60_000, end_ms: 90_000, detail: 'shared tier unreachable' }]);
  });

  it('when-not-to-cache: each verdict says the cache does not pay off, and why', () => {
    const reasons: Record<string, RegExp> = {
      'personalised-keys.yaml': /too little reuse/,
      'write-heavy.yaml': /writes are 60% of requests/,
      'large-objects.yaml': /objects are large/,
    };
    for (const [file, reason] of Object.entries(reasons)) {
      const r = cachebench(['run', join(repoRoot, 'scenarios', 'when-not-to-cache', file), '--no-color']);
      assert.equal(r.code, 1, `${file}: the offload gate fails`);
      assert.match(r.stdout, /the cache does not pay off: it takes only/, file);
      assert.match(r.stdout, reason, file);
    }
  });
});
