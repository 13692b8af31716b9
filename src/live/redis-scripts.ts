import { createHash } from 'node:crypto';
import type { RedisCommands } from './redis-commands.js';

/**
 * Lua scripts a live run sends (EVALSHA, loaded on first use by ioredis): each touches one key, so they
 * run unchanged on Redis Cluster.
 *
 * fill — KEYS[1] the entry; ARGV[1] the version to store, ARGV[2] the value, ARGV[3] the TTL in ms ('' for
 * none). Stores the value unless the entry holds a newer version (its value starts `<version>:`); returns
 * -1 when it stored, else the newer version it kept (the read-through answer). Its GET counts in Redis's
 * keyspace_hits/misses.
 *
 * unlock — KEYS[1] the lock; ARGV[1] the holder's token. Deletes the lock only while it still holds that
 * token (an expired lock another request took since is left alone); returns 1 when it deleted.
 */
const FILL = `local cur = redis.call('GET', KEYS[1])
if cur then
  local v = tonumber(string.match(cur, '^(%d+):'))
  if v and v > tonumber(ARGV[1]) then return v end
end
if ARGV[3] == '' then redis.call('SET', KEYS[1], ARGV[2]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return -1`;

const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface Script {
  lua: string;
  sha: string;
}

function script(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

const FILL_SCRIPT = script(FILL);
const UNLOCK_SCRIPT = script(UNLOCK);

/**
 * EVALSHA, and EVAL when the server does not know the script yet (NOSCRIPT: first use, a restarted
 * server, another cluster node) — which also caches it there. Not ioredis's defineCommand: its script
 * loading breaks under auto-pipelining ("results[i] is not iterable").
 */
async function evaluate(client: RedisCommands, s: Script, key: string, args: (string | number)[]): Promise<unknown> {
  try {
    return await client.evalsha(s.sha, key, args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(s.lua, key, args);
  }
}

export interface ScriptedClient {
  cachebenchFill(key: string, version: number, value: string, ttlMs: string): Promise<number>;
  cachebenchUnlock(key: string, token: string): Promise<number>;
}

/** The run's scripts on `client`. */
export function scripted(client: RedisCommands): ScriptedClient {
  return {
    cachebenchFill: async (key, version, value, ttlMs) => Number(await evaluate(client, FILL_SCRIPT, key, [version, value, ttlMs])),
    cachebenchUnlock: async (key, token) => Number(await evaluate(client, UNLOCK_SCRIPT, key, [token])),
  };
}
