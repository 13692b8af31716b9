import type { RunMetrics, RunResult } from '../result/run-result.js';
import { formatBytes } from './byte-format.js';
import { formatCount, formatDuration, formatPercent, formatPercentInProse } from './number-format.js';

/**
 * The one line a person reads first: what the cache bought against the no-cache baseline, in DB reads and
 * p99, and what it cost in staleness. It says plainly when the cache makes things worse.
 *
 *   the cache cuts DB reads by 91% and p99 from 48 ms to 2.1 ms, at 0.3% stale reads
 *   the cache serves 91.2% of reads and cuts DB reads by 91% (120,000 → 10,800), with no stale reads
 *   the cache makes things worse: it does not reduce DB reads and raises p99 from 5.0 ms to 5.4 ms
 *   the cache does not pay off: it takes only 0.9% of database queries away (240,000 → 237,800), …; reads rarely come back …
 *
 * A cache that takes less than a fifth of the database's queries away "does not pay off", with the likely
 * reason: a write-heavy mix, large objects, or keys that do not repeat.
 */
export function verdictLine(run: RunResult): string {
  const { metrics } = run;
  const failures = metrics.errors > 0 ? `; ${formatCount(metrics.errors)} requests failed` : '';
  // A saturated client's latencies are its own backlog: no claim about the cache is made from them.
  if (metrics.live?.saturated === true) return saturatedVerdict(metrics.live) + failures;
  // So are a live baseline's (measured against a real database): the comparison would be against them.
  if (run.baseline.live?.saturated === true) return `the no-cache baseline's ${saturatedVerdict(run.baseline.live).replace(/^the /, '')}${failures}`;
  return cacheVerdict(run, failures) + floorClause(metrics);
}

function cacheVerdict(run: RunResult, failures: string): string {
  const { metrics, baseline } = run;
  // A live run's cache is Redis, whose view is in run.redis rather than in metrics.cache.
  if (metrics.cache === null && metrics.live === undefined) return noCacheVerdict(metrics) + failures;
  if (metrics.reads === 0) return `no reads in this run, so the cache had nothing to serve${failures}`;

  const staleness = stalenessClause(metrics);
  const p99 = p99Change(baseline, metrics);
  const hitRate = `serves ${formatPercent(metrics.hit_rate)} of reads`;

  if (metrics.offload === null) {
    // The contract leaves offload null when the baseline made no DB reads: there was no load to take away.
    const latency = p99 ? ` and ${p99.phrase}` : '';
    const nothingToOffload = 'the baseline made no DB reads, so there was nothing to offload';
    return `the cache ${hitRate}${latency}; ${nothingToOffload}${staleness}${failures}`;
  }

  const offload = metrics.offload;
  const dbReads = `(${formatCount(baseline.db.reads)} → ${formatCount(metrics.db.reads)})`;

  const queryCut = baseline.db.queries > 0 ? 1 - metrics.db.queries / baseline.db.queries : 0;
  if (offload > 0 && queryCut < WORTHWHILE_QUERY_CUT) {
    const queries = `(${formatCount(baseline.db.queries)} → ${formatCount(metrics.db.queries)})`;
    const latency = p99 ? `, ${p99.phrase}` : '';
    return `the cache does not pay off: it takes only ${formatPercentInProse(Math.max(0, queryCut))} of database queries away ${queries}${latency}; ${notWorthItReason(metrics)}${staleness}${failures}`;
  }

  if (offload > 0) {
    const cut = `cuts DB reads by ${formatPercentInProse(offload)}`;
    if (!p99) return `the cache ${hitRate} and ${cut} ${dbReads}${staleness}${failures}`;
    if (p99.direction === 'down') {
      return `the cache ${cut} and p99 from ${p99.from} to ${p99.to}${staleness}${failures}`;
    }
    if (p99.direction === 'same') return `the cache ${cut} and ${p99.phrase}${staleness}${failures}`;
    return `the cache ${cut} but makes p99 worse, from ${p99.from} to ${p99.to}${staleness}${failures}`;
  }

  // offload ≤ 0: the cache does not take load off the database.
  const dbEffect =
    offload === 0 ? 'it does not reduce DB reads' : `it increases DB reads by ${formatPercentInProse(-offload)}`;
  const judgement = offload < 0 || p99?.direction === 'up' ? 'makes things worse' : 'does not help';
  const context = p99 ? ` and ${p99.phrase}` : ` ${dbReads}, hit rate ${formatPercent(metrics.hit_rate)}`;
  if (p99?.direction === 'down') {
    return `the cache does not pay off: ${dbEffect}, though it ${p99.phrase}${staleness}${failures}`;
  }
  return `the cache ${judgement}: ${dbEffect}${context}${staleness}${failures}`;
}

/**
 * A live run whose client could not keep its schedule: what it saw, and that the numbers are the load
 * generator's limit, not the cache's.
 *
 *   the load generator could not keep its schedule (402 arrivals dropped: …): these numbers show the client's limit, not the system's; …
 */
function saturatedVerdict(live: NonNullable<RunMetrics['live']>): string {
  const reasons = (live.saturation_reasons ?? []).join('; ');
  const rate = live.kept_up_rate ?? null;
  const kept = rate === null ? 'no second of the run kept up' : `the highest rate it kept up with was ${formatCount(rate)} requests/s`;
  return `the load generator could not keep its schedule (${reasons}): these numbers show the client's limit, not the system's; ${kept} — lower the rate or add workers, then compare`;
}

/** A latency this close to the client's own floor (at most this many times it) measures the client. */
const FLOOR_FACTOR = 2;

/**
 * A live run's latency within FLOOR_FACTOR of the client's floor (live.floor_ms, measured in the same run)
 * says more about the client than about Redis: the verdict says so, for the hits' p99 first (the Redis
 * path alone), else for every request's.
 *
 *   ; hits p99 0.4 ms is within 2× of the client's own floor (PING p99 0.3 ms): it measures the client, not Redis
 */
function floorClause(metrics: RunMetrics): string {
  const floor = metrics.live?.floor_ms;
  if (floor === undefined) return '';
  const probe = floor.ping.p99 !== null ? { name: 'PING', p99: floor.ping.p99 } : floor.noop.p99 !== null ? { name: 'no-op', p99: floor.noop.p99 } : null;
  if (probe === null || !(probe.p99 > 0)) return '';
  const candidates = [
    { name: 'hits p99', value: metrics.latency_by_kind_ms.hits?.p99 ?? null },
    { name: 'p99', value: metrics.latency_ms?.p99 ?? null },
  ];
  const near = candidates.find((c) => c.value !== null && c.value <= FLOOR_FACTOR * probe.p99);
  if (near === undefined) return '';
  return `; ${near.name} ${formatDuration(near.value)} is within ${FLOOR_FACTOR}× of the client's own floor (${probe.name} p99 ${formatDuration(probe.p99)}): it measures the client, not Redis`;
}

/** Below this cut in database queries (reads and writes) a cache is not worth its cost and its staleness. */
const WORTHWHILE_QUERY_CUT = 0.2;

/** Why a cache took so little off the database, from what the run measured. */
function notWorthItReason(metrics: RunMetrics): string {
  const writes = metrics.writes + metrics.deletes;
  const writeShare = metrics.requests > 0 ? writes / metrics.requests : 0;
  if (writeShare >= 0.3) {
    return `writes are ${formatPercentInProse(writeShare)} of requests — a cache takes only reads off the database, and every write invalidates what it holds`;
  }
  const cache = metrics.cache;
  if (cache !== null && cache.peak_entries > 0) {
    const meanSize = cache.peak_bytes / cache.peak_entries;
    if (meanSize >= LARGE_OBJECT_BYTES && cache.peak_entries < 1000) {
      return `objects are large (${formatBytes(meanSize)} on average), so the cache holds only ${formatCount(cache.peak_entries)} of them at a time`;
    }
  }
  return `reads rarely come back to a key while it is still cached (hit rate ${formatPercent(metrics.hit_rate)}${cache !== null && cache.evictions > 0 ? `, ${formatCount(cache.evictions)} evictions` : ''}) — too little reuse for this cache`;
}

/** Objects from this size on count as large for a cache. */
const LARGE_OBJECT_BYTES = 256 * 1024;

function noCacheVerdict(metrics: RunMetrics): string {
  const p99 = metrics.latency_ms?.p99 ?? null;
  const latency = p99 === null ? '' : `, p99 ${formatDuration(p99)}`;
  return `no cache in this run: every read goes to the database (${formatCount(metrics.db.reads)} DB reads${latency})`;
}

function stalenessClause(metrics: RunMetrics): string {
  const rate = metrics.staleness.stale_rate;
  if (rate === null) return '';
  if (metrics.staleness.stale_reads === 0) return ', with no stale reads';
  return `, at ${formatPercentInProse(rate)} stale reads`;
}

interface P99Change {
  direction: 'down' | 'up' | 'same';
  from: string;
  to: string;
  /** A verb phrase: "cuts p99 from 48 ms to 2.1 ms", "raises p99 from …", "leaves p99 at …". */
  phrase: string;
}

/** null when either side has no timing. Equal as printed counts as unchanged: "from 2.1 ms to 2.1 ms" says nothing. */
function p99Change(baseline: RunMetrics, metrics: RunMetrics): P99Change | null {
  const before = baseline.latency_ms?.p99 ?? null;
  const after = metrics.latency_ms?.p99 ?? null;
  if (before === null || after === null) return null;
  const from = formatDuration(before);
  const to = formatDuration(after);
  if (from === to) return { direction: 'same', from, to, phrase: `leaves p99 at ${to}` };
  if (after < before) return { direction: 'down', from, to, phrase: `cuts p99 from ${from} to ${to}` };
  return { direction: 'up', from, to, phrase: `raises p99 from ${from} to ${to}` };
}
