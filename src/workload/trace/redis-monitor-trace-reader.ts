import type { AccessBatch, Op } from '../access-event.js';
import { BAD_LINE, LineTraceReader } from './line-trace-reader.js';
import {
  expandRedisCommand,
  MALFORMED_COMMAND,
  NOT_AN_ACCESS,
  type RedisAccessSink,
  RedisCommandTable,
} from './redis-commands.js';
import { RedisMonitorLine } from './redis-monitor-line.js';
import type { TraceFile } from './trace-file.js';
import type { TraceReaderSettings, TraceReadStats } from './trace-reader.js';

/**
 * The output of `redis-cli monitor` (redis.io/docs/latest/commands/monitor/), one command per line:
 *
 *   1460100081.165665 [0 127.0.0.1:51706] "set" "key" "value"
 *
 * a unix time in seconds (with microseconds), the database and client in brackets, then the command and
 * its arguments, each double-quoted with C-style escapes as Redis's sdscatrepr writes them (\\ \" \n \r
 * \t \a \b \xHH). The first line, "OK", is redis-cli's reply to MONITOR and is skipped.
 *
 * Commands become accesses as redis-commands.ts says (GET → get, SET → set with its EX/PX TTL, MGET and
 * DEL → one access per key, a hash/list/set read or write → a get or set of its key, …); every other
 * command (PING, INFO, EXPIRE in the future, EVAL, …) is counted in `stats().skippedCommands` and skipped.
 * Times are ms since the first command of the log (MONITOR's are unix times: replayed as they are, a run's
 * time series would start in 1970). The size of a get, or of a write that does not carry the whole value, is
 * the size of the key's last SET-like write seen earlier in the trace, else 1. Keys of every database
 * share one key space.
 */
export class RedisMonitorTraceReader extends LineTraceReader implements RedisAccessSink {
  private readonly monitorLine = new RedisMonitorLine();
  private readonly commands = new RedisCommandTable();
  /** Per key id: 1 + the size of its last write that carried the whole value; 0 unknown. */
  private knownSize = new Int32Array(1024);
  private readonly problemText = { text: '' };
  private sawFirstLine = false;
  /** Unix time (ms) of the first command: time 0. */
  private origin = Number.NaN;
  // The batch the sink writes into, for the line being expanded.
  private batch: AccessBatch | null = null;
  private next = 0;
  private room = 0;
  private written = 0;
  /** Accesses of this line already returned by an earlier read (a line with more keys than a batch). */
  private resumeAt = 0;
  private seen = 0;

  constructor(file: TraceFile, settings: TraceReaderSettings) {
    super(file, settings);
  }

  override stats(): TraceReadStats {
    return { skippedLines: super.stats().skippedLines, skippedCommands: this.commands.skipped() };
  }

  protected parseLine(buf: Buffer, start: number, end: number, batch: AccessBatch, n: number, room: number): number {
    if (start === end) return 0;
    if (!this.sawFirstLine) {
      this.sawFirstLine = true;
      if (end - start === 2 && buf[start] === 0x4f && buf[start + 1] === 0x4b) return 0; // "OK", redis-cli's reply to MONITOR
    }
    const line = this.monitorLine;
    if (!line.parse(buf, start, end)) return this.bad(line.problem);
    if (Number.isNaN(this.origin)) this.origin = line.time;
    line.lowercaseCommand();
    const id = this.commands.id(line.scratch, line.argStart[0], line.argEnd[0]);
    const spec = this.commands.spec(id);
    if (spec === undefined) {
      this.commands.countSkipped(id);
      return 0;
    }
    if (this.resumeAt === 0 && !this.inOrder(line.time)) return BAD_LINE;
    this.batch = batch;
    this.next = n;
    this.room = room;
    this.written = 0;
    this.seen = 0;
    const emitted = expandRedisCommand(spec, line, line.time, this, this.problemText);
    this.batch = null;
    if (emitted === MALFORMED_COMMAND) return this.bad(`${line.text(0)} ${this.problemText.text}`);
    if (emitted === NOT_AN_ACCESS) {
      this.commands.countSkipped(id);
      return 0;
    }
    this.resumeAt = this.lineUnfinished ? this.seen : 0;
    return this.written;
  }

  /** RedisAccessSink: one access of the line being expanded. */
  access(keyArgument: number, op: Op, size: number, ttl: number): boolean {
    if (this.seen < this.resumeAt) {
      this.seen++;
      return true;
    }
    if (this.written === this.room) {
      this.lineUnfinished = true;
      return false;
    }
    const batch = this.batch!;
    const line = this.monitorLine;
    const key = this.interner.internField(line.scratch, line.argStart[keyArgument], line.argEnd[keyArgument]);
    if (key >= this.knownSize.length) {
      const grown = new Int32Array(Math.max(key + 1, this.knownSize.length * 2));
      grown.set(this.knownSize);
      this.knownSize = grown;
    }
    if (size >= 0) this.knownSize[key] = size + 1;
    const i = this.next + this.written;
    batch.time[i] = line.time - this.origin;
    batch.key[i] = key;
    batch.op[i] = op;
    batch.size[i] = size >= 0 ? size : Math.max(1, this.knownSize[key] - 1);
    batch.ttl[i] = ttl;
    this.written++;
    this.seen++;
    return true;
  }

  private bad(problem: string): number {
    this.problem = problem;
    return BAD_LINE;
  }
}
