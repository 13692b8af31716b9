import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RespError, RespProtocolError, type RespValue } from '../src/live/resp-reader.js';
import { type ReplySink, RespReplyParser } from '../src/live/resp-reply-parser.js';

// The reply parser behind the live run's pipelined connections: replies straight from the socket's
// chunks, however they are split, handed out in order without a string per reply.

function encode(value: RespValue): string {
  if (value === null) return '$-1\r\n';
  if (typeof value === 'string') return `+${value}\r\n`;
  if (typeof value === 'number') return `:${value}\r\n`;
  if (value instanceof RespError) return `-${value.message}\r\n`;
  if (Buffer.isBuffer(value)) return `$${value.length}\r\n${value.toString('latin1')}\r\n`;
  return `*${value.length}\r\n${value.map(encode).join('')}`;
}

/** A sink that keeps every reply as a RespValue (copying the bytes it is shown, which are valid only during the call). */
function recorder(): { sink: ReplySink; replies: RespValue[] } {
  const replies: RespValue[] = [];
  const sink: ReplySink = {
    status: (buffer, start, end) => replies.push(buffer.toString('latin1', start, end)),
    error: (message) => replies.push(new RespError(message)),
    integer: (value) => replies.push(value),
    bulk: (buffer, start, end) => replies.push(Buffer.from(buffer.subarray(start, end))),
    nil: () => replies.push(null),
    array: (items) => replies.push(items),
  };
  return { sink, replies };
}

function readAll(chunks: Buffer[]): RespValue[] {
  const { sink, replies } = recorder();
  const parser = new RespReplyParser(sink);
  for (const chunk of chunks) parser.push(chunk);
  return replies;
}

function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  return chunks;
}

const line = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', '"', '\\', ':', '0', '\t'), maxLength: 20 });
const reply: fc.Arbitrary<RespValue> = fc.letrec<{ value: RespValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    line,
    line.map((text) => new RespError(`ERR ${text}`)),
    fc.integer({ min: -1e9, max: 1e9 }),
    // Bulk strings with CR and LF inside: only the length says where they end.
    fc.uint8Array({ maxLength: 30 }).map((bytes) => Buffer.from(bytes)),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
  ),
})).value;

describe('RESP reply parser (pipelined connections)', () => {
  it('hands out every reply, in order, however the bytes are split into chunks', () => {
    fc.assert(
      fc.property(fc.array(reply, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (replies, cuts) => {
        const bytes = Buffer.from(replies.map(encode).join(''), 'latin1');
        assert.deepEqual(readAll(split(bytes, cuts)), replies);
      }),
    );
  });

  it('one byte at a time: status, error, integer, bulk, nil bulk, nil array, empty bulk, nested arrays', () => {
    const stream = '+OK\r\n-NOSCRIPT No matching script\r\n:-42\r\n$5\r\n7:x\r\n\r\n$-1\r\n*-1\r\n$0\r\n\r\n*2\r\n*1\r\n:1\r\n$-1\r\n';
    const bytes = Buffer.from(stream, 'latin1');
    const chunks = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
    assert.deepEqual(readAll(chunks), [
      'OK',
      new RespError('NOSCRIPT No matching script'),
      -42,
      Buffer.from('7:x\r\n'),
      null,
      null,
      Buffer.alloc(0),
      [[1], null],
    ]);
  });

  it('a large bulk string in many chunks waits for its last byte, then comes out whole, once', () => {
    const value = Buffer.alloc(300_000, 0x61);
    const bytes = Buffer.concat([Buffer.from(`$${value.length}\r\n`), value, Buffer.from('\r\n:7\r\n')]);
    const { sink, replies } = recorder();
    const parser = new RespReplyParser(sink);
    for (let i = 0; i < bytes.length; i += 65_536) {
      parser.push(bytes.subarray(i, i + 65_536));
      if (i + 65_536 < bytes.length - 5) assert.equal(replies.length, 0, `nothing before the value's end (at ${i})`);
    }
    assert.equal(replies.length, 2);
    assert.ok((replies[0] as Buffer).equals(value));
    assert.equal(replies[1], 7);
  });

  it('a peer that is not Redis, or a malformed length, is a protocol error', () => {
    assert.throws(() => readAll([Buffer.from('HTTP/1.1 400 Bad Request\r\n')]), (error: Error) => {
      assert.ok(error instanceof RespProtocolError);
      assert.match(error.message, /starts with "H"/);
      return true;
    });
    assert.throws(() => readAll([Buffer.from([0x16, 0x03, 0x01])]), /byte 0x16/);
    assert.throws(() => readAll([Buffer.from('$abc\r\n')]), RespProtocolError);
    assert.throws(() => readAll([Buffer.from(':1x\r\n')]), RespProtocolError);
    assert.throws(() => readAll([Buffer.from('$-5\r\n')]), RespProtocolError);
    assert.throws(() => readAll([Buffer.from('+OK\r+')]), /CR without LF/);
  });
});
