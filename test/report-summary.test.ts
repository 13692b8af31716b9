import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderRunSummary } from '../src/report/run-summary.js';
import { verdictLine } from '../src/report/verdict.js';
import type { RunMetrics } from '../src/result/run-result.js';
import { baselineMetrics, latency, liveRunResult, runMetrics, runResult } from './support/run-metrics.js';

const ANSI = /\x1b/;

/** A run without timing: a pure hit-ratio replay has no latency on either side. */
function untimed(metrics: RunMetrics): RunMetrics {
  return {
    ...metrics,
    latency_ms: null,
    latency_by_kind_ms: { reads: null, writes: null, hits: null, misses: null },
    db: { ...metrics.db, qps_mean: null, qps_peak: null },
  };
}

describe('renderRunSummary', () => {
  const run = runResult({ params: { 'cache.policy': 'lru', 'cache.capacity': 10_000 } });

  it('has no ANSI escape codes when colour is off', () => {
    assert.doesNotMatch(renderRunSummary(run, { color: false }), ANSI);
  });

  it('colours when colour is on', () => {
    assert.match(renderRunSummary(run, { color: true }), ANSI);
  });

  it('names the run and its matrix parameters', () => {
    const text = renderRunSummary(run, { color: false });
    assert.equal(text.split('\n')[0], 'product-prices (cache.policy=lru cache.capacity=10000)');
  });

  it('shows the cache run and the baseline side by side, formatted', () => {
    const text = renderRunSummary(run, { color: false });
    const row = (label: string) => text.split('\n').find((line) => line.includes(` ${label} `));
    assert.match(text, /with cache/);
    assert.match(text, /no cache/);
    assert.match(row('requests') ?? '', /10,500 .* 10,500/);
    assert.match(row('hit rate') ?? '', /91\.2% .* 0\.0%/);
    assert.match(row('p99') ?? '', /2\.1 ms .* 48 ms/);
    assert.match(row('hits p99') ?? '', /850 µs .* – /);
    assert.match(row('qps peak') ?? '', /1,234\/s .* 5,600\/s/);
    assert.match(row('age p99') ?? '', /1\.8 s .* – /);
    assert.match(row('evictions') ?? '', /4,321 .* – /);
    assert.match(row('offload') ?? '', /91\.2% .* – /);
    // The memory the cache actually held; the baseline holds none.
    assert.match(row('peak bytes') ?? '', /│\s+1 MB\s+│\s+–\s+│/);
    assert.match(row('peak entries') ?? '', /│\s+1,000\s+│\s+–\s+│/);
    for (const label of [
      'reads', 'byte hit rate', 'mean', 'p50', 'p90', 'p99.9', 'max', 'misses p99', 'queries', 'qps mean',
      'max in-flight', 'queue wait p99', 'timeouts', 'herd duplicate fetches', 'stale reads', 'stale rate',
      'budget violations', 'expirations',
    ]) {
      assert.ok(row(label), `row ${label}`);
    }
  });

  it('prints missing values as an en dash', () => {
    const text = renderRunSummary(runResult({ metrics: untimed(runMetrics()), baseline: untimed(baselineMetrics()) }), {
      color: false,
    });
    const p99 = text.split('\n').find((line) => line.includes(' p99 '));
    assert.match(p99 ?? '', /│\s+–\s+│\s+–\s+│/);
  });

  it('shows budget violations as – when no max_staleness was set, and counts them when one was', () => {
    const row = (text: string) => text.split('\n').find((line) => line.includes(' budget violations '));
    assert.match(row(renderRunSummary(run, { color: false })) ?? '', /│\s+2\s+│\s+0\s+│/);
    const noBudget = (metrics: RunMetrics): RunMetrics => ({
      ...metrics,
      staleness: { ...metrics.staleness, budget_violations: 0, max_staleness_ms: null },
    });
    const text = renderRunSummary(runResult({ metrics: noBudget(runMetrics()), baseline: noBudget(baselineMetrics()) }), { color: false });
    assert.match(row(text) ?? '', /│\s+–\s+│\s+–\s+│/);
  });

  it('ends with the verdict line', () => {
    const lines = renderRunSummary(run, { color: false }).split('\n');
    assert.equal(lines[lines.length - 1], verdictLine(run));
  });
});

describe('verdictLine', () => {
  it('states what the cache buys in DB reads, p99 and staleness', () => {
    assert.equal(
      verdictLine(runResult()),
      'the cache cuts DB reads by 91% and p99 from 48 ms to 2.1 ms, at 0.3% stale reads',
    );
  });

  it('says "no stale reads" when there were none', () => {
    const metrics = runMetrics({
      staleness: { ...runMetrics().staleness, stale_reads: 0, stale_rate: 0 },
    });
    assert.match(verdictLine(runResult({ metrics })), /, with no stale reads$/);
  });

  it('talks about hit rate and DB reads when there is no timing', () => {
    const run = runResult({ metrics: untimed(runMetrics()), baseline: untimed(baselineMetrics()) });
    assert.equal(
      verdictLine(run),
      'the cache serves 91.2% of reads and cuts DB reads by 91% (10,000 → 880), at 0.3% stale reads',
    );
  });

  it('says plainly when p99 gets worse though DB reads drop', () => {
    const metrics = runMetrics({ offload: 0.5, latency_ms: latency({ p99: 60 }) });
    assert.equal(
      verdictLine(runResult({ metrics })),
      'the cache cuts DB reads by 50% but makes p99 worse, from 48 ms to 60 ms, at 0.3% stale reads',
    );
  });

  it('says the cache makes things worse when it takes no load and raises p99', () => {
    const metrics = runMetrics({ offload: 0, hit_rate: 0, latency_ms: latency({ p99: 52 }) });
    assert.equal(
      verdictLine(runResult({ metrics })),
      'the cache makes things worse: it does not reduce DB reads and raises p99 from 48 ms to 52 ms, at 0.3% stale reads',
    );
  });

  it('says the cache makes things worse when it adds DB reads, without timing', () => {
    const metrics = untimed(runMetrics({ offload: -0.05, hit_rate: 0, db: { ...runMetrics().db, reads: 10_500 } }));
    const run = runResult({ metrics, baseline: untimed(baselineMetrics()) });
    assert.match(
      verdictLine(run),
      /^the cache makes things worse: it increases DB reads by 5% \(10,000 → 10,500\), hit rate 0\.0%/,
    );
  });

  it('says the cache does not help when offload is zero and p99 unchanged', () => {
    const metrics = runMetrics({ offload: 0, hit_rate: 0, latency_ms: latency({ p99: 48 }) });
    assert.match(verdictLine(runResult({ metrics })), /^the cache does not help: it does not reduce DB reads and leaves p99 at 48 ms/);
  });

  it('says the cache does not pay off when p99 drops but DB reads do not', () => {
    const metrics = runMetrics({ offload: 0, latency_ms: latency({ p99: 30 }) });
    assert.match(
      verdictLine(runResult({ metrics })),
      /^the cache does not pay off: it does not reduce DB reads, though it cuts p99 from 48 ms to 30 ms/,
    );
  });

  it('explains a run without a cache', () => {
    const baseline = baselineMetrics();
    assert.equal(
      verdictLine(runResult({ metrics: baseline, baseline })),
      'no cache in this run: every read goes to the database (10,000 DB reads, p99 48 ms)',
    );
  });

  it('explains a run without reads', () => {
    const metrics = runMetrics({ reads: 0, hits: 0, misses: 0, hit_rate: null, offload: null });
    assert.equal(verdictLine(runResult({ metrics })), 'no reads in this run, so the cache had nothing to serve');
  });

  it('explains a baseline without DB reads', () => {
    const metrics = runMetrics({ offload: null });
    assert.match(verdictLine(runResult({ metrics })), /the baseline made no DB reads, so there was nothing to offload/);
  });

  it('mentions failed requests', () => {
    const metrics = runMetrics({ errors: 1_200 });
    assert.match(verdictLine(runResult({ metrics })), /; 1,200 requests failed$/);
  });

  it('never rounds a partial cut to 100%', () => {
    const metrics = untimed(runMetrics({ offload: 0.9996 }));
    assert.match(verdictLine(runResult({ metrics, baseline: untimed(baselineMetrics()) })), /cuts DB reads by 99\.9%/);
  });
});

describe("a live run's server counters in the summary", () => {
  const line = (text: string, start: string) => text.split('\n').find((l) => l.startsWith(start));

  it("sets Redis's and PostgreSQL's counters beside the client's", () => {
    const text = renderRunSummary(liveRunResult(), { color: false });
    assert.equal(
      line(text, 'redis '),
      'redis redis://127.0.0.1:6390/0: keyspace hits 9,124, misses 882 (client: 9,120, 880), evicted 77, expired 5, commands 12,345',
    );
    assert.equal(
      line(text, 'postgres '),
      'postgres postgres://app:***@127.0.0.1:5432/app: 880 reads, 500 writes on 8 connections (pg_stat_statements: 878 reads, 499 writes), errors 2, timeouts 1',
    );
    assert.equal(line(text, 'table '), 'table cachebench_items_5eed (1,000 rows) dropped');
  });

  it('says unavailable, with the reason, where the result holds zeros for counters that were never read', () => {
    const live = liveRunResult();
    const db = live.database!;
    const run = liveRunResult({
      redis: {
        ...live.redis!,
        info_after: {},
        info_error: 'connect ECONNREFUSED 127.0.0.1:6390',
        delta: { keyspace_hits: 0, keyspace_misses: 0, evicted_keys: 0, expired_keys: 0, used_memory: 0, total_commands_processed: 0 },
      },
      database: { ...db, server: { database: db.server!.database, statements: null, statements_unavailable: 'not installed' } },
    });
    const text = renderRunSummary(run, { color: false });
    assert.equal(
      line(text, 'redis '),
      'redis redis://127.0.0.1:6390/0: keyspace hits, misses, evicted, expired and commands unavailable (INFO could not be read after the run: connect ECONNREFUSED 127.0.0.1:6390); client: hits 9,120, misses 880',
    );
    assert.match(line(text, 'postgres ') ?? '', /\(pg_stat_statements unavailable \(not installed\); xact_commit 1,391\)/);
    const gone = renderRunSummary(liveRunResult({ database: { ...db, server: null, server_error: 'timeout' } }), { color: false });
    assert.match(line(gone, 'postgres ') ?? '', /\(server statistics unavailable \(timeout\)\)/);
  });
});
