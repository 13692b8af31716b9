import { type AccessBatch, OP_GET } from '../access-event.js';
import { LineTraceReader } from './line-trace-reader.js';

/**
 * One key per line, as in the LIRS and ARC papers' block traces (e.g. `multi1.trc`: one block number per
 * line; Jiang & Zhang, SIGMETRICS 2002). Every line is a get of that key, its time the line's 0-based
 * index in ms (the traces carry no time), its size 1. Leading and trailing blanks are not part of the key;
 * blank lines and lines that are a single `*` (the separators some of these traces carry) are skipped.
 * Numeric keys take the interner's fast path.
 */
export class KeyPerLineTraceReader extends LineTraceReader {
  protected parseLine(buf: Buffer, start: number, end: number, batch: AccessBatch, n: number): number {
    let s = start;
    let e = end;
    while (s < e && (buf[s] === SPACE || buf[s] === TAB)) s++;
    while (e > s && (buf[e - 1] === SPACE || buf[e - 1] === TAB)) e--;
    if (s === e || (e - s === 1 && buf[s] === STAR)) return 0;
    batch.time[n] = this.line - 1;
    batch.key[n] = this.interner.internField(buf, s, e);
    batch.op[n] = OP_GET;
    batch.size[n] = 1;
    batch.ttl[n] = 0;
    return 1;
  }
}

const SPACE = 32;
const TAB = 9;
const STAR = 42;
