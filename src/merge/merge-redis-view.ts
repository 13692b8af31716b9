import { deltaUnknownReason, INFO_DELTA_FIELDS, infoDelta } from '../live/redis-info.js';
import type { RedisView } from '../result/run-result.js';

type Delta = RedisView['delta'];
const DELTA_FIELDS = INFO_DELTA_FIELDS;

/**
 * Redis's view of shards that ran against one server, or one cluster. Each shard's INFO delta is
 * server-wide and so already holds the other shards' traffic while they overlapped: the deltas cannot be
 * summed. Counters only grow, so the snapshot with the fewest commands processed is the earliest: the merged
 * delta runs from the earliest shard's INFO before to the latest shard's INFO after, a span that covers every
 * shard's requests (and, as any INFO delta, other clients' traffic meanwhile). Shards against different
 * targets have disjoint deltas, which are summed. The client's own counts are summed: exact.
 */
export function mergeRedisViews(views: readonly RedisView[]): RedisView {
  const first = views[0];
  const targets = distinct(views.map((v) => v.target));
  const afterViews = views.filter((v) => v.info_error === undefined && Object.keys(v.info_after).length > 0);
  const earliest = minBy(views, (v) => commands(v.info_before));
  const latest = afterViews.length > 0 ? maxBy(afterViews, (v) => commands(v.info_after)) : null;
  const sameTarget = targets.length === 1;
  const spanned = sameTarget && latest !== null;
  // Shards that saw different run_ids of one server straddle a restart, whichever two snapshots are compared.
  const runIds = distinct(views.flatMap((v) => [v.info_before.run_id, v.info_after.run_id]).filter((id) => id !== undefined && id !== '').map(String));
  const unknown = spanned
    ? (deltaUnknownReason(earliest.info_before, latest.info_after) ??
      (runIds.length > 1 ? 'Redis restarted while the shards ran (their run_ids differ), so its counters started again from 0' : null))
    : distinct(views.flatMap((v) => (v.delta_unknown === undefined ? [] : [v.delta_unknown]))).join('; ') || null;
  const delta: Delta = spanned
    ? unknown !== null
      ? nullDelta()
      : infoDelta(earliest.info_before, latest.info_after)
    : sumDeltas(views.map((v) => v.delta));
  const infoErrors = views.flatMap((v) => (v.info_error === undefined ? [] : [v.info_error]));
  const cleanupErrors = views.flatMap((v) => (v.cleanup_error === undefined ? [] : [`${v.prefix}: ${v.cleanup_error}`]));
  const cleanupCommands = views.flatMap((v) => (v.cleanup_command === undefined ? [] : [v.cleanup_command]));
  return {
    target: targets.join(', '),
    prefix: distinct(views.map((v) => v.prefix)).join(', '),
    info_before: { ...earliest.info_before },
    info_after: latest === null ? {} : { ...latest.info_after },
    ...(infoErrors.length > 0 ? { info_error: distinct(infoErrors).join('; ') } : {}),
    delta,
    ...(unknown !== null ? { delta_unknown: unknown } : {}),
    client: {
      gets: views.reduce((sum, v) => sum + v.client.gets, 0),
      hits: views.reduce((sum, v) => sum + v.client.hits, 0),
      misses: views.reduce((sum, v) => sum + v.client.misses, 0),
      errors: views.reduce((sum, v) => sum + v.client.errors, 0),
    },
    config_applied: first.config_applied,
    keys_deleted: views.reduce((sum, v) => sum + v.keys_deleted, 0),
    ...(cleanupErrors.length > 0 ? { cleanup_error: cleanupErrors.join('; ') } : {}),
    ...(cleanupCommands.length > 0 ? { cleanup_command: cleanupCommands.join(' && ') } : {}),
  };
}

function nullDelta(): Delta {
  const delta = {} as Delta;
  for (const field of DELTA_FIELDS) delta[field] = null;
  return delta;
}

/** Disjoint targets' deltas added up; unknown (null) when any of them is. */
function sumDeltas(deltas: readonly Delta[]): Delta {
  const sum = {} as Delta;
  for (const field of DELTA_FIELDS) {
    sum[field] = deltas.reduce<number | null>((total, d) => (total === null || d[field] === null ? null : total + d[field]), 0);
  }
  return sum;
}

function commands(info: Record<string, number | string>): number {
  return Number(info.total_commands_processed ?? 0);
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function minBy<T>(items: readonly T[], key: (item: T) => number): T {
  return items.reduce((best, item) => (key(item) < key(best) ? item : best));
}

function maxBy<T>(items: readonly T[], key: (item: T) => number): T {
  return items.reduce((best, item) => (key(item) > key(best) ? item : best));
}
