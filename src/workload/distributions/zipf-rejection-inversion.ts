import type { RandomSource } from '../../random/random-source.js';

/**
 * Exact Zipf sampling over ranks 1..n, P(k) ∝ k^−α for any α > 0, in O(1) memory and O(1) expected time:
 * rejection-inversion (W. Hörmann and G. Derflinger, "Rejection-inversion to generate variates from
 * monotone discrete distributions", ACM TOMACS 6(3), 1996), in the form Apache Commons RNG uses
 * (RejectionInversionZipfSampler): the hat integral H(x) = ((x)^(1−α) − 1)/(1−α) has a limit at α = 1
 * (ln x), so one formula covers every α > 0. The acceptance rate is high (> 90% for the α of caching
 * workloads) and accepted values follow the Zipf pmf exactly, not an approximation.
 *
 * `setCount` changes n in O(1): only H(n + ½) depends on it, which is what the "latest" distribution needs
 * as its keyspace grows.
 */
export class ZipfRejectionInversion {
  private readonly exponent: number;
  private readonly hIntegralX1: number;
  private readonly s: number;
  private hIntegralCount = 0;
  private count = 0;

  constructor(count: number, exponent: number) {
    this.exponent = exponent;
    this.hIntegralX1 = this.hIntegral(1.5) - 1;
    this.s = 2 - this.hIntegralInverse(this.hIntegral(2.5) - this.h(2));
    this.setCount(count);
  }

  setCount(count: number): void {
    this.count = count;
    this.hIntegralCount = this.hIntegral(count + 0.5);
  }

  /** A rank in [1, n]. */
  sample(rng: RandomSource): number {
    const top = this.hIntegralCount;
    const span = this.hIntegralX1 - top;
    for (;;) {
      // u uniform in (hIntegralX1, H(n + ½)]
      const u = top + rng.nextFloat() * span;
      const x = this.hIntegralInverse(u);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > this.count) k = this.count;
      // The left test is a cheap squeeze that accepts most draws; the right one is the exact test.
      if (k - x <= this.s || u >= this.hIntegral(k + 0.5) - this.h(k)) return k;
    }
  }

  /** H(x) = (x^(1−α) − 1)/(1 − α), written to stay accurate as α → 1 (where it becomes ln x). */
  private hIntegral(x: number): number {
    const logX = Math.log(x);
    return expm1OverX((1 - this.exponent) * logX) * logX;
  }

  private h(x: number): number {
    return Math.exp(-this.exponent * Math.log(x));
  }

  private hIntegralInverse(x: number): number {
    let t = x * (1 - this.exponent);
    // Rounding can push t just below −1, where log1p is undefined.
    if (t < -1) t = -1;
    return Math.exp(log1pOverX(t) * x);
  }
}

/** log(1 + x)/x, with its Taylor series near 0 where the quotient loses precision. */
function log1pOverX(x: number): number {
  if (Math.abs(x) > 1e-8) return Math.log1p(x) / x;
  return 1 - x * (0.5 - x * (1 / 3 - 0.25 * x));
}

/** (e^x − 1)/x, with its Taylor series near 0. */
function expm1OverX(x: number): number {
  if (Math.abs(x) > 1e-8) return Math.expm1(x) / x;
  return 1 + x * 0.5 * (1 + (x / 3) * (1 + 0.25 * x));
}
