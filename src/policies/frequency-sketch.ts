/** Counters per row: four per expected entry, so four rows give sixteen 4-bit counters (8 bytes) per entry, as in Caffeine. */
const COUNTERS_PER_ENTRY = 4;
const ROWS = 4;
/** A counter saturates at 15 (4 bits). */
const COUNTER_MAX = 15;
/** After this many recorded accesses per expected entry, every counter is halved (TinyLFU's reset). */
const SAMPLES_PER_ENTRY = 10;
/** Doorkeeper bits per expected entry, and hashes per key (a Bloom filter of ~1% false positives at capacity). */
const DOORKEEPER_BITS_PER_ENTRY = 8;
const DOORKEEPER_HASHES = 3;
/** Row seeds: odd constants, so each row hashes a key id to an independent position. */
const ROW_SEEDS = [0x97cb3127, 0xb3c50fd5, 0x2f4bb1c9, 0xe4b3f3c1];
const MAX_COUNTERS_PER_ROW = 1 << 26;

/**
 * An approximate access-frequency histogram for TinyLFU admission: a count-min sketch of 4-bit counters
 * (eight per Uint32 word), four rows, estimate = the smallest of a key's four counters. Every
 * `10 × expectedEntries` recorded accesses all counters are halved, so the estimate follows recent
 * popularity rather than all of history. An optional doorkeeper (a Bloom filter, cleared at each reset)
 * absorbs each key's first access, so one-hit wonders do not occupy counters.
 * Source: Einziger, Friedman & Manes, "TinyLFU: A Highly Efficient Cache Admission Policy", ACM ToS 2017
 * (§3.3 reset, §3.4.2 doorkeeper); Caffeine `FrequencySketch` (4-bit counters, halving with the
 * odd-counter correction of the sample count).
 */
export class FrequencySketch {
  private counters: Uint32Array;
  private rowMask = 0;
  private doorkeeper: Uint32Array | null;
  private doorkeeperMask = 0;
  /** Accesses recorded since the last reset (corrected for the truncation at halving). */
  private samples = 0;
  private sampleSize = 0;
  /** Entries the sketch is currently sized for. */
  private sizedFor = 0;
  /** Halvings so far (tests and reports). */
  resets = 0;

  constructor(
    expectedEntries: number,
    private readonly withDoorkeeper: boolean,
  ) {
    this.counters = new Uint32Array(0);
    this.doorkeeper = null;
    this.resize(expectedEntries);
  }

  /** Re-sizes (and clears) the sketch when more entries are now expected than it was sized for; rare, amortised by doubling. */
  ensureCapacity(expectedEntries: number): void {
    if (expectedEntries > this.sizedFor) this.resize(Math.max(expectedEntries, this.sizedFor * 2));
  }

  /** Records one access to `key`. */
  increment(key: number): void {
    if (this.doorkeeper !== null && !this.doorkeeperHas(key)) {
      this.doorkeeperAdd(key);
      this.recordSample();
      return;
    }
    const counters = this.counters;
    const rowMask = this.rowMask;
    const rowLength = rowMask + 1;
    let added = false;
    for (let row = 0; row < ROWS; row++) {
      const index = row * rowLength + (hash(key, ROW_SEEDS[row]) & rowMask);
      const word = index >>> 3;
      const shift = (index & 7) << 2;
      if (((counters[word] >>> shift) & COUNTER_MAX) < COUNTER_MAX) {
        counters[word] += 1 << shift;
        added = true;
      }
    }
    if (added) this.recordSample();
  }

  /** The estimated number of recent accesses to `key` (0–15, or 16 with the doorkeeper's bit). */
  frequency(key: number): number {
    const counters = this.counters;
    const rowMask = this.rowMask;
    const rowLength = rowMask + 1;
    let estimate = COUNTER_MAX;
    for (let row = 0; row < ROWS; row++) {
      const index = row * rowLength + (hash(key, ROW_SEEDS[row]) & rowMask);
      const count = (counters[index >>> 3] >>> ((index & 7) << 2)) & COUNTER_MAX;
      if (count < estimate) estimate = count;
    }
    if (this.doorkeeper !== null && this.doorkeeperHas(key)) estimate++;
    return estimate;
  }

  private recordSample(): void {
    if (++this.samples >= this.sampleSize) this.reset();
  }

  /** Halves every counter; the sample count drops by the increments the truncation lost (odd counters / 4), then halves. */
  private reset(): void {
    const counters = this.counters;
    let oddCounters = 0;
    for (let word = 0; word < counters.length; word++) {
      const value = counters[word];
      oddCounters += popCount(value & 0x11111111);
      counters[word] = (value >>> 1) & 0x77777777;
    }
    this.samples = Math.max(0, (this.samples - (oddCounters >>> 2)) >>> 1);
    this.doorkeeper?.fill(0);
    this.resets++;
  }

  private resize(expectedEntries: number): void {
    const entries = Math.max(16, Math.min(Math.ceil(expectedEntries) || 16, MAX_COUNTERS_PER_ROW / COUNTERS_PER_ENTRY));
    const rowLength = powerOfTwoAtLeast(entries * COUNTERS_PER_ENTRY);
    this.rowMask = rowLength - 1;
    this.counters = new Uint32Array((rowLength * ROWS) / 8);
    if (this.withDoorkeeper) {
      const bits = powerOfTwoAtLeast(entries * DOORKEEPER_BITS_PER_ENTRY);
      this.doorkeeper = new Uint32Array(bits / 32);
      this.doorkeeperMask = bits - 1;
    }
    this.sizedFor = entries;
    this.sampleSize = SAMPLES_PER_ENTRY * entries;
    this.samples = 0;
  }

  private doorkeeperHas(key: number): boolean {
    const bits = this.doorkeeper as Uint32Array;
    for (let i = 0; i < DOORKEEPER_HASHES; i++) {
      const bit = hash(key, ROW_SEEDS[i] ^ 0x5bd1e995) & this.doorkeeperMask;
      if ((bits[bit >>> 5] & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }

  private doorkeeperAdd(key: number): void {
    const bits = this.doorkeeper as Uint32Array;
    for (let i = 0; i < DOORKEEPER_HASHES; i++) {
      const bit = hash(key, ROW_SEEDS[i] ^ 0x5bd1e995) & this.doorkeeperMask;
      bits[bit >>> 5] |= 1 << (bit & 31);
    }
  }
}

/** murmur3's 32-bit finaliser over key ⊕ seed: key ids are dense integers, so they need mixing before masking. */
function hash(key: number, seed: number): number {
  let h = Math.imul(key ^ seed, 0xcc9e2d51);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function popCount(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

function powerOfTwoAtLeast(n: number): number {
  let power = 1;
  while (power < n) power *= 2;
  return power;
}
