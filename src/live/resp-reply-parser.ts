import { RespError, RespProtocolError, type RespValue } from './resp-reader.js';

/**
 * Where a RespReplyParser hands each whole reply. The scalar replies come as positions in the bytes
 * received, so a reply a command does not need as text (a GET read for its version, SET's OK) makes no
 * string; the buffer is valid only during the call.
 */
export interface ReplySink {
  /** `+…`: a status reply, at buffer[start, end). */
  status(buffer: Buffer, start: number, end: number): void;
  /** `-…`: an error reply, in the server's words. */
  error(message: string): void;
  /** `:…` */
  integer(value: number): void;
  /** `$…`: a bulk string at buffer[start, end). */
  bulk(buffer: Buffer, start: number, end: number): void;
  /** `$-1` or `*-1`: an absent value. */
  nil(): void;
  /** `*…`: an array, whole (bulk strings as Buffers, errors as RespError): no command of a run's hot path gets one. */
  array(items: RespValue[]): void;
}

/** A line longer than this without its CRLF, or a bulk string larger than this, is no Redis reply this tool reads. */
const MAX_REPLY_BYTES = 512 * 1024 * 1024;

const CR = 0x0d;
const LF = 0x0a;

/**
 * RESP2 replies from a pipelined connection, straight from the socket's chunks: bytes in, replies out to
 * one ReplySink, in order, and nothing allocated per reply beyond what the sink makes of it. A reply
 * split across chunks waits for the rest (the chunks are joined once the missing bytes have arrived); a
 * first byte no reply starts with, or a malformed length, is a RespProtocolError (the peer is not Redis,
 * or the stream lost its place).
 */
export class RespReplyParser {
  /** The start of an unfinished reply, then the chunks after it. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** How many bytes the unfinished reply needs at least before it is worth trying again. */
  private needed = 0;
  /** The end of the line or reply the last parse step reached (its result for arrays: `value`). */
  private end = 0;
  private value: RespValue = null;

  constructor(private readonly sink: ReplySink) {}

  push(chunk: Buffer): void {
    let buffer = chunk;
    if (this.held.length > 0) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      if (this.heldBytes < this.needed) return;
      buffer = Buffer.concat(this.held, this.heldBytes);
      this.held = [];
      this.heldBytes = 0;
    }
    let offset = 0;
    while (offset < buffer.length) {
      this.needed = 0;
      const end = this.reply(buffer, offset);
      if (end < 0) {
        const rest = buffer.subarray(offset);
        if (rest.length > MAX_REPLY_BYTES) throw new RespProtocolError('a reply larger than 512 MiB');
        this.held.push(rest);
        this.heldBytes = rest.length;
        return;
      }
      offset = end;
    }
  }

  /** Parses the reply at `offset` and hands it to the sink; its end, or -1 when it is not complete yet. */
  private reply(buffer: Buffer, offset: number): number {
    const type = buffer[offset];
    if (type === 0x2a) {
      // '*': an array, built as values
      if (!this.item(buffer, offset)) return -1;
      const items = this.value;
      if (items === null) this.sink.nil();
      else this.sink.array(items as RespValue[]);
      return this.end;
    }
    const lineEnd = this.lineEnd(buffer, offset, type);
    if (lineEnd < 0) return -1;
    switch (type) {
      case 0x2b: // '+'
        this.sink.status(buffer, offset + 1, lineEnd);
        return lineEnd + 2;
      case 0x2d: // '-'
        this.sink.error(buffer.toString('utf8', offset + 1, lineEnd));
        return lineEnd + 2;
      case 0x3a: // ':'
        this.sink.integer(integer(buffer, offset + 1, lineEnd));
        return lineEnd + 2;
      default: {
        // '$'
        const length = integer(buffer, offset + 1, lineEnd);
        if (length === -1) {
          this.sink.nil();
          return lineEnd + 2;
        }
        if (length < 0 || length > MAX_REPLY_BYTES) throw new RespProtocolError(`a bulk string of length ${length}`);
        const start = lineEnd + 2;
        if (start + length + 2 > buffer.length) {
          this.needed = start - offset + length + 2;
          return -1;
        }
        this.sink.bulk(buffer, start, start + length);
        return start + length + 2;
      }
    }
  }

  /** One value (an array's item, or an array) into `value`, its end into `end`; false when incomplete. */
  private item(buffer: Buffer, offset: number): boolean {
    if (offset >= buffer.length) return false;
    const type = buffer[offset];
    const lineEnd = this.lineEnd(buffer, offset, type);
    if (lineEnd < 0) return false;
    this.end = lineEnd + 2;
    switch (type) {
      case 0x2b:
        this.value = buffer.toString('latin1', offset + 1, lineEnd);
        return true;
      case 0x2d:
        this.value = new RespError(buffer.toString('utf8', offset + 1, lineEnd));
        return true;
      case 0x3a:
        this.value = integer(buffer, offset + 1, lineEnd);
        return true;
      case 0x24: {
        const length = integer(buffer, offset + 1, lineEnd);
        if (length === -1) {
          this.value = null;
          return true;
        }
        if (length < 0 || length > MAX_REPLY_BYTES) throw new RespProtocolError(`a bulk string of length ${length}`);
        if (lineEnd + 2 + length + 2 > buffer.length) return false;
        this.value = Buffer.from(buffer.subarray(lineEnd + 2, lineEnd + 2 + length));
        this.end = lineEnd + 2 + length + 2;
        return true;
      }
      default: {
        const count = integer(buffer, offset + 1, lineEnd);
        if (count === -1) {
          this.value = null;
          return true;
        }
        if (count < 0) throw new RespProtocolError(`an array of length ${count}`);
        const items: RespValue[] = [];
        for (let i = 0; i < count; i++) {
          if (!this.item(buffer, this.end)) return false;
          items.push(this.value);
        }
        this.value = items;
        return true;
      }
    }
  }

  /** The CR of the line at `offset` (whose first byte is `type`); -1 while its CRLF has not arrived. */
  private lineEnd(buffer: Buffer, offset: number, type: number): number {
    if (type !== 0x2b && type !== 0x2d && type !== 0x3a && type !== 0x24 && type !== 0x2a) {
      throw new RespProtocolError(`a reply starts with ${describeByte(type)}, which no Redis reply starts with`);
    }
    const cr = buffer.indexOf(CR, offset + 1);
    if (cr < 0 || cr + 1 >= buffer.length) return -1;
    if (buffer[cr + 1] !== LF) throw new RespProtocolError('a reply line ends in CR without LF');
    return cr;
  }
}

/** The decimal integer at buffer[start, end), without a string; a RespProtocolError for anything else. */
function integer(buffer: Buffer, start: number, end: number): number {
  let i = start;
  const negative = buffer[i] === 0x2d;
  if (negative) i++;
  if (i === end) throw new RespProtocolError(`"${buffer.toString('latin1', start, end)}" where a number belongs`);
  let value = 0;
  for (; i < end; i++) {
    const digit = buffer[i] - 0x30;
    if (digit < 0 || digit > 9) throw new RespProtocolError(`"${buffer.toString('latin1', start, Math.min(end, start + 40))}" where a number belongs`);
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

function describeByte(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? `"${String.fromCharCode(byte)}"` : `byte 0x${byte.toString(16).padStart(2, '0')}`;
}

/** An array's item as a client library hands it out: bulk strings as text, errors as Errors. */
export function plainReply(value: RespValue): unknown {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value instanceof RespError) return new Error(value.message);
  if (Array.isArray(value)) return value.map(plainReply);
  return value;
}
