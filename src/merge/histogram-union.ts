import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/**
 * The union of latency histograms that travel in results as HdrHistogram's compressed base64 encoding
 * (µs): decoded with hdr-histogram-js, added bucket by bucket — which loses nothing, the buckets being
 * the same — and re-encoded. Percentiles are read as a run reads its own histogram (metrics/
 * latency-histogram.ts): the highest value equivalent to the bucket holding the percentile, capped at the
 * exact maximum, so they equal those of one histogram that recorded every sample.
 */
export class HistogramUnion {
  private hdr: Histogram | null = null;

  /** Adds one encoded histogram ('' is an empty one). Throws a plain Error when it is not a valid encoding. */
  add(encoded: string): void {
    if (encoded === '') return;
    const part = decodeFromCompressedBase64(encoded, 64, false);
    try {
      this.hdr ??= build({
        bitBucketSize: 64,
        lowestDiscernibleValue: 1,
        highestTrackableValue: Math.max(2, part.maxValue),
        numberOfSignificantValueDigits: part.numberOfSignificantValueDigits as 1 | 2 | 3 | 4 | 5,
        autoResize: true,
      });
      this.hdr.add(part);
    } finally {
      part.destroy();
    }
  }

  get count(): number {
    return this.hdr?.totalCount ?? 0;
  }

  /** The value at `percentile` (0–100) in ms, capped at `maxMs` (the exact maximum); null when empty. */
  percentileMs(percentile: number, maxMs: number | null): number | null {
    if (this.hdr === null || this.hdr.totalCount === 0) return null;
    const micros = this.hdr.getValueAtPercentile(percentile);
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
