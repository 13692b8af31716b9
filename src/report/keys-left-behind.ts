import type { RedisView } from '../result/run-result.js';

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
