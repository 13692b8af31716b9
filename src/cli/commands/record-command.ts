import { InputError, RunFailure } from '../../errors.js';
import { parseRedisAddress, type RedisAddress, redactPasswords } from '../../live/redis-address.js';
import { RespConnection } from '../../live/resp-connection.js';
import { RespError, type RespValue } from '../../live/resp-reader.js';
import { CanonicalTraceWriter } from '../../record/canonical-trace-writer.js';
import { KeyAnonymizer } from '../../record/key-anonymizer.js';
import { MonitorRecorder, type RecordingCounts } from '../../record/monitor-recorder.js';
import { parseDuration, UnitError } from '../../scenario/units.js';
import { OutputFile } from '../output-file.js';
import type { Terminal } from '../terminal.js';
import { echoInput } from '../../report/display-text.js';

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
 * runs for a while (MONITOR) and writes the cache accesses among them as a canonical CSV trace, with the
 * command semantics of the `redis-monitor` reader. MONITOR is read on a connection of its own with our own
 * RESP reader: a client library's command queue mistakes the stream of a busy server for replies (ioredis's
 * "Command queue state error"). Exit 2 for bad flags, 3 when the server cannot be reached within the connect
 * timeout, refuses the password or MONITOR, or goes away during the recording (the trace then holds what
 * came before).
 */
export async function recordCommand(input: RecordOptionsInput, terminal: Terminal): Promise<number> {
  const durationMs = durationFlag('--duration', input.duration);
  const connectTimeoutMs = durationFlag('--connect-timeout', input.connectTimeout);
  const server = parseRedisAddress(input.redis, '--redis');
  if (input.hashSalt !== undefined && !input.hashKeys) throw new InputError('--hash-salt applies only with --hash-keys');
  const anonymizer = input.hashKeys
    ? input.hashSalt !== undefined
      ? KeyAnonymizer.withSalt(input.hashSalt)
      : KeyAnonymizer.withRandomSalt()
    : null;
  // Checked now (a bad path fails before anything is captured); the trace replaces the file only when the recording ends.
  const output = OutputFile.open('--out', input.out).begin();
  const writer = new CanonicalTraceWriter(output);
  let committed = false;

  terminal.stderr(
    'cachebench: warning: MONITOR sends every command the server runs to this client as well; on a busy server it can halve throughput (redis.io/docs/latest/commands/monitor/). Record briefly, off-peak, or on a replica.\n',
  );
  let connection: RespConnection | null = null;
  let flushTimer: NodeJS.Timeout | null = null;
  let durationTimer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  try {
    connection = await RespConnection.open(server, { connectTimeoutMs });
    // A write that fails (a full disk) ends the recording early; it is thrown below, not from a timer.
    let writeFailure: unknown = null;
    let stopWaiting: (reason: Error | null) => void = () => {};
    const guarded = (write: () => void) => {
      if (writeFailure !== null) return;
      try {
        write();
      } catch (error) {
        writeFailure = error;
        stopWaiting(null);
      }
    };
    const recorder = await startMonitor(connection, server, connectTimeoutMs, guarded, (originMs) => {
      return new MonitorRecorder(writer, {
        originMs,
        prefix: input.prefix === undefined ? null : Buffer.from(input.prefix, 'utf8'),
        anonymizer,
      });
    });
    terminal.stderr(`cachebench: recording ${server.display} for ${formatSeconds(durationMs)} into ${input.out} …\n`);
    flushTimer = setInterval(() => guarded(() => writer.flush()), FLUSH_INTERVAL_MS);
    const startedMs = performance.now();
    let interrupted = false;
    // Ends at --duration, or earlier: Ctrl-C, a failed write, or the server going away (the connection's end is then the reason).
    const ended = await new Promise<Error | null>((resolve) => {
      stopWaiting = resolve;
      durationTimer = setTimeout(() => resolve(null), durationMs);
      connection?.onEnd((error) => resolve(error));
      unsubscribe = terminal.onInterrupt?.(() => {
        interrupted = true;
        resolve(null);
      });
    });
    connection.close();
    connection = null;
    if (writeFailure !== null) throw writeFailure;
    writer.close();
    output.commit();
    committed = true;
    const recordedMs = ended === null && !interrupted ? durationMs : Math.round(performance.now() - startedMs);
    terminal.stdout(renderSummary(recorder.summary(), recordedMs, input.out, anonymizer));
    if (ended !== null) {
      throw new RunFailure(
        `the connection to ${server.display} ended during the recording (${server.hostPort}: ${redact(ended.message, server)}); ${input.out} holds what was recorded until then`,
      );
    }
    if (interrupted) {
      terminal.stderr(`cachebench: recording interrupted after ${formatSeconds(recordedMs)}; what was recorded is in ${input.out}\n`);
      return 130;
    }
    return 0;
  } finally {
    unsubscribe?.();
    clearTimeout(durationTimer);
    if (flushTimer !== null) clearInterval(flushTimer);
    connection?.close();
    if (!committed) {
      // Nothing, or not all of it, was recorded: the file keeps what it held (or is never created).
      writer.abandon();
      output.discard();
    }
  }
}

/**
 * TIME (the server's clock becomes timestamp 0), then MONITOR; from its +OK on, every line goes to the
 * recorder. Both replies must come within the connect timeout.
 */
async function startMonitor(
  connection: RespConnection,
  server: RedisAddress,
  timeoutMs: number,
  guarded: (write: () => void) => void,
  createRecorder: (originMs: number) => MonitorRecorder,
): Promise<MonitorRecorder> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RunFailure(`Redis at ${server.display} did not answer TIME and MONITOR within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    const time = await Promise.race([connection.command(['TIME']), deadline]);
    if (!Array.isArray(time) || time.length !== 2) throw new Error(`TIME was answered with ${describe(time)}`);
    const originMs = Number(String(time[0])) * 1000 + Number(String(time[1])) / 1000;
    const recorder = createRecorder(originMs);
    // Set before MONITOR is sent: the lines that follow its +OK in the same packet are not lost. Simple
    // strings are latin1, a character per byte: back to the exact bytes Redis sent.
    connection.streamTo((line) => {
      if (typeof line === 'string') guarded(() => recorder.record(Buffer.from(line, 'latin1')));
    });
    const reply = await Promise.race([connection.command(['MONITOR']), deadline]);
    if (reply !== 'OK') throw new Error(`MONITOR was answered with ${describe(reply)}`);
    return recorder;
  } catch (error) {
    if (error instanceof RunFailure) throw error;
    throw new RunFailure(`Redis at ${server.display} refused MONITOR: ${redact((error as Error).message, server)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** A reply as a message quotes it. */
function describe(value: RespValue): string {
  if (value instanceof RespError) return value.message;
  return JSON.stringify(Buffer.isBuffer(value) ? value.toString('latin1') : value).slice(0, 60);
}

function redact(message: string, server: RedisAddress): string {
  return redactPasswords(message, [server]);
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

function renderSummary(counts: RecordingCounts, durationMs: number, out: string, anonymizer: KeyAnonymizer | null): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const lines = [
    `recorded ${n(counts.requests)} requests (${n(counts.gets)} gets, ${n(counts.sets)} sets, ${n(counts.deletes)} deletes) over ${n(counts.distinctKeys)} keys in ${formatSeconds(durationMs)} to ${out}`,
  ];
  if (counts.skippedCommands.size > 0) {
    const total = [...counts.skippedCommands.values()].reduce((a, b) => a + b, 0);
    const top = [...counts.skippedCommands].slice(0, 10).map(([name, count]) => `${echoInput(name, 40)} ${n(count)}`); // names from the traffic: escaped
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
