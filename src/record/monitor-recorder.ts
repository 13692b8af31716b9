import type { Op } from '../workload/access-event.js';
import { OP_DELETE, OP_GET, OP_SET } from '../workload/access-event.js';
import {
  expandRedisCommand,
  MALFORMED_COMMAND,
  NOT_AN_ACCESS,
  type RedisAccessSink,
  RedisCommandTable,
} from '../workload/trace/redis-commands.js';
import { RedisMonitorLine } from '../workload/trace/redis-monitor-line.js';
import type { CanonicalTraceWriter } from './canonical-trace-writer.js';
import type { KeyAnonymizer } from './key-anonymizer.js';

export interface MonitorRecorderOptions {
  /** Unix time in ms (the server's clock) that becomes timestamp 0. */
  originMs: number;
  /** Keep only keys starting with these bytes; null: every key. */
  prefix: Buffer | null;
  /** Replace keys by their keyed hash; null: keep them. */
  anonymizer: KeyAnonymizer | null;
}

/** What a recording captured and left out. */
export interface RecordingCounts {
  requests: number;
  gets: number;
  sets: number;
  deletes: number;
  distinctKeys: number;
  /** Accesses to keys outside --prefix. */
  outsidePrefix: number;
  /** Accesses whose key is not UTF-8 text without line breaks, which a CSV line cannot hold (use --hash-keys). */
  unwritableKeys: number;
  /** MONITOR lines that did not parse, or commands with arguments that do not fit them. */
  malformedLines: number;
  /** Commands that are no cache access (ping, info, expire in the future, …): name → count. */
  skippedCommands: Map<string, number>;
}

/**
 * Turns MONITOR lines into canonical trace requests, with the same command semantics as the
 * `redis-monitor` trace reader (redis-commands.ts), so recording and replaying a MONITOR log agree.
 * Sizes: a write that carries the whole value gives the key's size; a get, or another write, repeats the
 * last size seen for the key, or leaves it empty (the reader's default, 1) when none was seen.
 */
export class MonitorRecorder implements RedisAccessSink {
  private readonly line = new RedisMonitorLine();
  private readonly commands = new RedisCommandTable();
  private readonly problem = { text: '' };
  private readonly knownSizes = new Map<string, number>();
  private lastTimestamp = 0;
  private timestamp = 0;
  private readonly counts = { requests: 0, gets: 0, sets: 0, deletes: 0, outsidePrefix: 0, unwritableKeys: 0, malformedLines: 0 };

  constructor(
    private readonly writer: CanonicalTraceWriter,
    private readonly options: MonitorRecorderOptions,
  ) {}

  /** One line as MONITOR sends it: `1460100081.165665 [0 127.0.0.1:51706] "set" "key" "value"`. */
  record(monitorLine: string | Buffer): void {
    const bytes = typeof monitorLine === 'string' ? Buffer.from(monitorLine, 'utf8') : monitorLine;
    const line = this.line;
    if (!line.parse(bytes, 0, bytes.length)) {
      this.counts.malformedLines++;
      return;
    }
    line.lowercaseCommand();
    const id = this.commands.id(line.scratch, line.argStart[0], line.argEnd[0]);
    const spec = this.commands.spec(id);
    if (spec === undefined) {
      this.commands.countSkipped(id);
      return;
    }
    // MONITOR lines arrive in execution order; clamping keeps the trace's timestamps non-decreasing.
    this.timestamp = Math.max(this.lastTimestamp, line.time - this.options.originMs);
    this.lastTimestamp = this.timestamp;
    const emitted = expandRedisCommand(spec, line, line.time, this, this.problem);
    if (emitted === MALFORMED_COMMAND) this.counts.malformedLines++;
    else if (emitted === NOT_AN_ACCESS) this.commands.countSkipped(id);
  }

  /** RedisAccessSink: writes one request. */
  access(keyArgument: number, op: Op, size: number, ttl: number): boolean {
    const line = this.line;
    const start = line.argStart[keyArgument];
    const end = line.argEnd[keyArgument];
    const prefix = this.options.prefix;
    if (prefix !== null && (end - start < prefix.length || prefix.compare(line.scratch, start, start + prefix.length) !== 0)) {
      this.counts.outsidePrefix++;
      return true;
    }
    const keyBytes = line.scratch.subarray(start, end);
    let key: string;
    if (this.options.anonymizer !== null) {
      key = this.options.anonymizer.anonymize(keyBytes);
    } else {
      key = keyBytes.toString('utf8');
      if (/[\r\n]/.test(key) || !Buffer.from(key, 'utf8').equals(keyBytes)) {
        this.counts.unwritableKeys++;
        return true;
      }
    }
    // Per key: its last known size, or −1 when it was seen without one.
    const seen = this.knownSizes.get(key) ?? -1;
    if (size >= 0) this.knownSizes.set(key, size);
    else if (seen < 0) this.knownSizes.set(key, -1);
    const knownSize = op === OP_DELETE ? null : size >= 0 ? size : seen >= 0 ? seen : null;
    this.writer.write(this.timestamp, key, op, knownSize, ttl > 0 ? ttl : null);
    this.counts.requests++;
    if (op === OP_GET) this.counts.gets++;
    else if (op === OP_SET) this.counts.sets++;
    else this.counts.deletes++;
    return true;
  }

  summary(): RecordingCounts {
    return { ...this.counts, distinctKeys: this.knownSizes.size, skippedCommands: this.commands.skipped() };
  }
}
