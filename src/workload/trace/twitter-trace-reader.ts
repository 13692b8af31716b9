import { type AccessBatch, OP_DELETE, OP_GET, OP_SET } from '../access-event.js';
import { BAD_LINE, fieldText, LineTraceReader, MAX_SIZE, parseDecimal } from './line-trace-reader.js';

/**
 * Twitter's production cache traces (twitter/cache-trace; Yang et al., OSDI 2020): CSV without a header,
 *
 *   timestamp, anonymized key, key size, value size, client id, operation, TTL
 *
 * with the timestamp and TTL in seconds. Each line is one request:
 *
 *   time  timestamp × 1000 ms
 *   op    get, gets → get; set, add, replace, cas, append, prepend, incr, decr → set; delete → delete
 *   size  key size + value size, in bytes (what the object occupies in memcached, less its overhead)
 *   ttl   TTL × 1000 ms; 0 means none
 *
 * The anonymized key may itself contain commas, so the line is split from both ends: the first field is
 * the timestamp, the last five are key size … TTL, and the key is everything in between.
 */
export class TwitterTraceReader extends LineTraceReader {
  protected parseLine(buf: Buffer, start: number, end: number, batch: AccessBatch, n: number): number {
    if (start === end) return 0;
    const firstComma = buf.indexOf(COMMA, start);
    if (firstComma < 0 || firstComma >= end)
      return this.bad(
        'expected 7 comma-separated fields (timestamp, key, key size, value size, client id, operation, TTL), found 1',
      );
    // The five separators after the key, found from the end of the line.
    let c4 = end; // before TTL
    let c3 = end; // before operation
    let c2 = end; // before client id
    let c1 = end; // before value size
    let c0 = end; // before key size
    let found = 0;
    for (let j = end - 1; j > firstComma && found < 5; j--) {
      if (buf[j] !== COMMA) continue;
      if (found === 0) c4 = j;
      else if (found === 1) c3 = j;
      else if (found === 2) c2 = j;
      else if (found === 3) c1 = j;
      else c0 = j;
      found++;
    }
    if (found < 5)
      return this.bad(
        `expected 7 comma-separated fields (timestamp, key, key size, value size, client id, operation, TTL), found ${found + 2}`,
      );

    const seconds = parseDecimal(buf, start, firstComma);
    if (Number.isNaN(seconds)) return this.bad(`timestamp "${fieldText(buf, start, firstComma)}" is not a time in seconds ≥ 0`);
    if (c0 === firstComma + 1) return this.bad('key is empty');
    const keySize = parseDecimal(buf, c0 + 1, c1);
    if (!Number.isInteger(keySize))
      return this.bad(`key size "${fieldText(buf, c0 + 1, c1)}" is not a whole number of bytes ≥ 0`);
    const valueSize = parseDecimal(buf, c1 + 1, c2);
    if (!Number.isInteger(valueSize))
      return this.bad(`value size "${fieldText(buf, c1 + 1, c2)}" is not a whole number of bytes ≥ 0`);
    const op = twitterOp(buf, c3 + 1, c4);
    if (op < 0) return this.bad(`operation "${fieldText(buf, c3 + 1, c4)}" is not one of ${TWITTER_OPS.join(', ')}`);
    const ttlSeconds = c4 + 1 === end ? 0 : parseDecimal(buf, c4 + 1, end);
    if (Number.isNaN(ttlSeconds)) return this.bad(`TTL "${fieldText(buf, c4 + 1, end)}" is not a time in seconds ≥ 0`);
    const size = keySize + valueSize;
    if (size > MAX_SIZE) return this.bad(`key size + value size (${size}) is above ${MAX_SIZE} bytes`);
    const time = seconds * 1000;
    if (!this.inOrder(time)) return BAD_LINE;

    batch.time[n] = time;
    batch.key[n] = this.interner.internField(buf, firstComma + 1, c0);
    batch.op[n] = op;
    batch.size[n] = size;
    batch.ttl[n] = ttlSeconds * 1000;
    return 1;
  }

  private bad(problem: string): number {
    this.problem = problem;
    return BAD_LINE;
  }
}

const COMMA = 44;

/** memcached's commands as the traces spell them (lowercase), and the access each is. */
const TWITTER_OPS = ['get', 'gets', 'set', 'add', 'replace', 'cas', 'append', 'prepend', 'incr', 'decr', 'delete'];
const TWITTER_OP_KINDS = [OP_GET, OP_GET, OP_SET, OP_SET, OP_SET, OP_SET, OP_SET, OP_SET, OP_SET, OP_SET, OP_DELETE];
const TWITTER_OP_BYTES = TWITTER_OPS.map((name) => Buffer.from(name, 'latin1'));

/** The access kind of the operation in bytes [start, end), or −1. */
function twitterOp(buf: Buffer, start: number, end: number): number {
  const length = end - start;
  outer: for (let i = 0; i < TWITTER_OP_BYTES.length; i++) {
    const name = TWITTER_OP_BYTES[i];
    if (name.length !== length) continue;
    for (let j = 0; j < length; j++) if ((buf[start + j] | 0x20) !== name[j]) continue outer;
    return TWITTER_OP_KINDS[i];
  }
  return -1;
}
