import type { DatabaseView, RedisView } from '../result/run-result.js';

/**
 * A live run whose cleanup failed: which keys may remain, why, and the command that deletes them. Empty when
 * the cleanup succeeded.
 */
export function keysLeftBehind(redis: Pick<RedisView, 'prefix' | 'target' | 'cleanup_error' | 'cleanup_command'>): string {
  if (redis.cleanup_error === undefined) return '';
  const command = redis.cleanup_command;
  const how =
    command === undefined
      ? ''
      : `; delete them with: ${command}${command.includes(':***@') ? '   (put the password in place of ***)' : ''}`;
  return `the keys under ${redis.prefix} on ${redis.target} may remain (cleanup failed: ${redis.cleanup_error})${how}`;
}

/** A live run whose table could not be dropped: which, why, and the command that drops it. Empty when it was. */
export function tableLeftBehind(database: Pick<DatabaseView, 'table' | 'target' | 'cleanup_error' | 'cleanup_command'>): string {
  if (database.cleanup_error === undefined || database.table === null) return '';
  const command = database.cleanup_command;
  const how = command === undefined ? '' : `; drop it with: ${command}${command.includes(':***@') ? '   (put the password in place of ***)' : ''}`;
  return `the table ${database.table} on ${database.target} may remain (DROP TABLE failed: ${database.cleanup_error})${how}`;
}
