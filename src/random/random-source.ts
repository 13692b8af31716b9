/**
 * A seeded random source: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, PractRand-clean),
 * seeded through splitmix32. No component draws from Math.random: every one receives a RandomSource,
 * so the same scenario and seed give the same numbers.
 */
export class RandomSource {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const mix = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform double in (0, 1]: safe for Math.log. */
  nextOpenFloat(): number {
    return 1 - this.nextFloat();
  }

  /** A uniform integer in [0, n), n ≤ 2^32, without modulo bias worth noticing for n ≪ 2^32. */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }

  /** A standard normal deviate (Box–Muller; the spare is dropped to keep the state simple). */
  nextGaussian(): number {
    const u = this.nextOpenFloat();
    const v = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** An exponential deviate with the given mean. */
  nextExponential(mean: number): number {
    return -Math.log(this.nextOpenFloat()) * mean;
  }

  /** An independent stream derived from this seed and a label, so adding draws in one component never shifts another. */
  static derive(seed: number, label: string): RandomSource {
    let h = 0x811c9dc5 ^ (seed >>> 0);
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ Math.floor(seed / 4294967296), 0x01000193);
    return new RandomSource(h >>> 0);
  }
}
