import type { RandomSource } from '../../random/random-source.js';
import type { KeyDistribution } from './key-distribution.js';
import { createZipfRankSampler, type ZipfRankSampler } from './zipf.js';

/**
 * YCSB's ScrambledZipfianGenerator: draw a Zipf rank, then key = |FNV-1a-64(rank)| mod N, so the popular
 * keys are scattered over the keyspace instead of being 0, 1, 2, … (which matters to anything that
 * partitions or orders keys: Redis Cluster slots, range scans, sequential-id effects).
 *
 * Differences from YCSB, on purpose:
 * - YCSB draws ranks from its approximate Zipfian over a fixed 10^10 items with α = 0.99 and only then
 *   folds them onto N; we draw from our exact Zipf over N ranks with the scenario's α, so `alpha` means
 *   the same thing here as in `zipf`.
 * - The scramble is YCSB's Utils.fnvhash64 (FNV-1a over the 8 little-endian bytes of the 0-based rank,
 *   then the absolute value of the signed result), then mod N.
 *
 * Like YCSB's, the hash is not a permutation of [0, N): ranks that collide share a key, and about 1/e of
 * the keys are never drawn. The hottest ranks almost never collide, so the head of the rank-frequency
 * profile matches `zipf` with the same α; the far tail is thinner and coarser.
 */
export class ScrambledZipfKeys implements KeyDistribution {
  private readonly ranks: ZipfRankSampler;

  constructor(
    readonly keySpace: number,
    alpha: number,
    private readonly rng: RandomSource,
  ) {
    this.ranks = createZipfRankSampler(keySpace, alpha);
  }

  nextKey(): number {
    return scrambleRank(this.ranks.sample(this.rng) - 1, this.keySpace);
  }

  nextWriteKey(): number {
    return this.nextKey();
  }
}

const TWO_32 = 4294967296;
const FNV64_OFFSET_HI = 0xcbf29ce4;
const FNV64_OFFSET_LO = 0x84222325;
/** The 64-bit FNV prime 2^40 + 0x1b3, applied as ×0x1b3 plus a 40-bit shift on 32-bit halves. */
const FNV64_PRIME_LOW = 0x1b3;

/** |FNV-1a-64(value)| mod n, for an integer 0 ≤ value < 2^53 and 1 ≤ n < 2^31, as YCSB's fnvhash64 % n. */
export function scrambleRank(value: number, n: number): number {
  let hi = FNV64_OFFSET_HI;
  let lo = FNV64_OFFSET_LO;
  let valueLo = value >>> 0;
  let valueHi = Math.floor(value / TWO_32) >>> 0;
  for (let i = 0; i < 8; i++) {
    const octet = i < 4 ? valueLo & 0xff : valueHi & 0xff;
    if (i < 4) valueLo >>>= 8;
    else valueHi >>>= 8;
    lo = (lo ^ octet) >>> 0;
    // (hi·2^32 + lo) × (2^40 + 0x1b3) mod 2^64; lo × 0x1b3 < 2^41 is exact in a double.
    const loProduct = lo * FNV64_PRIME_LOW;
    const carry = Math.floor(loProduct / TWO_32);
    hi = (Math.imul(hi, FNV64_PRIME_LOW) + carry + (lo << 8)) >>> 0;
    lo = loProduct >>> 0;
  }
  if (hi >= 0x80000000) {
    // Java's Math.abs on a negative long: two's-complement negation.
    lo = (~lo + 1) >>> 0;
    hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
  }
  // (hi·2^32 + lo) mod n without leaving exact double range: 2^32 = 2^16·2^16, each product < 2^47.
  let r = hi % n;
  r = (r * 65536) % n;
  r = (r * 65536) % n;
  return (r + (lo % n)) % n;
}
