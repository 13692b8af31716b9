/**
 * Values a live run stores: `<version>:` then padding up to the object's size, so a read knows which
 * version it got (staleness is measured exactly as in the simulation) and Redis holds realistic sizes.
 * Under refresh-ahead, stale-while-revalidate and xfetch an entry also carries when its TTL runs out and
 * how long its fetch took (on the run's clock, ms): `<version>:<fresh until>:<fetch ms>:` then padding.
 */
const PADDING_CHUNK = 'x'.repeat(4096);
let padding = PADDING_CHUNK;

export function encodeValue(version: number, size: number): string {
  const head = `${version}:`;
  const pad = size - head.length;
  if (pad <= 0) return head;
  while (padding.length < pad) padding += padding;
  return head + padding.slice(0, pad);
}

/** A value that also carries its freshness (see above). */
export function encodeEntry(version: number, size: number, freshUntil: number, fetchMs: number): string {
  const head = `${version}:${freshUntil === Number.POSITIVE_INFINITY ? 'inf' : freshUntil.toFixed(3)}:${fetchMs.toFixed(3)}:`;
  const pad = size - head.length;
  if (pad <= 0) return head;
  while (padding.length < pad) padding += padding;
  return head + padding.slice(0, pad);
}

/** The longest head encodeEntry writes, so a reader needs no more of the value. */
export const ENTRY_HEAD_LENGTH = 64;

/** The freshness an entry's head carries (encodeEntry): false when it carries none (not written with it, or not ours). */
export function decodeFreshness(head: string, into: { freshUntil: number; fetchMs: number }): boolean {
  const first = head.indexOf(':');
  const second = head.indexOf(':', first + 1);
  const third = head.indexOf(':', second + 1);
  if (first <= 0 || second < 0 || third < 0) return false;
  const fresh = head.slice(first + 1, second);
  const freshUntil = fresh === 'inf' ? Number.POSITIVE_INFINITY : Number(fresh);
  const fetchMs = Number(head.slice(second + 1, third));
  if (Number.isNaN(freshUntil) || Number.isNaN(fetchMs)) return false;
  into.freshUntil = freshUntil;
  into.fetchMs = fetchMs;
  return true;
}

/** The version a stored value carries; -1 when it is not one of ours (counted as an error by the caller). */
export function decodeVersion(value: string): number {
  const colon = value.indexOf(':');
  if (colon <= 0) return -1;
  const version = Number(value.slice(0, colon));
  return Number.isInteger(version) ? version : -1;
}

/** decodeVersion of a value still in bytes, buffer[start, end) (its decimal digits before the first ':'), without a string. */
export function versionAt(buffer: Buffer, start: number, end: number): number {
  let version = 0;
  for (let i = start; i < end; i++) {
    const byte = buffer[i];
    if (byte === 0x3a) return i === start ? -1 : version; // ':'
    if (byte < 0x30 || byte > 0x39) return -1;
    version = version * 10 + (byte - 0x30);
  }
  return -1;
}

