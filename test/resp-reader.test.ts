import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeCommand, RespError, RespProtocolError, RespReader, type RespValue } from '../src/live/resp-reader.js';

// The RESP2 reader behind `record`'s MONITOR connection and the check of a live run's target: bytes in,
// replies out, whatever the chunk boundaries.

function encode(value: RespValue): string {
  if (value === null) return '$-1\r\n';
  if (typeof value === 'string') return `+${value}\r\n`;
  if (typeof value === 'number') return `:${value}\r\n`;
  if (value instanceof RespError) return `-${value.message}\r\n`;
  if (Buffer.isBuffer(value)) return `$${value.length}\r\n${value.toString('latin1')}\r\n`;
  return `*${value.length}\r\n${value.map(encode).join('')}`;
}

function readAll(chunks: Buffer[]): RespValue[] {
  const reader = new RespReader();
  const replies: RespValue[] = [];
  for (const chunk of chunks) reader.push(chunk, (value) => replies.push(value));
  return replies;
}

const line = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', '"', '\\', ':', '0', '\t'), maxLength: 20 });
const reply: fc.Arbitrary<RespValue> = fc.letrec<{ value: RespValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    line,
    line.map((text) => new RespError(`ERR ${text}`)),
    fc.integer({ min: -1e9, max: 1e9 }),
    fc.uint8Array({ maxLength: 30 }).map((bytes) => Buffer.from(bytes)),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
  ),
})).value;

describe('RESP reader', () => {
  it('reads every reply back, however the bytes are split into chunks', () => {
    fc.assert(
      fc.property(fc.array(reply, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (replies, cuts) => {
        const bytes = Buffer.from(replies.map(encode).join(''), 'latin1');
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let from = 0;
        for (const point of [...points, bytes.length]) {
          chunks.push(bytes.subarray(from, point));
          from = point;
        }
        assert.deepEqual(readAll(chunks), replies);
      }),
    );
  });

  it('a MONITOR stream: one simple string per line, OK first', () => {
    const stream = '+OK\r\n+1700000000.123456 [0 127.0.0.1:5000] "set" "k" "v"\r\n+1700000000.2 [0 lua] "get" "a\\"b"\r\n';
    assert.deepEqual(readAll([Buffer.from(stream.slice(0, 30)), Buffer.from(stream.slice(30))]), [
      'OK',
      '1700000000.123456 [0 127.0.0.1:5000] "set" "k" "v"',
      '1700000000.2 [0 lua] "get" "a\\"b"',
    ]);
  });

  it('a peer that is not Redis (HTTP, binary) is a protocol error naming the first byte', () => {
    assert.throws(() => readAll([Buffer.from('HTTP/1.1 400 Bad Request\r\n')]), (error: Error) => {
      assert.ok(error instanceof RespProtocolError);
      assert.match(error.message, /starts with "H"/);
      return true;
    });
    assert.throws(() => readAll([Buffer.from([0x16, 0x03, 0x01])]), /byte 0x16/);
    assert.throws(() => readAll([Buffer.from('$abc\r\n')]), RespProtocolError);
  });

  it('encodes a command as an array of bulk strings', () => {
    assert.equal(encodeCommand(['SELECT', 3, Buffer.from('é')]).toString('latin1'), '*3\r\n$6\r\nSELECT\r\n$1\r\n3\r\n$2\r\n\xc3\xa9\r\n');
  });
});
