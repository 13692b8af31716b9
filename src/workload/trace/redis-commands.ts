import { KeyInterner } from './key-interner.js';
import { OP_DELETE, OP_GET, OP_SET, type Op } from '../access-event.js';

/**
 * What a Redis command does to a cache's view of its keys — shared by the `redis-monitor` trace reader
 * and `cachebench record`, so a recorded trace and a replayed MONITOR log mean the same thing. Command
 * semantics from the Redis command reference (redis.io/docs/latest/commands/).
 *
 * A cache sees objects, so a data structure is one object: reading any part of a hash, list, set or sorted
 * set is a get of its key, and changing any part is a set of it (which invalidates a cached copy). Only
 * commands that carry the whole new value (SET, SETNX, SETEX, PSETEX, GETSET, MSET, MSETNX) tell the
 * object's size; the others leave it to the caller (the last size seen for the key).
 */
export const RedisAccess = {
  /** A get of the key in argument 1. */
  Read: 0,
  /** A get of every argument (MGET). */
  ReadEach: 1,
  /** A set of the key in argument 1 (value, TTL: see `value` and `ttl`). */
  Write: 2,
  /** A set of every key of key/value pairs (MSET, MSETNX). */
  WritePairs: 3,
  /** A delete of every argument (DEL, UNLINK). */
  DeleteEach: 4,
  /** A get, then a delete, of argument 1 (GETDEL). */
  ReadThenDelete: 5,
  /** EXPIRE-like: a delete of argument 1 when the expiry is now or past, else no access (see below). */
  Expire: 6,
} as const;
export type RedisAccess = (typeof RedisAccess)[keyof typeof RedisAccess];

/** Where a write's TTL comes from. */
export const TtlSource = {
  None: 0,
  /** SET's options: EX s | PX ms | EXAT unix-s | PXAT unix-ms (KEEPTTL, NX, XX, GET change nothing here). */
  SetOptions: 1,
  /** Argument 2 in seconds (SETEX). */
  SecondsArgument: 2,
  /** Argument 2 in milliseconds (PSETEX). */
  MillisecondsArgument: 3,
} as const;
export type TtlSource = (typeof TtlSource)[keyof typeof TtlSource];

/** EXPIRE's argument: relative or absolute, seconds or milliseconds. */
export const ExpiryKind = {
  Seconds: 0,
  Milliseconds: 1,
  UnixSeconds: 2,
  UnixMilliseconds: 3,
} as const;
export type ExpiryKind = (typeof ExpiryKind)[keyof typeof ExpiryKind];

export interface RedisCommandSpec {
  access: RedisAccess;
  /** Write: the argument holding the whole new value (its length is the size), or −1. */
  value: number;
  ttl: TtlSource;
  expiry: ExpiryKind;
}

const read = (): RedisCommandSpec => ({ access: RedisAccess.Read, value: -1, ttl: TtlSource.None, expiry: ExpiryKind.Seconds });
const write = (value = -1, ttl: TtlSource = TtlSource.None): RedisCommandSpec => ({
  access: RedisAccess.Write,
  value,
  ttl,
  expiry: ExpiryKind.Seconds,
});
const of = (access: RedisAccess, expiry: ExpiryKind = ExpiryKind.Seconds): RedisCommandSpec => ({
  access,
  value: -1,
  ttl: TtlSource.None,
  expiry,
});

const READS = [
  'get',
  'getex',
  'getrange',
  'substr',
  'strlen',
  'hget',
  'hmget',
  'hgetall',
  'hkeys',
  'hvals',
  'hlen',
  'hexists',
  'hstrlen',
  'hrandfield',
  'lrange',
  'lindex',
  'llen',
  'lpos',
  'smembers',
  'sismember',
  'smismember',
  'scard',
  'srandmember',
  'zrange',
  'zrangebyscore',
  'zrevrange',
  'zrevrangebyscore',
  'zrangebylex',
  'zrevrangebylex',
  'zscore',
  'zmscore',
  'zcard',
  'zcount',
  'zlexcount',
  'zrank',
  'zrevrank',
];
/** Writes that change part of the object or derive it from the old one: the size is not in the command. */
const PARTIAL_WRITES = [
  'append',
  'setrange',
  'incr',
  'decr',
  'incrby',
  'decrby',
  'incrbyfloat',
  'hset',
  'hsetnx',
  'hmset',
  'hdel',
  'hincrby',
  'hincrbyfloat',
  'lpush',
  'rpush',
  'lpushx',
  'rpushx',
  'lpop',
  'rpop',
  'lset',
  'lrem',
  'ltrim',
  'linsert',
  'sadd',
  'srem',
  'spop',
  'zadd',
  'zrem',
  'zincrby',
  'zpopmin',
  'zpopmax',
  'zremrangebyscore',
  'zremrangebyrank',
  'zremrangebylex',
];

/** Lowercase command name → what it does; a command not here is counted and skipped. */
export const REDIS_COMMANDS: ReadonlyMap<string, RedisCommandSpec> = new Map<string, RedisCommandSpec>([
  ...READS.map((name): [string, RedisCommandSpec] => [name, read()]),
  ...PARTIAL_WRITES.map((name): [string, RedisCommandSpec] => [name, write()]),
  ['mget', of(RedisAccess.ReadEach)],
  ['set', write(2, TtlSource.SetOptions)],
  ['setnx', write(2)],
  ['getset', write(2)],
  ['setex', write(3, TtlSource.SecondsArgument)],
  ['psetex', write(3, TtlSource.MillisecondsArgument)],
  ['mset', of(RedisAccess.WritePairs)],
  ['msetnx', of(RedisAccess.WritePairs)],
  ['del', of(RedisAccess.DeleteEach)],
  ['unlink', of(RedisAccess.DeleteEach)],
  ['getdel', of(RedisAccess.ReadThenDelete)],
  ['expire', of(RedisAccess.Expire, ExpiryKind.Seconds)],
  ['pexpire', of(RedisAccess.Expire, ExpiryKind.Milliseconds)],
  ['expireat', of(RedisAccess.Expire, ExpiryKind.UnixSeconds)],
  ['pexpireat', of(RedisAccess.Expire, ExpiryKind.UnixMilliseconds)],
]);

/** A command's arguments (index 0 is the command name), however they are stored. */
export interface RedisArguments {
  readonly count: number;
  /** Length of argument i in bytes. */
  byteLength(i: number): number;
  /** Argument i as a decimal number (a sign allowed), or NaN. */
  number(i: number): number;
  /** Whether argument i is `lowercase` in any letter case. */
  is(i: number, lowercase: string): boolean;
}

/** Receives the accesses of one command, in order; returns false to stop (no room left). */
export interface RedisAccessSink {
  /** `size`: bytes when the command tells, −1 when not; `ttl`: ms, 0 for none. */
  access(keyArgument: number, op: Op, size: number, ttl: number): boolean;
}

/** expandRedisCommand's result when the command is valid but is no access (e.g. EXPIRE in the future). */
export const NOT_AN_ACCESS = -1;
/** expandRedisCommand's result when the arguments do not fit the command; `problem` says why. */
export const MALFORMED_COMMAND = -2;

/**
 * Turns one command into accesses, handed to `sink` in order: returns how many it handed over, or
 * NOT_AN_ACCESS, or MALFORMED_COMMAND. `nowMs` (the command's unix time in ms) resolves absolute expiry
 * times. Semantics beyond the table above:
 *
 * - SET … EX/PX/EXAT/PXAT: the TTL in ms (absolute times minus now); SETEX/PSETEX likewise. A TTL that is
 *   already over (≤ 0) makes the write a delete: Redis stores nothing.
 * - EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT: with a time at or before now Redis deletes the key, so a delete;
 *   otherwise no access (the value does not change, and the event model has no "re-time" operation), and
 *   the command is counted among the skipped ones.
 */
export function expandRedisCommand(
  spec: RedisCommandSpec,
  args: RedisArguments,
  nowMs: number,
  sink: RedisAccessSink,
  problem: { text: string },
): number {
  const count = args.count;
  switch (spec.access) {
    case RedisAccess.Read:
      if (count < 2) return malformed(problem, 'a key');
      sink.access(1, OP_GET, -1, 0);
      return 1;
    case RedisAccess.ReadEach: {
      if (count < 2) return malformed(problem, 'at least one key');
      let emitted = 0;
      for (let i = 1; i < count; i++) {
        if (!sink.access(i, OP_GET, -1, 0)) break;
        emitted++;
      }
      return emitted;
    }
    case RedisAccess.DeleteEach: {
      if (count < 2) return malformed(problem, 'at least one key');
      let emitted = 0;
      for (let i = 1; i < count; i++) {
        if (!sink.access(i, OP_DELETE, -1, 0)) break;
        emitted++;
      }
      return emitted;
    }
    case RedisAccess.WritePairs: {
      if (count < 3 || count % 2 === 0) return malformed(problem, 'key value pairs');
      let emitted = 0;
      for (let i = 1; i < count; i += 2) {
        if (!sink.access(i, OP_SET, args.byteLength(i + 1), 0)) break;
        emitted++;
      }
      return emitted;
    }
    case RedisAccess.ReadThenDelete:
      if (count < 2) return malformed(problem, 'a key');
      if (sink.access(1, OP_GET, -1, 0)) return sink.access(1, OP_DELETE, -1, 0) ? 2 : 1;
      return 0;
    case RedisAccess.Expire: {
      if (count < 3) return malformed(problem, 'a key and a time');
      const value = args.number(2);
      if (Number.isNaN(value)) return malformed(problem, 'a key and a time (an integer)');
      const left = expiryLeft(spec.expiry, value, nowMs);
      if (left > 0) return NOT_AN_ACCESS;
      sink.access(1, OP_DELETE, -1, 0);
      return 1;
    }
    case RedisAccess.Write: {
      const needed = Math.max(2, spec.value + 1);
      if (count < needed)
        return malformed(problem, spec.value > 0 ? `a key and a value${spec.value > 2 ? ' after the time' : ''}` : 'a key');
      let ttl = 0;
      if (spec.ttl === TtlSource.SecondsArgument || spec.ttl === TtlSource.MillisecondsArgument) {
        const value = args.number(2);
        if (Number.isNaN(value)) return malformed(problem, 'a key, a time (an integer) and a value');
        ttl = spec.ttl === TtlSource.SecondsArgument ? value * 1000 : value;
        if (ttl <= 0) ttl = -1;
      } else if (spec.ttl === TtlSource.SetOptions) {
        for (let i = 3; i < count; i++) {
          let kind: ExpiryKind | -1 = -1;
          if (args.is(i, 'ex')) kind = ExpiryKind.Seconds;
          else if (args.is(i, 'px')) kind = ExpiryKind.Milliseconds;
          else if (args.is(i, 'exat')) kind = ExpiryKind.UnixSeconds;
          else if (args.is(i, 'pxat')) kind = ExpiryKind.UnixMilliseconds;
          if (kind === -1) continue;
          const value = args.number(i + 1);
          if (Number.isNaN(value)) return malformed(problem, 'an integer after EX, PX, EXAT or PXAT');
          ttl = expiryLeft(kind, value, nowMs);
          if (ttl <= 0) ttl = -1;
          i++;
        }
      }
      const size = spec.value > 0 ? args.byteLength(spec.value) : -1;
      if (ttl < 0) sink.access(1, OP_DELETE, -1, 0);
      else sink.access(1, OP_SET, size, ttl);
      return 1;
    }
  }
}

/** Milliseconds from now until an expiry given the EXPIRE way. */
function expiryLeft(kind: ExpiryKind, value: number, nowMs: number): number {
  switch (kind) {
    case ExpiryKind.Seconds:
      return value * 1000;
    case ExpiryKind.Milliseconds:
      return value;
    case ExpiryKind.UnixSeconds:
      return value * 1000 - nowMs;
    case ExpiryKind.UnixMilliseconds:
      return value - nowMs;
  }
}

function malformed(problem: { text: string }, needs: string): number {
  problem.text = `needs ${needs}`;
  return MALFORMED_COMMAND;
}

/**
 * Command names → specs by id, without making a string per command: names are interned from their
 * (lowercased) bytes, the known ones first, in table order. Also counts the commands that are skipped.
 */
export class RedisCommandTable {
  private readonly names = new KeyInterner();
  private readonly specs: RedisCommandSpec[] = [];
  private readonly skippedCounts: number[] = [];

  constructor() {
    for (const [name, spec] of REDIS_COMMANDS) {
      const bytes = Buffer.from(name, 'latin1');
      this.names.internBytes(bytes, 0, bytes.length);
      this.specs.push(spec);
    }
  }

  /** The id of the lowercase command name in bytes[start, end). */
  id(bytes: Uint8Array, start: number, end: number): number {
    return this.names.internBytes(bytes, start, end);
  }

  /** The spec of a known command, or undefined for one that is no cache access. */
  spec(id: number): RedisCommandSpec | undefined {
    return this.specs[id];
  }

  name(id: number): string {
    return this.names.keyName(id);
  }

  countSkipped(id: number): void {
    while (this.skippedCounts.length <= id) this.skippedCounts.push(0);
    this.skippedCounts[id]++;
  }

  /** Skipped commands so far: lowercase name → count, most frequent first. */
  skipped(): Map<string, number> {
    const entries: [string, number][] = [];
    this.skippedCounts.forEach((count, id) => {
      if (count > 0) entries.push([this.names.keyName(id), count]);
    });
    return new Map(entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  }
}
