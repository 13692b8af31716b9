/**
 * Maps each distinct key of a trace to a dense id 0, 1, 2, … in order of first appearance, and back to its
 * text. Keys never become JS strings on the hot path:
 * - a canonical decimal key (no sign, no leading zero, ≤ 15 digits, so exact in a double) is looked up by
 *   its number in a table whose slots hold [number, id] side by side, so a lookup in a table far larger
 *   than the CPU cache costs one cache miss, not two;
 * - any other key is hashed from its bytes into a table of [hash, id] slots and compared against a byte
 *   arena that holds each distinct key once.
 * - a 64-bit integer key of a binary trace (libCacheSim's obj_id) is a number when below 2^53, and
 *   otherwise lives in a third table of [low 32 bits, high 32 bits, id] slots; its name is its decimal.
 * The kinds cannot collide within a trace: a text key is by construction never a canonical decimal, and
 * the 64-bit table is only used by binary traces, which have no text keys.
 *
 * Both tables use linear probing at load ≤ 0.7. Memory grows with the number of distinct keys (about
 * 40–60 bytes each for numeric keys), never with trace length.
 */
export class KeyInterner {
  /** Numeric keys: slot i is [key, id] at [2i, 2i + 1]; key −1 marks an empty slot. */
  private numericSlots = newNumericSlots(1 << 12);
  private numericMask = (1 << 12) - 1;
  private numericCount = 0;
  /** Text keys: slot i is [hash, id + 1] at [2i, 2i + 1]; id + 1 = 0 marks an empty slot. */
  private textSlots = new Int32Array(2 << 10);
  private textMask = (1 << 10) - 1;
  private textCount = 0;
  /** 64-bit keys ≥ 2^53: slot i is [low, high, id + 1, unused] at [4i, 4i + 3]; id + 1 = 0 marks an empty slot. */
  private wideSlots = new Int32Array(4 << 8);
  private wideMask = (1 << 8) - 1;
  private wideCount = 0;
  /** Per id: the key's number, NaN for a text key, WIDE_KEY for a 64-bit key (whose halves are in offsets/lengths). */
  private numbers = new Float64Array(1 << 12);
  /** Per id (text keys): where the key's bytes start in the arena, and how many there are. */
  private offsets = new Int32Array(1 << 12);
  private lengths = new Int32Array(1 << 12);
  private arena = Buffer.allocUnsafe(1 << 16);
  private arenaUsed = 0;
  private count = 0;
  /** Scratch space for keys that arrive as strings (JSON Lines, quoted CSV fields). */
  private scratch = Buffer.allocUnsafe(256);

  /** Number of distinct keys seen: every id is below it. */
  get size(): number {
    return this.count;
  }

  /** The id of a canonical decimal key 0 ≤ value < 10^15. */
  internNumber(value: number): number {
    const slots = this.numericSlots;
    const mask = this.numericMask;
    let i = numberHash(value) & mask;
    for (;;) {
      const stored = slots[2 * i];
      if (stored === value) return slots[2 * i + 1];
      if (stored === -1) break;
      i = (i + 1) & mask;
    }
    const id = this.newId();
    slots[2 * i] = value;
    slots[2 * i + 1] = id;
    this.numbers[id] = value;
    if (++this.numericCount > LOAD_LIMIT * (mask + 1)) this.growNumeric();
    return id;
  }

  /** The id of the key whose UTF-8 bytes are bytes[start, end). */
  internBytes(bytes: Uint8Array, start: number, end: number): number {
    const h = bytesHash(bytes, start, end);
    const length = end - start;
    const slots = this.textSlots;
    const mask = this.textMask;
    let i = h & mask;
    for (;;) {
      const entry = slots[2 * i + 1];
      if (entry === 0) break;
      if (slots[2 * i] === h && this.lengths[entry - 1] === length && this.sameBytes(entry - 1, bytes, start, length)) {
        return entry - 1;
      }
      i = (i + 1) & mask;
    }
    const id = this.newId();
    slots[2 * i] = h;
    slots[2 * i + 1] = id + 1;
    if (this.arenaUsed + length > this.arena.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.arenaUsed + length));
      this.arena.copy(grown, 0, 0, this.arenaUsed);
      this.arena = grown;
    }
    this.arena.set(bytes.subarray(start, end), this.arenaUsed);
    this.numbers[id] = Number.NaN;
    this.offsets[id] = this.arenaUsed;
    this.lengths[id] = length;
    this.arenaUsed += length;
    if (++this.textCount > LOAD_LIMIT * (mask + 1)) this.growText();
    return id;
  }

  /**
   * The id of the key whose bytes are bytes[start, end): by value when they spell a canonical decimal (as
   * the CSV reader's fast path does), as text otherwise.
   */
  internField(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (length > 0 && length <= 15 && (length === 1 || bytes[start] !== 0x30)) {
      let value = 0;
      let j = start;
      for (; j < end; j++) {
        const digit = bytes[j] - 0x30;
        if (digit < 0 || digit > 9) break;
        value = value * 10 + digit;
      }
      if (j === end) return this.internNumber(value);
    }
    return this.internBytes(bytes, start, end);
  }

  /** The id of the unsigned 64-bit key high·2^32 + low (both halves as unsigned 32-bit numbers). */
  internUint64(low: number, high: number): number {
    if (high < 0x200000) return this.internNumber(high * 4294967296 + low);
    const slots = this.wideSlots;
    const mask = this.wideMask;
    const lowBits = low | 0;
    const highBits = high | 0;
    let i = wideHash(lowBits, highBits) & mask;
    for (;;) {
      const entry = slots[4 * i + 2];
      if (entry === 0) break;
      if (slots[4 * i] === lowBits && slots[4 * i + 1] === highBits) return entry - 1;
      i = (i + 1) & mask;
    }
    const id = this.newId();
    slots[4 * i] = lowBits;
    slots[4 * i + 1] = highBits;
    slots[4 * i + 2] = id + 1;
    this.numbers[id] = WIDE_KEY;
    this.offsets[id] = lowBits;
    this.lengths[id] = highBits;
    if (++this.wideCount > LOAD_LIMIT * (mask + 1)) this.growWide();
    return id;
  }

  /** The id of a key given as a string (slow path: JSON Lines and quoted CSV fields). */
  internString(key: string): number {
    if (CANONICAL_DECIMAL.test(key)) return this.internNumber(Number(key));
    const needed = Buffer.byteLength(key, 'utf8');
    if (needed > this.scratch.length) this.scratch = Buffer.allocUnsafe(needed * 2);
    const length = this.scratch.write(key, 0, 'utf8');
    return this.internBytes(this.scratch, 0, length);
  }

  /** The key's text as it was written. */
  keyName(id: number): string {
    if (!(id >= 0 && id < this.count)) throw new RangeError(`key id ${id} is not in [0, ${this.count})`);
    const value = this.numbers[id];
    if (value === WIDE_KEY) return ((BigInt(this.lengths[id] >>> 0) << 32n) | BigInt(this.offsets[id] >>> 0)).toString();
    if (!Number.isNaN(value)) return String(value);
    const offset = this.offsets[id];
    return this.arena.toString('utf8', offset, offset + this.lengths[id]);
  }

  private sameBytes(id: number, bytes: Uint8Array, start: number, length: number): boolean {
    const arena = this.arena;
    const offset = this.offsets[id];
    for (let j = 0; j < length; j++) if (arena[offset + j] !== bytes[start + j]) return false;
    return true;
  }

  private newId(): number {
    const id = this.count++;
    if (id === this.numbers.length) {
      const capacity = id * 2;
      const numbers = new Float64Array(capacity);
      numbers.set(this.numbers);
      this.numbers = numbers;
      const offsets = new Int32Array(capacity);
      offsets.set(this.offsets);
      this.offsets = offsets;
      const lengths = new Int32Array(capacity);
      lengths.set(this.lengths);
      this.lengths = lengths;
    }
    return id;
  }

  private growNumeric(): void {
    const old = this.numericSlots;
    const slotCount = (this.numericMask + 1) * 2;
    const slots = newNumericSlots(slotCount);
    const mask = slotCount - 1;
    for (let j = 0; j < old.length; j += 2) {
      const value = old[j];
      if (value === -1) continue;
      let i = numberHash(value) & mask;
      while (slots[2 * i] !== -1) i = (i + 1) & mask;
      slots[2 * i] = value;
      slots[2 * i + 1] = old[j + 1];
    }
    this.numericSlots = slots;
    this.numericMask = mask;
  }

  private growWide(): void {
    const old = this.wideSlots;
    const slotCount = (this.wideMask + 1) * 2;
    const slots = new Int32Array(slotCount * 4);
    const mask = slotCount - 1;
    for (let j = 0; j < old.length; j += 4) {
      if (old[j + 2] === 0) continue;
      let i = wideHash(old[j], old[j + 1]) & mask;
      while (slots[4 * i + 2] !== 0) i = (i + 1) & mask;
      slots.set(old.subarray(j, j + 4), 4 * i);
    }
    this.wideSlots = slots;
    this.wideMask = mask;
  }

  private growText(): void {
    const old = this.textSlots;
    const slotCount = (this.textMask + 1) * 2;
    const slots = new Int32Array(slotCount * 2);
    const mask = slotCount - 1;
    for (let j = 0; j < old.length; j += 2) {
      if (old[j + 1] === 0) continue;
      let i = old[j] & mask;
      while (slots[2 * i + 1] !== 0) i = (i + 1) & mask;
      slots[2 * i] = old[j];
      slots[2 * i + 1] = old[j + 1];
    }
    this.textSlots = slots;
    this.textMask = mask;
  }
}

const LOAD_LIMIT = 0.7;
/** Marks a 64-bit key in `numbers` (numeric keys are ≥ 0, text keys NaN). */
const WIDE_KEY = -1;

/** Keys written as plain decimals: no sign, no leading zero, at most 15 digits (exact as doubles). */
const CANONICAL_DECIMAL = /^(?:0|[1-9][0-9]{0,14})$/;

function newNumericSlots(slotCount: number): Float64Array {
  return new Float64Array(slotCount * 2).fill(-1);
}

/** murmur3's 32-bit finaliser over both halves of an integer below 2^53. */
function numberHash(value: number): number {
  const lo = value >>> 0;
  const hi = (value / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** murmur3's finaliser over both 32-bit halves. */
function wideHash(low: number, high: number): number {
  let h = Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** FNV-1a over the bytes, then a finaliser so that linear probing sees well-spread low bits. */
function bytesHash(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let j = start; j < end; j++) h = Math.imul(h ^ bytes[j], 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 12);
}
