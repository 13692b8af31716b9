import { parseDecimal } from './line-trace-reader.js';
import type { RedisArguments } from './redis-commands.js';

/**
 * One line of MONITOR output, parsed in place (redis.io/docs/latest/commands/monitor/):
 *
 *   1460100081.165665 [0 127.0.0.1:51706] "set" "key" "value"
 *
 * a unix time in seconds (with microseconds), the database and client in brackets (`[0 lua]` for a
 * script's commands), then the command and its arguments, each double-quoted with the C-style escapes of
 * Redis's sdscatrepr (\\ \" \n \r \t \a \b \xHH). The arguments are unescaped into a reused buffer, so
 * keys keep their exact bytes and nothing is allocated per line. Shared by the trace reader and
 * `cachebench record`.
 */
export class RedisMonitorLine implements RedisArguments {
  /** Unix time of the command, in ms. */
  time = 0;
  /** Number of arguments, the command name included. */
  count = 0;
  /** Why parse() returned false. */
  problem = '';
  /** Argument i is scratch[argStart[i], argEnd[i]). */
  scratch = Buffer.allocUnsafe(1024);
  argStart = new Int32Array(16);
  argEnd = new Int32Array(16);

  /** Parses the line bytes [start, end); false with `problem` set when it is not a MONITOR line. */
  parse(buf: Uint8Array, start: number, end: number): boolean {
    // Seconds and microseconds apart: together they have more digits than a double's mantissa holds.
    let p = start;
    let seconds = 0;
    while (p < end && buf[p] >= 0x30 && buf[p] <= 0x39) seconds = seconds * 10 + (buf[p++] - 0x30);
    if (p === start) return this.fail('expected a unix time in seconds first, like 1460100081.165665');
    let fraction = 0;
    let scale = 1;
    if (buf[p] === 0x2e) {
      p++;
      while (p < end && buf[p] >= 0x30 && buf[p] <= 0x39) {
        fraction = fraction * 10 + (buf[p++] - 0x30);
        scale *= 10;
      }
    }
    this.time = seconds * 1000 + (fraction * 1000) / scale;
    if (buf[p] !== 0x20 || buf[p + 1] !== 0x5b) return this.fail('expected "[<db> <client>]" after the time');
    const close = buf.indexOf(0x5d, p);
    if (close < 0 || close >= end) return this.fail('expected "[<db> <client>]" after the time');
    if (!this.readArguments(buf, close + 1, end)) return false;
    if (this.count === 0) return this.fail('no command after "[<db> <client>]"');
    return true;
  }

  /** Lowercases the command name in place (Redis command names are case-insensitive). */
  lowercaseCommand(): void {
    const scratch = this.scratch;
    for (let j = this.argStart[0]; j < this.argEnd[0]; j++) if (scratch[j] >= 0x41 && scratch[j] <= 0x5a) scratch[j] |= 0x20;
  }

  /** Argument i as text (for messages and the recorder; allocates). */
  text(i: number): string {
    return this.scratch.toString('utf8', this.argStart[i], this.argEnd[i]);
  }

  byteLength(i: number): number {
    return this.argEnd[i] - this.argStart[i];
  }

  number(i: number): number {
    if (i >= this.count) return Number.NaN;
    const scratch = this.scratch;
    let p = this.argStart[i];
    const end = this.argEnd[i];
    const negative = scratch[p] === 0x2d;
    if (negative || scratch[p] === 0x2b) p++;
    if (p === end) return Number.NaN;
    const value = parseDecimal(scratch, p, end);
    return negative ? -value : value;
  }

  is(i: number, lowercase: string): boolean {
    const start = this.argStart[i];
    if (this.argEnd[i] - start !== lowercase.length) return false;
    for (let j = 0; j < lowercase.length; j++) if ((this.scratch[start + j] | 0x20) !== lowercase.charCodeAt(j)) return false;
    return true;
  }

  /** Reads ` "arg" "arg" …` from p to end into scratch; false (with `problem`) when it is not that. */
  private readArguments(buf: Uint8Array, from: number, end: number): boolean {
    if (this.scratch.length < end - from) this.scratch = Buffer.allocUnsafe(2 * (end - from));
    const scratch = this.scratch;
    let out = 0;
    let count = 0;
    let p = from;
    while (p < end) {
      if (buf[p] !== 0x20 || buf[p + 1] !== QUOTE || p + 1 >= end) {
        this.problem = `expected a space and a double-quoted argument at column ${p - from + 1} after the brackets`;
        return false;
      }
      p += 2;
      if (count === this.argStart.length) this.growArguments();
      this.argStart[count] = out;
      for (;;) {
        if (p >= end) {
          this.problem = `argument ${count + 1} has no closing quote`;
          return false;
        }
        const b = buf[p++];
        if (b === QUOTE) break;
        if (b !== BACKSLASH) {
          scratch[out++] = b;
          continue;
        }
        const escaped = buf[p++];
        switch (escaped) {
          case BACKSLASH:
          case QUOTE:
            scratch[out++] = escaped;
            break;
          case 0x6e: // n
            scratch[out++] = 10;
            break;
          case 0x72: // r
            scratch[out++] = 13;
            break;
          case 0x74: // t
            scratch[out++] = 9;
            break;
          case 0x61: // a
            scratch[out++] = 7;
            break;
          case 0x62: // b
            scratch[out++] = 8;
            break;
          case 0x78: {
            // x: two hex digits
            const high = hexValue(buf[p]);
            const low = hexValue(buf[p + 1]);
            if (high < 0 || low < 0 || p + 1 >= end) {
              this.problem = `argument ${count + 1} has a \\x escape without two hex digits`;
              return false;
            }
            scratch[out++] = (high << 4) | low;
            p += 2;
            break;
          }
          default:
            this.problem = `argument ${count + 1} has an unknown escape \\${String.fromCharCode(escaped)}`;
            return false;
        }
      }
      this.argEnd[count] = out;
      count++;
    }
    this.count = count;
    return true;
  }

  private growArguments(): void {
    const starts = new Int32Array(this.argStart.length * 2);
    starts.set(this.argStart);
    this.argStart = starts;
    const ends = new Int32Array(this.argEnd.length * 2);
    ends.set(this.argEnd);
    this.argEnd = ends;
  }

  private fail(problem: string): boolean {
    this.problem = problem;
    return false;
  }
}

const QUOTE = 34;
const BACKSLASH = 92;

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const lower = b | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}
