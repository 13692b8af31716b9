/**
 * RESP2, the protocol Redis speaks to a client that has not asked for RESP3 with HELLO
 * (redis.io/docs/latest/develop/reference/protocol-spec/), as a reader that never touches a socket: bytes
 * go in, whole replies come out. A first byte that no RESP reply starts with is a `RespProtocolError`: the
 * peer is not a Redis server (an HTTP server answers "HTTP/1.1 400 …").
 */

/** A reply: simple string, error, integer, bulk string (null when absent) or array (null when absent). */
export type RespValue = string | RespError | number | Buffer | null | RespValue[];

/** An error reply (`-ERR …`, `-NOAUTH …`, `-WRONGPASS …`): the server's own words. */
export class RespError {
  constructor(readonly message: string) {}

  /** The error's code: its first word (ERR, NOAUTH, WRONGPASS, …). */
  get code(): string {
    return this.message.split(' ', 1)[0];
  }
}

export class RespProtocolError extends Error {}

/** A line longer than this without its CRLF, or a bulk string larger than this, is no Redis reply this tool reads. */
const MAX_REPLY_BYTES = 512 * 1024 * 1024;

/** Marks "the reply is not complete yet" inside the parser. */
const INCOMPLETE = Symbol('incomplete');

export class RespReader {
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;

  /**
   * Adds bytes and hands every reply they complete to `reply`, in order. Simple strings are decoded as
   * latin1, one character per byte (MONITOR lines and status replies are ASCII: Redis escapes other bytes).
   */
  push(chunk: Buffer, reply: (value: RespValue) => void): void {
    // Only an unfinished reply's bytes are carried over, so a stream of small replies copies nothing.
    this.buffer = this.offset < this.buffer.length ? Buffer.concat([this.buffer.subarray(this.offset), chunk]) : chunk;
    this.offset = 0;
    for (;;) {
      const start = this.offset;
      const value = this.parse();
      if (value === INCOMPLETE) {
        this.offset = start;
        if (this.buffer.length - start > MAX_REPLY_BYTES) throw new RespProtocolError('a reply larger than 512 MiB');
        return;
      }
      reply(value);
    }
  }

  private parse(): RespValue | typeof INCOMPLETE {
    const buffer = this.buffer;
    if (this.offset >= buffer.length) return INCOMPLETE;
    const type = buffer[this.offset];
    if (type !== 0x2b && type !== 0x2d && type !== 0x3a && type !== 0x24 && type !== 0x2a) {
      throw new RespProtocolError(`the reply starts with ${describeByte(type)}, which no Redis reply starts with`);
    }
    const end = buffer.indexOf('\r\n', this.offset + 1, 'latin1');
    if (end < 0) return INCOMPLETE;
    const line = buffer.toString('latin1', this.offset + 1, end);
    this.offset = end + 2;
    switch (type) {
      case 0x2b: // '+'
        return line;
      case 0x2d: // '-'
        return new RespError(line);
      case 0x3a: // ':'
        return integer(line);
      case 0x24: {
        // '$'
        const length = integer(line);
        if (length === -1) return null;
        if (length < 0 || length > MAX_REPLY_BYTES) throw new RespProtocolError(`a bulk string of length ${line}`);
        if (this.offset + length + 2 > buffer.length) return INCOMPLETE;
        const value = Buffer.from(buffer.subarray(this.offset, this.offset + length));
        this.offset += length + 2;
        return value;
      }
      default: {
        // '*'
        const count = integer(line);
        if (count === -1) return null;
        if (count < 0) throw new RespProtocolError(`an array of length ${line}`);
        const items: RespValue[] = [];
        for (let i = 0; i < count; i++) {
          const item = this.parse();
          if (item === INCOMPLETE) return INCOMPLETE;
          items.push(item);
        }
        return items;
      }
    }
  }
}

/** A command as RESP: an array of bulk strings. */
export function encodeCommand(args: readonly (string | Buffer | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg), 'utf8');
    parts.push(Buffer.from(`$${bytes.length}\r\n`, 'latin1'), bytes, Buffer.from('\r\n', 'latin1'));
  }
  return Buffer.concat(parts);
}

function integer(text: string): number {
  if (!/^-?\d+$/.test(text)) throw new RespProtocolError(`"${text.slice(0, 40)}" where a number belongs`);
  return Number(text);
}

function describeByte(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? `"${String.fromCharCode(byte)}"` : `byte 0x${byte.toString(16).padStart(2, '0')}`;
}
