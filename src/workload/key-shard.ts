import { InputError } from '../errors.js';

/**
 * This process's part of a workload split across machines (`run --shard index/count`): the requests
 * whose key hashes to `index`. Shards are numbered from 0, like Kubernetes' JOB_COMPLETION_INDEX.
 */
export interface ShardSpec {
  index: number;
  count: number;
}

/** Most shards a run can be split into (far beyond any fleet of load generators; keeps the flag sane). */
export const MAX_SHARDS = 65_536;

/** Machines (`--shard`) and a live run's worker threads split keys with different salts, so that a machine's keys still spread over its threads. */
export const MACHINE_SALT = 0x5bd1e995;
export const THREAD_SALT = 0;

/**
 * The shard a key id belongs to: murmur3's 32-bit finaliser over the id (Appleby, MurmurHash3 fmix32),
 * reduced modulo `count`. Ids of a synthetic workload are dense (0, 1, 2, … by popularity rank for Zipf),
 * so a plain `id mod count` would hand one shard all the hottest keys; the mixer spreads them evenly.
 * Pure integer arithmetic: the same on every machine and every Node.js version.
 */
export function shardOfKey(key: number, count: number, salt = MACHINE_SALT): number {
  let h = key ^ salt;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) % count;
}

/** `--shard i/N` → { index: i, count: N }; an InputError (exit 2) explains any other form. */
export function parseShard(text: string, flag = '--shard'): ShardSpec {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (match === null) {
    throw new InputError(`${flag} ${text}: expected index/count, e.g. 0/4 (shards are numbered from 0 to count − 1)`);
  }
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (!(count >= 1 && count <= MAX_SHARDS)) {
    throw new InputError(`${flag} ${text}: the count must be between 1 and ${MAX_SHARDS}, got ${match[2]}`);
  }
  if (index >= count) {
    throw new InputError(
      `${flag} ${text}: the index must be 0 to ${count - 1} (shards are numbered from 0, as Kubernetes' JOB_COMPLETION_INDEX), got ${match[1]}`,
    );
  }
  return { index, count };
}

/** `2/4` */
export function formatShard(shard: ShardSpec): string {
  return `${shard.index}/${shard.count}`;
}
