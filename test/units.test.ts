import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InputError } from '../src/errors.js';
import { parseCount, parseDuration, parseFraction, parseRate, parseSize, UnitError } from '../src/scenario/units.js';

type Valid = [input: unknown, expected: number];
type Invalid = [input: unknown, messagePart: string];

function table(name: string, parse: (input: unknown) => number, valid: Valid[], invalid: Invalid[]): void {
  describe(name, () => {
    for (const [input, expected] of valid) {
      it(`reads ${JSON.stringify(input)} as ${expected}`, () => {
        assert.equal(parse(input), expected);
      });
    }
    for (const [input, messagePart] of invalid) {
      it(`rejects ${JSON.stringify(input)}`, () => {
        assert.throws(
          () => parse(input),
          (error: unknown) => {
            assert.ok(error instanceof UnitError && error instanceof InputError, 'a UnitError is an InputError (exit 2)');
            assert.match(error.message, /^must be .*; got /);
            assert.ok(error.message.includes(messagePart), `"${error.message}" should contain "${messagePart}"`);
            return true;
          },
        );
      });
    }
  });
}

table(
  'parseDuration (ms)',
  parseDuration,
  [
    ['500us', 0.5],
    ['500µs', 0.5],
    ['500μs', 0.5],
    ['5ms', 5],
    ['0.2ms', 0.2],
    ['2s', 2000],
    ['1.5s', 1500],
    ['.5s', 500],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['5 ms', 5],
    [0, 0],
    ['0', 0],
  ],
  [
    [5, 'write a unit, e.g. 5ms or 5s'],
    ['5', 'write a unit'],
    [1.5, 'write a unit'],
    ['-5ms', 'not negative'],
    ['5 sec', 'a duration like'],
    ['5MS', 'a duration like'],
    ['fast', '"fast"'],
    [true, 'got true'],
    [null, 'got null'],
  ],
);

table(
  'parseSize (bytes, binary units)',
  parseSize,
  [
    ['512B', 512],
    ['512b', 512],
    ['64KB', 65_536],
    ['64kb', 65_536],
    ['64KiB', 65_536],
    ['200MB', 200 * 1_048_576],
    ['1mb', 1_048_576],
    ['1MiB', 1_048_576],
    ['1.5MB', 1_572_864],
    ['1GB', 1_073_741_824],
    ['1gib', 1_073_741_824],
    ['2TB', 2 * 1024 ** 4],
    [100, 100],
    ['100', 100],
    ['1.3KB', 1331], // rounded to whole bytes
  ],
  [
    ['-5KB', 'cannot be negative'],
    [-5, 'cannot be negative'],
    [1.5, 'whole bytes'],
    ['64K', 'a size like'],
    ['64 kilobytes', 'a size like'],
    [{}, 'got {}'],
  ],
);

table(
  'parseCount',
  parseCount,
  [
    [10000, 10000],
    ['10000', 10000],
    ['10k', 10_000],
    ['10K', 10_000],
    ['1M', 1_000_000],
    ['2.5M', 2_500_000],
    ['2.3M', 2_300_000],
    ['1G', 1_000_000_000],
    ['1_000_000', 1_000_000],
    ['1.5k', 1500],
    [0, 0],
  ],
  [
    [-5, 'cannot be negative'],
    ['-5', 'cannot be negative'],
    [2.5, 'whole number'],
    ['1.2345k', 'whole number'],
    ['1m', 'write M for a million'],
    ['10 thousand', 'a count like'],
    ['1__000', 'a count like'],
    ['_1000', 'a count like'],
  ],
);

table(
  'parseRate (per second)',
  parseRate,
  [
    ['5000/s', 5000],
    ['5k/s', 5000],
    ['300/m', 5],
    ['3600/h', 1],
    ['2/ms', 2000],
    ['0.5/s', 0.5],
    ['5000 / s', 5000],
  ],
  [
    [5000, 'write a unit, e.g. 5000/s'],
    ['5k', 'write a unit, e.g. 5k/s'],
    ['0/s', 'a positive rate'],
    ['-5/s', 'cannot be negative'],
    ['5000/sec', 'a rate like'],
    ['5000 rps', 'a rate like'],
  ],
);

table(
  'parseFraction (percentages and fractions)',
  parseFraction,
  [
    ['0.5%', 0.005],
    ['95%', 0.95],
    ['100%', 1],
    ['0%', 0],
    [0.005, 0.005],
    [1, 1],
    [0, 0],
    ['0.25', 0.25],
  ],
  [
    [1.5, 'a fraction from 0 to 1'],
    [-0.1, 'a fraction from 0 to 1'],
    ['150%', 'got "150%"'],
    ['half', 'got "half"'],
  ],
);

describe('unit properties', () => {
  it('whole milliseconds, seconds and minutes convert exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (n) => {
        assert.equal(parseDuration(`${n}ms`), n);
        assert.equal(parseDuration(`${n}s`), n * 1000);
        assert.equal(parseDuration(`${n}m`), n * 60_000);
      }),
    );
  });
  it('KB is 1024 bytes and k is 1000 things, at any magnitude', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (n) => {
        assert.equal(parseSize(`${n}KB`), n * 1024);
        assert.equal(parseSize(`${n}KiB`), parseSize(`${n}kb`));
        assert.equal(parseCount(`${n}k`), n * 1000);
        assert.equal(parseCount(n.toLocaleString('en-US').replaceAll(',', '_')), n);
      }),
    );
  });
  it('a percentage is a hundredth of its number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), (n) => {
        assert.equal(parseFraction(`${n}%`), n / 100);
      }),
    );
  });
});
