import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RespCommandBuffer } from '../src/live/resp-command-buffer.js';
import { encodeCommand } from '../src/live/resp-reader.js';
import { decodeVersion, encodeValue, versionAt } from '../src/live/versioned-value.js';

// What the pipelined connections write (commands appended to one buffer) and read (a GET's version
// straight from the reply's bytes), checked against the plain encoder and decoder.

describe('RESP command buffer', () => {
  it('writes each command exactly as encodeCommand does, back to back, growing as needed', () => {
    const arg = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 10 }), fc.integer({ min: -1e12, max: 1e12 }));
    fc.assert(
      fc.property(fc.array(fc.array(arg, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 20 }), fc.nat(20_000), (commands, padding) => {
        const buffer = new RespCommandBuffer();
        const expected: Buffer[] = [];
        for (const [i, args] of commands.entries()) {
          // Now and then a large value, so the buffer has to grow mid-command.
          const all = i === 0 ? [...args, 'x'.repeat(padding)] : args;
          buffer.raw(Buffer.alloc(0), `*${all.length}\r\n`);
          for (const a of all) {
            if (typeof a === 'number') buffer.decimal(a);
            else buffer.text(a);
          }
          expected.push(encodeCommand(all));
        }
        assert.ok(buffer.take().equals(Buffer.concat(expected)));
        assert.equal(buffer.length, 0);
      }),
    );
  });

  it('a GET reply read for its version agrees with decodeVersion on the run values and on foreign ones', () => {
    for (const value of [encodeValue(0, 100), encodeValue(42, 3), encodeValue(123456789, 1), 'not ours', '', ':x', '12', '12:', 'x1:', '007:a']) {
      const bytes = Buffer.from(`..${value}..`);
      assert.equal(versionAt(bytes, 2, bytes.length - 2), decodeVersion(value), JSON.stringify(value));
    }
  });
});
