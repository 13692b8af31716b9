import { Redis } from 'ioredis';
import { InputError, RunFailure } from '../../errors.js';
import { CanonicalTraceWriter } from '../../record/canonical-trace-writer.js';
import { KeyAnonymizer } from '../../record/key-anonymizer.js';
import { MonitorRecorder, type RecordingCounts } from '../../record/monitor-recorder.js';
import { parseDuration, UnitError } from '../../scenario/units.js';
import type { Terminal } from '../terminal.js';

/** The options as commander hands them over. */
export interface RecordOptionsInput {
  redis: string;
  duration: string;
  out: string;
  hashKeys?: boolean;
  hashSalt?: string;
  prefix?: string;
  connectTimeout: string;
}

/** Flushes buffered requests at least this often, so an interrupted recording keeps nearly everything. */
const FLUSH_INTERVAL_MS = 500;

/**
 * `cachebench record --redis <url> --duration 30s --out trace.csv`: captures every command a Redis server
 * runs for a while (MONITOR, through ioredis) and writes the cache accesses among them as a canonical
 * CSV trace, with the command semantics of the `redis-monitor` reader. Exit 2 for bad flags, 3 when the
 * server cannot be reached within the connect timeout or refuses MONITOR.
 */
export async function recordCommand(input: RecordOptionsInput, terminal: Terminal): Promise<number> {
  const durationMs = durationFlag('--duration', input.duration);
  const connectTimeoutMs = durationFlag('--connect-timeout', input.connectTimeout);
  const server = parseRedisUrl(input.redis);
  if (input.hashSalt !== undefined && !input.hashKeys) throw new InputError('--hash-salt applies only with --hash-keys');
  const anonymizer = input.hashKeys
    ? input.hashSalt !== undefined
      ? KeyAnonymizer.withSalt(input.hashSalt)
      : KeyAnonymizer.withRandomSalt()
    : null;
  const writer = new CanonicalTraceWriter(input.out);

  terminal.stderr(
    'cachebench: warning: MONITOR sends every command the server runs to this client as well; on a busy server it can halve throughput (redis.io/docs/latest/commands/monitor/). Record briefly, off-peak, or on a replica.\n',
  );
  const redis = new Redis(input.redis, {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    // One attempt: an unreachable server is a clear failure now, not a reconnect loop.
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    // How long a closing socket may linger before it is destroyed (ioredis's 2 s would delay the exit).
    disconnectTimeout: 200,
  });
  // Without a listener ioredis would log connection errors itself; the first one says why connecting failed
  // (ECONNREFUSED, ETIMEDOUT, WRONGPASS), where the rejected connect() only says "Connection is closed".
  let connectionError: Error | null = null;
  redis.on('error', (error: Error) => {
    connectionError ??= error;
  });
  let monitor: Redis | null = null;
  let flushTimer: NodeJS.Timeout | null = null;
  try {
    try {
      await redis.connect();
    } catch (error) {
      writer.abandon();
      const cause = (connectionError ?? (error as Error)).message;
      throw new RunFailure(`cannot connect to Redis at ${server.display}: ${server.redact(cause)}`);
    }
    let originMs: number;
    try {
      const [seconds, micros] = await redis.time();
      originMs = Number(seconds) * 1000 + Number(micros) / 1000;
      monitor = await redis.monitor();
    } catch (error) {
      throw new RunFailure(`Redis at ${server.display} refused MONITOR: ${server.redact((error as Error).message)}`);
    }
    monitor.on('error', () => {});
    const recorder = new MonitorRecorder(writer, {
      originMs,
      prefix: input.prefix === undefined ? null : Buffer.from(input.prefix, 'utf8'),
      anonymizer,
    });
    monitor.on('monitor', (time: string, args: string[], source: string, database: string) => {
      recorder.record(monitorLine(time, args, source, database));
    });
    terminal.stderr(`cachebench: recording ${server.display} for ${formatSeconds(durationMs)} into ${input.out} …\n`);
    flushTimer = setInterval(() => writer.flush(), FLUSH_INTERVAL_MS);
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    monitor.disconnect();
    monitor = null;
    writer.close();
    terminal.stdout(renderSummary(recorder.summary(), durationMs, input.out, anonymizer));
    return 0;
  } finally {
    if (flushTimer !== null) clearInterval(flushTimer);
    monitor?.disconnect();
    redis.disconnect();
    writer.close();
  }
}

/**
 * The MONITOR line ioredis parsed the arguments out of. ioredis splits the line on `" "` and turns `\"`
 * back into `"`, leaving every other escape as Redis wrote it; re-escaping the quotes and joining undoes
 * exactly that, so the line is parsed once, by the same code as a `redis-cli monitor` log.
 */
export function monitorLine(time: string, args: string[], source: string, database: string): string {
  return `${time} [${database} ${source}] "${args.map((arg) => arg.replace(/"/g, '\\"')).join('" "')}"`;
}

function durationFlag(flag: string, value: string): number {
  try {
    const ms = parseDuration(value);
    if (ms > 0) return ms;
    throw new UnitError('a positive duration like 30s or 5m', value);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`${flag}: ${error.message}`);
    throw error;
  }
}

/** The server as it may be shown (user and password masked), and a redactor for messages. */
function parseRedisUrl(text: string): { display: string; redact: (message: string) => string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError('--redis: expected a URL like redis://host:6379 (or rediss:// for TLS)');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new InputError(`--redis: expected a redis:// or rediss:// URL; got a ${url.protocol.replace(/:$/, '')}:// one`);
  }
  const password = decodeURIComponent(url.password);
  const display = `${url.protocol}//${url.password !== '' ? `${url.username}:***@` : ''}${url.host}${url.pathname.length > 1 ? url.pathname : ''}`;
  return {
    display,
    redact: (message) => (password === '' ? message : message.split(password).join('***')),
  };
}

function renderSummary(counts: RecordingCounts, durationMs: number, out: string, anonymizer: KeyAnonymizer | null): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const lines = [
    `recorded ${n(counts.requests)} requests (${n(counts.gets)} gets, ${n(counts.sets)} sets, ${n(counts.deletes)} deletes) over ${n(counts.distinctKeys)} keys in ${formatSeconds(durationMs)} to ${out}`,
  ];
  if (counts.skippedCommands.size > 0) {
    const total = [...counts.skippedCommands.values()].reduce((a, b) => a + b, 0);
    const top = [...counts.skippedCommands].slice(0, 10).map(([name, count]) => `${name} ${n(count)}`);
    lines.push(
      `skipped ${n(total)} commands that are no cache access: ${top.join(', ')}${counts.skippedCommands.size > 10 ? ', …' : ''}`,
    );
  }
  if (counts.outsidePrefix > 0) lines.push(`left out ${n(counts.outsidePrefix)} accesses to keys outside the prefix`);
  if (counts.unwritableKeys > 0)
    lines.push(
      `left out ${n(counts.unwritableKeys)} accesses to keys that are not one line of UTF-8 text (--hash-keys records them)`,
    );
  if (counts.malformedLines > 0) lines.push(`left out ${n(counts.malformedLines)} MONITOR lines that did not parse`);
  if (anonymizer !== null)
    lines.push(
      `keys are hashed with salt ${anonymizer.saltHex} (keep it private; --hash-salt ${anonymizer.saltHex} hashes the same keys the same way)`,
    );
  return `${lines.join('\n')}\n`;
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${ms} ms`;
}
