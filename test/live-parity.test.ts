import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cachebench, startCachebench } from './support/cachebench-process.js';
import { parseResult, uniquePrefix } from './support/live-scenario.js';
import { ownServers, redisSkipReason } from './support/redis-server.js';

// One application, two clocks (src/application/): a shipped scenario run live against a test-started
// redis-server and simulated must agree where the wall clock allows it — at a low rate (200 requests/s,
// constant arrivals, the same seed, so the same requests) with a database far slower than the client's
// floor (a constant 22 ms: not a multiple of the 5 ms between arrivals, so no arrival falls on the very
// instant a fetch returns, where the simulation's tie-breaking and a real timer's lateness would part).
// Each scenario runs unchanged but for these overrides, with --set mode=live --set cache.redis.url=….
const skip = redisSkipReason();
const ownServer = ownServers();

const LOW_RATE = ['workload.rate=200/s', 'workload.arrival=constant', 'workload.duration=8s', 'database.latency=22ms', 'database.write_latency=22ms'];

interface ParityMetrics {
  reads: number;
  errors: number;
  hit_rate: number;
  db: { reads: number };
  herd: { duplicate_fetches: number };
  staleness: { stale_rate: number | null };
  write_behind?: { lost_writes: number };
}

interface Both {
  names: string[];
  live: ParityMetrics[];
  simulated: ParityMetrics[];
}

/** The scenario live, then simulated with the same overrides; a gate that fails (exit 1) is the scenario's own finding. */
async function both(file: string, sets: string[]): Promise<Both> {
  const flags = [...LOW_RATE, ...sets].flatMap((s) => ['--set', s]);
  const server = await ownServer();
  const liveFlags = ['--set', 'mode=live', '--set', `cache.redis.url=${server.url}`, '--set', `cache.redis.prefix="${uniquePrefix('parity')}"`];
  const l = await startCachebench(['run', file, ...flags, ...liveFlags, '--json', '-'], { timeoutMs: 180_000 }).finished;
  assert.ok(l.code === 0 || l.code === 1, `exit ${l.code}: ${l.stderr}`);
  const live = parseResult(l.stdout, l.stderr).runs as unknown as { name: string; metrics: ParityMetrics }[];
  const s = cachebench(['run', file, ...flags, '--json', '-']);
  assert.ok(s.code === 0 || s.code === 1, s.stderr);
  const simulated = JSON.parse(s.stdout).runs as { name: string; metrics: ParityMetrics }[];
  assert.deepEqual(
    live.map((r) => r.name),
    simulated.map((r) => r.name),
  );
  return { names: simulated.map((r) => r.name), live: live.map((r) => r.metrics), simulated: simulated.map((r) => r.metrics) };
}

/** The bounds: hit rate within 0.02, DB reads within 5%, stale-read rate within 0.01. */
function assertAgree(name: string, live: ParityMetrics, sim: ParityMetrics): void {
  const what = `${name}: live ${JSON.stringify(summary(live))} vs simulated ${JSON.stringify(summary(sim))}`;
  assert.equal(live.reads, sim.reads, `the same requests: ${what}`);
  assert.ok(Math.abs(live.hit_rate - sim.hit_rate) <= 0.02, `hit rate: ${what}`);
  assert.ok(Math.abs(live.db.reads - sim.db.reads) <= 0.05 * sim.db.reads, `DB reads: ${what}`);
  assert.ok(Math.abs((live.staleness.stale_rate ?? 0) - (sim.staleness.stale_rate ?? 0)) <= 0.01, `stale-read rate: ${what}`);
}

function summary(m: ParityMetrics): Record<string, unknown> {
  return {
    reads: m.reads,
    errors: m.errors,
    hit_rate: Number(m.hit_rate.toFixed(4)),
    db_reads: m.db.reads,
    duplicates: m.herd.duplicate_fetches,
    stale_rate: m.staleness.stale_rate,
    lost_writes: m.write_behind?.lost_writes,
  };
}

describe('one application, two clocks: live runs agree with simulation (real redis-server)', { skip }, () => {
  it('thundering-herd: every protection — duplicate fetches within 10% (none for lock and coalesce in either), hit rate, DB reads, staleness', async () => {
    // Two hot keys (100 reads/s each) expiring every ~2 s behind a 203 ms query: each expiry lets about
    // twenty reads in while the key is fetched. The query is long so that what the wall clock adds — a
    // timer's lateness on a busy machine, a few ms — moves a fraction of one of them, not whole ones (at
    // 22 ms, with 5 ms between arrivals, a loaded machine's live run counted twice the simulated herd); and
    // not a multiple of the 5 ms between arrivals, so that no read looks up in the 0.3 ms between a fetch's
    // return and its key being cached, where a simulated read would start a second fetch that live
    // timing almost never reproduces.
    const { names, live, simulated } = await both('scenarios/thundering-herd.yaml', ['workload.keys=2', 'cache.ttl=2s', 'database.latency=203ms']);
    assert.equal(names.length, 6);
    for (const [i, name] of names.entries()) {
      assertAgree(name, live[i], simulated[i]);
      const l = live[i].herd.duplicate_fetches;
      const s = simulated[i].herd.duplicate_fetches;
      if (name.includes('lock') || name.includes('coalesce')) {
        assert.equal(s, 0, `${name}: simulated duplicates ${s}`);
        assert.equal(l, 0, `${name}: live duplicates ${l}`);
      } else {
        assert.ok(Math.abs(l - s) <= Math.max(0.1 * s, 2), `${name}: duplicate fetches live ${l} vs simulated ${s}`);
      }
    }
    // The unprotected run has a herd to protect against.
    assert.ok(simulated[names.findIndex((n) => n.includes('none'))].herd.duplicate_fetches >= 100);
  });

  it('two-tier-pubsub: five nodes with local tiers, write-through and pub/sub at 100%, 1% and 0% loss', async () => {
    const { names, live, simulated } = await both('scenarios/two-tier-pubsub.yaml', []);
    assert.equal(names.length, 3);
    for (const [i, name] of names.entries()) assertAgree(name, live[i], simulated[i]);
    // Lost invalidations leave other nodes' copies stale: the 100%-loss run shows it in both.
    assert.ok((simulated[0].staleness.stale_rate ?? 0) > (simulated[2].staleness.stale_rate ?? 0));
  });

  it('write-behind-crash: a node crash loses its queued writes, about as many live as simulated', async () => {
    const { names, live, simulated } = await both('scenarios/write-behind-crash.yaml', ['faults=[{ type: node-crash, at: 5s, node: 1 }]']);
    assert.equal(names.length, 1);
    assertAgree(names[0], live[0], simulated[0]);
    const l = live[0].write_behind!.lost_writes;
    const s = simulated[0].write_behind!.lost_writes;
    assert.ok(s > 0, `simulated lost ${s}`);
    // A flush's alarm is a timer on the wall clock: one write either side of a batch's edge moves.
    assert.ok(Math.abs(l - s) <= Math.max(0.05 * s, 2), `lost writes live ${l} vs simulated ${s}`);
  });

  it('cache-outage: the shared tier down for 3 s — errors in the window within 5% under fail, none under fallback', async () => {
    const { names, live, simulated } = await both('scenarios/cache-outage.yaml', ['faults=[{ type: cache-down, at: 3s, duration: 3s }]']);
    assert.equal(names.length, 2);
    for (const [i, name] of names.entries()) {
      assertAgree(name, live[i], simulated[i]);
      if (name.includes('fallback')) {
        assert.equal(simulated[i].errors, 0, name);
        assert.equal(live[i].errors, 0, name);
      } else {
        assert.ok(simulated[i].errors >= 500, `${name}: simulated errors ${simulated[i].errors}`);
        assert.ok(Math.abs(live[i].errors - simulated[i].errors) <= 0.05 * simulated[i].errors, `${name}: errors live ${live[i].errors} vs simulated ${simulated[i].errors}`);
      }
    }
  });
});
