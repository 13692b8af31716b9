import { InputError } from '../errors.js';
import { measuredRedisMemory } from '../result/result-file.js';
import { SCENARIO_DEFAULTS } from '../scenario/defaults.js';
import type { RedisMemorySpec } from '../scenario/scenario.js';

/**
 * `analyze --memory-model` (and the API's `memoryModel`): `values` (null: a capacity in bytes counts
 * values), `redis` (Redis memory with Redis 7.0's measured constants, as `cache.memory_model: redis`), or
 * the JSON result of a live run with --allow-config, whose measured `redis.memory_model` gives the
 * constants. `keyBytes` sets the length of a key's name (a trace's keys are the user's own). `names` are
 * the option names errors use.
 */
export function analysisMemoryModel(model: string, keyBytes: number | undefined, names: { model: string; keyBytes: string }): RedisMemorySpec | null {
  if (model === 'values') {
    if (keyBytes !== undefined) throw new InputError(`${names.keyBytes} applies to Redis memory: give ${names.model} redis (or a live run's result) with it`);
    return null;
  }
  let constants = SCENARIO_DEFAULTS.redisMemory as Omit<RedisMemorySpec, 'type' | 'from'>;
  if (model !== 'redis') {
    try {
      constants = measuredRedisMemory(model);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      throw new InputError(`${names.model}: ${error.message}; give values, redis, or the JSON result of a live run with --allow-config`);
    }
  }
  if (keyBytes !== undefined && !(Number.isInteger(keyBytes) && keyBytes >= 1)) {
    throw new InputError(`${names.keyBytes}: the length of a key's name, a whole number of bytes ≥ 1; got ${keyBytes}`);
  }
  return { type: 'redis', ...constants, ...(keyBytes === undefined ? {} : { key_bytes: keyBytes }), from: model === 'redis' ? null : model };
}
