/**
 * Values a live run stores: `<version>:` then padding up to the object's size, so a read knows which
 * version it got (staleness is measured exactly as in the simulation) and Redis holds realistic sizes.
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

