import Table from 'cli-table3';
import type { AgeSummary, DatabaseView, RedisView, RunMetrics, RunResult } from '../result/run-result.js';
import { formatBytes } from './byte-format.js';
import { formatCount, formatDuration, formatPercent, formatRate, MISSING } from './number-format.js';
import { reportChalk, type ReportOptions, tableOptions } from './report-style.js';
import { keysLeftBehind } from './keys-left-behind.js';
import { formatRunLabel } from './run-label.js';
import {
  postgresServerMissing,
  redisCountersMissing,
  redisDeltaText,
  redisMemoryLine,
  statementStatText,
  statementsMissing,
  tableFate,
} from './server-counters.js';
import { verdictLine } from './verdict.js';
import { displayedInput } from './display-text.js';

export interface SummaryRow {
  label: string;
  value(metrics: RunMetrics): string;
}

export interface SummarySection {
  title: string;
  rows: SummaryRow[];
  /** Shown only when the run has it (two tiers, pub/sub, write-behind). */
  when?: (metrics: RunMetrics) => boolean;
}

/**
 * What the summary shows, in reading order: load, cache effectiveness, latency, the database, then the
 * costs (herd, staleness, churn). Names match docs/metrics.md. The HTML report's table
 * shows the same rows.
 */
export const SUMMARY_SECTIONS: SummarySection[] = [
  {
    title: 'traffic',
    rows: [
      { label: 'requests', value: (m) => formatCount(m.requests) },
      { label: 'reads', value: (m) => formatCount(m.reads) },
      { label: 'errors', value: (m) => formatCount(m.errors) },
      { label: 'hit rate', value: (m) => formatPercent(m.hit_rate) },
      { label: 'byte hit rate', value: (m) => formatPercent(m.byte_hit_rate) },
      { label: 'offload', value: (m) => formatPercent(m.offload) },
    ],
  },
  {
    title: 'latency',
    rows: [
      { label: 'mean', value: (m) => formatDuration(m.latency_ms?.mean) },
      { label: 'p50', value: (m) => formatDuration(m.latency_ms?.p50) },
      { label: 'p90', value: (m) => formatDuration(m.latency_ms?.p90) },
      { label: 'p99', value: (m) => formatDuration(m.latency_ms?.p99) },
      { label: 'p99.9', value: (m) => formatDuration(m.latency_ms?.p999) },
      { label: 'max', value: (m) => formatDuration(m.latency_ms?.max) },
      { label: 'hits p99', value: (m) => formatDuration(m.latency_by_kind_ms.hits?.p99) },
      { label: 'misses p99', value: (m) => formatDuration(m.latency_by_kind_ms.misses?.p99) },
    ],
  },
  {
    title: 'database',
    rows: [
      { label: 'queries', value: (m) => formatCount(m.db.queries) },
      { label: 'reads', value: (m) => formatCount(m.db.reads) },
      { label: 'qps mean', value: (m) => formatRate(m.db.qps_mean) },
      { label: 'qps peak', value: (m) => formatRate(m.db.qps_peak) },
      { label: 'max in-flight', value: (m) => formatCount(m.db.max_inflight) },
      { label: 'queue wait p99', value: (m) => formatDuration(m.db.queue_wait_ms.p99) },
      { label: 'timeouts', value: (m) => formatCount(m.db.timeouts) },
      { label: 'herd duplicate fetches', value: (m) => formatCount(m.herd.duplicate_fetches) },
      { label: 'herd max per key', value: (m) => formatCount(m.herd.max_concurrent_fetches_per_key) },
    ],
  },
  {
    title: 'staleness',
    rows: [
      { label: 'stale reads', value: (m) => formatCount(m.staleness.stale_reads) },
      { label: 'stale rate', value: (m) => formatPercent(m.staleness.stale_rate) },
      { label: 'age p99', value: (m) => formatDuration(m.staleness.age_ms.p99) },
      // Without max_staleness there is no budget to violate: missing (–), not zero.
      {
        label: 'budget violations',
        value: (m) => formatCount(m.staleness.max_staleness_ms === null ? null : m.staleness.budget_violations),
      },
    ],
  },
  {
    title: 'cache',
    rows: [
      // The baseline has no cache: its churn is missing (–), not zero.
      { label: 'evictions', value: (m) => formatCount(m.cache?.evictions) },
      { label: 'expirations', value: (m) => formatCount(m.cache?.expirations) },
      // What the cache held at its fullest: the memory a real cache of this configuration needs.
      { label: 'peak bytes', value: (m) => (m.cache == null ? MISSING : formatBytes(m.cache.peak_bytes)) },
      { label: 'peak entries', value: (m) => formatCount(m.cache?.peak_entries) },
    ],
  },
  {
    title: 'tiers',
    when: (m) => m.tiers !== undefined,
    rows: [
      { label: 'L1 hit rate (local)', value: (m) => formatPercent(m.tiers?.l1?.hit_rate) },
      { label: 'L1 evictions', value: (m) => formatCount(m.tiers?.l1?.evictions) },
      { label: 'L1 invalidations', value: (m) => formatCount(m.tiers?.l1?.invalidations) },
      { label: 'L2 hit rate (shared)', value: (m) => formatPercent(m.tiers?.l2?.hit_rate) },
      { label: 'L2 errors', value: (m) => formatCount(m.tiers?.l2?.errors) },
    ],
  },
  {
    title: 'pub/sub invalidation',
    when: (m) => m.invalidation !== undefined,
    rows: [
      { label: 'messages sent', value: (m) => formatCount(m.invalidation?.sent) },
      { label: 'received', value: (m) => formatCount(m.invalidation?.received) },
      { label: 'lost', value: (m) => formatCount(m.invalidation?.lost) },
    ],
  },
  {
    title: 'write-behind',
    when: (m) => m.write_behind !== undefined,
    rows: [
      { label: 'max pending', value: (m) => formatCount(m.write_behind?.max_pending) },
      { label: 'flushed writes', value: (m) => formatCount(m.write_behind?.flushed_writes) },
      { label: 'lost writes', value: (m) => formatCount(m.write_behind?.lost_writes) },
    ],
  },
];

/**
 * One run against its no-cache baseline, side by side, followed by the verdict line. Pure: returns the
 * text; the caller decides where it goes.
 */
export function renderRunSummary(run: RunResult, options: ReportOptions): string {
  run = displayedInput(run); // control characters escaped, URL passwords masked
  const chalk = reportChalk(options);
  // Compact: no rule between rows; sections are marked by their title rows instead.
  const table = new Table(
    tableOptions(['', 'with cache', 'no cache'], options, { colAligns: ['left', 'right', 'right'], compact: true }),
  );

  for (const section of SUMMARY_SECTIONS) {
    if (section.when !== undefined && !section.when(run.metrics)) continue;
    table.push([{ colSpan: 3, content: chalk.bold(section.title) }]);
    for (const row of section.rows) {
      table.push([`  ${row.label}`, row.value(run.metrics), row.value(run.baseline)]);
    }
  }

  const lines: string[] = [];
  const label = formatRunLabel(run.name, run.params);
  if (label !== '') lines.push(chalk.bold(label));
  lines.push(table.toString(), chalk.bold(verdictLine(run)));
  if (run.faults !== undefined && run.faults.length > 0) {
    lines.push(`faults: ${run.faults.map((f) => `${f.kind} ${formatDuration(f.start_ms)}–${formatDuration(f.end_ms)} (${f.detail})`).join('; ')}`);
  }
  const live = liveLines(run);
  if (live !== '') lines.push(live);
  return lines.join('\n');
}

/** A live run: Redis's own counts beside the client's, and what the load generator could not send. */
function liveLines(run: RunResult): string {
  const { redis } = run;
  const live = run.metrics.live;
  if (redis === undefined || live === undefined) return '';
  const missing = redisCountersMissing(redis);
  const server = (field: keyof RedisView['delta']) => redisDeltaText(redis, field);
  const lines = [
    missing !== null
      ? `redis ${redis.target}: keyspace hits, misses, evicted, expired and commands ${missing.state} (${missing.reason}); client: hits ${formatCount(redis.client.hits)}, misses ${formatCount(redis.client.misses)}`
      : `redis ${redis.target}: keyspace hits ${server('keyspace_hits')}, misses ${server('keyspace_misses')} (client: ${formatCount(redis.client.hits)}, ${formatCount(redis.client.misses)}), evicted ${server('evicted_keys')}, expired ${server('expired_keys')}, commands ${server('total_commands_processed')}`,
    // Failed requests are the metrics' `errors` (the verdict's "requests failed"); Redis commands are counted apart.
    `load: dropped ${formatCount(live.dropped)}, failed requests ${formatCount(run.metrics.errors)}, failed Redis commands ${formatCount(redis.client.errors)}, reconnects ${formatCount(live.reconnects)}, warm-up ${formatDuration(live.warmup_ms)} excluded; ${formatCount(redis.keys_deleted)} keys under ${redis.prefix} deleted${redis.cleanup_error !== undefined ? ' before the cleanup failed' : ''}`,
  ];
  const floor = live.floor_ms;
  if (floor !== undefined) {
    const probe = (name: string, f: AgeSummary) => `${name} p50 ${formatDuration(f.p50)}, p99 ${formatDuration(f.p99)}, max ${formatDuration(f.max)}`;
    const probes = floor.noop.p99 === null ? [probe('PING', floor.ping)] : [probe('no-op', floor.noop), probe('PING', floor.ping)];
    lines.push(`client floor at this rate (measured before the load): ${probes.join('; ')}`);
  }
  const schedule = live.schedule;
  if (live.saturated !== undefined && schedule !== undefined) {
    const busy = schedule.event_loop_utilization.map((u) => formatPercent(u)).join(', ');
    const kept = live.saturated ? `not kept (client saturated; kept up with at most ${live.kept_up_rate == null ? '–' : formatRate(live.kept_up_rate)})` : 'kept';
    lines.push(
      `schedule ${kept}: ${formatCount(schedule.late_starts)} arrivals started > ${formatDuration(schedule.late_tolerance_ms)} late, event-loop delay p99 ${formatDuration(schedule.event_loop_delay_ms.p99)}, busy ${busy}`,
    );
  }
  if (redis.cleanup_error !== undefined) lines.push(keysLeftBehind(redis));
  if (redis.memory_model !== undefined) lines.push(redisMemoryLine(redis.memory_model));
  if (run.prediction !== undefined) {
    lines.push(`simulated prediction (${redis.config_applied?.maxmemory_policy ?? ''}): hit rate ${formatPercent(run.prediction.hit_rate)} vs live ${formatPercent(run.metrics.hit_rate)}`);
  }
  if (run.database !== undefined) lines.push(...databaseLines(run.database, run.baseline_source));
  return lines.join('\n');
}

/** A real database: the client's query counts beside pg_stat_statements, where the baseline came from, the table's fate. */
function databaseLines(db: DatabaseView, baselineSource: RunResult['baseline_source']): string[] {
  const c = db.client;
  const missing = postgresServerMissing(db.server, db.server_error);
  const statements = db.server === null ? null : statementsMissing(db.server);
  const server =
    missing !== null
      ? missing
      : statements !== null
        ? `${statements}; xact_commit ${formatCount(db.server!.database.xact_commit)}`
        : `pg_stat_statements: ${statementStatText(db.server, 'read', db.statements.read, c.reads)} reads${db.statements.write === null ? '' : `, ${statementStatText(db.server, 'write', db.statements.write, c.writes)} writes`}`;
  const lines = [
    `postgres ${db.target}: ${formatCount(c.reads)} reads, ${formatCount(c.writes)} writes${c.flushes > 0 ? `, ${formatCount(c.flushes)} batches` : ''} on ${formatCount(db.pool)} connections (${server}), errors ${formatCount(c.errors)}, timeouts ${formatCount(c.timeouts)}`,
  ];
  const baseline = baselineSource === 'live' ? 'measured live (no cache, same workload and rate)' : 'simulated from the measured query latencies';
  const staleness = db.staleness === 'exact' ? 'staleness exact (versions from the rows)' : `staleness unknown: ${db.staleness_note ?? ''}`;
  lines.push(`no-cache baseline ${baseline}; ${staleness}`);
  if (db.first_error !== undefined) lines.push(`first database error: ${db.first_error}`);
  const fate = tableFate(db);
  if (fate !== null) lines.push(fate);
  return lines;
}
