import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, JsHistogram } from 'hdr-histogram-js';

/**
 * The union of latency histograms that travel in results as HdrHistogram's compressed base64 encoding
 * (µs): decoded with hdr-histogram-js, added bucket by bucket — which loses nothing, the buckets being
 * the same — and re-encoded. Percentiles are read as a run reads its own histogram (metrics/
 * latency-histogram.ts): the highest value equivalent to the bucket holding the percentile, capped at the
 * exact maximum, with the same rank rule (the ⌈p·n⌉-th sample), so they equal those of one histogram that
 * recorded every sample.
 */
export class HistogramUnion {
  private hdr: JsHistogram | null = null;

  /** Adds one encoded histogram ('' is an empty one). Throws a plain Error when it is not a valid encoding. */
  add(encoded: string): void {
    if (encoded === '') return;
    const part = decodeFromCompressedBase64(encoded, 64, false);
    try {
      if (this.hdr === null) {
        const union = build({
          bitBucketSize: 64,
          lowestDiscernibleValue: 1,
          highestTrackableValue: Math.max(2, part.maxValue),
          numberOfSignificantValueDigits: part.numberOfSignificantValueDigits as 1 | 2 | 3 | 4 | 5,
          autoResize: true,
          useWebAssembly: false,
        });
        if (!(union instanceof JsHistogram)) throw new Error('hdr-histogram-js built a histogram without bucket access');
        this.hdr = union;
      }
      if (!(part instanceof JsHistogram)) throw new Error('hdr-histogram-js decoded a histogram without bucket access');
      this.hdr.add(part);
    } finally {
      part.destroy();
    }
  }

  get count(): number {
    return this.hdr?.totalCount ?? 0;
  }

  /**
   * The value at `percentile` (0–100) in ms, capped at `maxMs` (the exact maximum); null when empty. Read as
   * LatencyHistogram.percentileMs reads it (hdr-histogram-js rounds the rank one ulp lower, which can pick
   * the previous sample in a sparse tail).
   */
  percentileMs(percentile: number, maxMs: number | null): number | null {
    const hdr = this.hdr;
    if (hdr === null || hdr.totalCount === 0) return null;
    const wanted = Math.max(1, Math.ceil((Math.min(percentile, 100) / 100) * hdr.totalCount));
    let micros = hdr.maxValue;
    let seen = 0;
    for (let i = 0; i < hdr.countsArrayLength; i++) {
      seen += hdr.getCountAtIndex(i);
      if (seen >= wanted) {
        micros = hdr.highestEquivalentValue(hdr.valueFromIndex(i));
        break;
      }
    }
    const capped = maxMs === null ? micros : Math.min(micros, Math.round(maxMs * 1000));
    return capped / 1000;
  }

  /** The union in the same compressed base64 form; '' when empty. */
  encode(): string {
    return this.hdr === null || this.hdr.totalCount === 0 ? '' : encodeIntoCompressedBase64(this.hdr);
  }

  destroy(): void {
    this.hdr?.destroy();
    this.hdr = null;
  }
}
