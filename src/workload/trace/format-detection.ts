import * as path from 'node:path';
import { InputError } from '../../errors.js';
import type { TraceFormat } from '../../scenario/scenario.js';

export const TRACE_FORMATS: readonly TraceFormat[] = [
  'csv',
  'jsonl',
  'delimited',
  'oracleGeneral',
  'twitter',
  'redis-monitor',
  'key-per-line',
];

/** Extensions that say a file is text: a binary format is never guessed for them. */
const TEXT_EXTENSIONS = new Set(['.csv', '.tsv', '.jsonl', '.ndjson', '.json', '.txt', '.log', '.trc', '.trace', '.monitor', '.yaml', '.yml']);
const CANONICAL_COLUMNS = new Set(['timestamp', 'key', 'op', 'size', 'ttl']);
const TWITTER_OPS = new Set(['get', 'gets', 'set', 'add', 'replace', 'cas', 'append', 'prepend', 'delete', 'incr', 'decr']);
/** `1460100081.165665 [0 127.0.0.1:51706] "set" …` — redis-cli monitor's line (sdscatrepr'd arguments). */
const MONITOR_LINE = /^\d+(?:\.\d+)? \[\d+ [^\]]*\] "/;

/**
 * The format of a trace whose scenario says `format: auto` (or omits it), from its name, then its first
 * bytes (`head`, already decompressed for a gzip file), in this order:
 *
 *   name contains "oracleGeneral" (libCacheSim's naming)   → oracleGeneral
 *   extension .jsonl / .ndjson (before any .gz)             → jsonl
 *   a NUL byte in the first 64 KiB (no text trace has one)  → oracleGeneral, unless the extension names
 *                                                             a text format (.csv, .txt, …)
 *   first line "OK" or `<unix time> [<db> <client>] "…`     → redis-monitor
 *   first line starts with "{"                              → jsonl
 *   first line is a header of canonical column names        → csv
 *   first line has ≥ 7 comma-separated fields, a number first and a memcached command second to last
 *                                                           → twitter
 *   first line is one token (no comma, tab or space)        → key-per-line
 *   otherwise, a comma on the first line or a .csv name     → csv (whose reader explains what is wrong)
 *
 * `delimited` is never detected: it needs a column mapping. Anything else is an InputError asking for
 * `format:`.
 */
export function detectTraceFormat(file: string, head: Uint8Array, displayName: string): TraceFormat {
  const name = path.basename(file).toLowerCase().replace(/\.gz$/, '');
  if (name.includes('oraclegeneral')) return 'oracleGeneral';
  const extension = path.extname(name);
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  if (head.length === 0) return 'csv'; // the CSV reader reports the empty file
  // A NUL byte says binary, unless the name says text: then it is a text trace with a bad byte, and its
  // reader names the line.
  if (head.includes(0) && !TEXT_EXTENSIONS.has(extension)) return 'oracleGeneral';

  const line = firstLine(head);
  if (line === 'OK' || MONITOR_LINE.test(line)) return 'redis-monitor';
  if (line.startsWith('{')) return 'jsonl';
  const fields = line.split(',').map((field) =>
    field
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase(),
  );
  if (fields.length >= 2 && fields.every((field) => CANONICAL_COLUMNS.has(field))) return 'csv';
  if (fields.length >= 7 && /^\d+(\.\d+)?$/.test(fields[0]) && TWITTER_OPS.has(fields[fields.length - 2])) return 'twitter';
  if (line !== '' && !/[,\t ]/.test(line)) return 'key-per-line';
  if (line.includes(',') || extension === '.csv') return 'csv';
  const shown = line.length > 60 ? `${line.slice(0, 59)}…` : line;
  throw new InputError(
    `cannot tell the format of ${displayName} from its first line (${shown}); set workload.format to one of ${TRACE_FORMATS.join(', ')}`,
  );
}

/** The first non-blank line of the head, without a UTF-8 byte-order mark or line ending (LF, CRLF or a lone CR). */
function firstLine(head: Uint8Array): string {
  let start = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) start = 3;
  while (start < head.length && (head[start] === 10 || head[start] === 13 || head[start] === 32 || head[start] === 9)) start++;
  let end = start;
  while (end < head.length && head[end] !== 10 && head[end] !== 13) end++;
  return Buffer.from(head.buffer, head.byteOffset + start, end - start).toString('utf8');
}
