import type * as hdr from 'hdr-histogram-js';
import type { Histogram } from '../../metrics/histogram.js';

/**
 * ExponentialBuckets is an HDR histogram re-bucketed on the base-2 exponential scale that both
 * Prometheus native histograms (`schema`) and OpenTelemetry exponential histograms (`scale`) use:
 * bucket `i` holds the values in (base^(i-1), base^i] with base = 2^(2^-scale) (Prometheus' index;
 * OpenTelemetry's index is `i - 1`). Values are in the unit asked for (value / scale / divisor).
 */
export interface ExponentialBuckets {
  readonly scale: number;
  readonly count: number;
  readonly sum: number;
  /** zeroCount counts the values that are exactly 0 (the zero bucket, threshold 0). */
  readonly zeroCount: number;
  /** indexes are increasing Prometheus bucket indexes; counts[k] belongs to indexes[k]. */
  readonly indexes: readonly number[];
  readonly counts: readonly number[];
  readonly min: number;
  readonly max: number;
}

/** BUCKET_SCALE is 8, the finest scale both formats allow: bucket bounds 0.27% apart, near HDR's 3 digits. */
export const BUCKET_SCALE = 8;

/**
 * bucketIndex is the Prometheus native-histogram bucket of a positive value at a scale: the least
 * `i` with value <= base^i (exact at powers of two, where the float logarithm may be off by one ulp).
 */
export function bucketIndex(value: number, scale: number): number {
  const factor = 2 ** scale;
  let i = Math.ceil(Math.log2(value) * factor);
  // Correct the float rounding of log2: the upper bound of bucket i must be >= value, of i-1 below it.
  if (2 ** (i / factor) < value) i++;
  else if (2 ** ((i - 1) / factor) >= value) i--;
  return i;
}

/**
 * exponentialBuckets re-buckets an HDR histogram (its values recorded × `hdrScale`) into exponential
 * buckets in units of `1 / divisor` of the metric's unit (`divisor` 1000 turns ms into seconds). Each
 * HDR bucket moves whole into the exponential bucket of its middle value, so counts stay exact; the
 * sum is HDR's (to its 3 significant digits).
 */
export function exponentialBuckets(h: Histogram, hdrScale: number, divisor = 1, scale = BUCKET_SCALE): ExponentialBuckets {
  const js = h as unknown as hdr.JsHistogram;
  const n = h.totalCount;
  const byIndex = new Map<number, number>();
  let sum = 0;
  let zeroCount = 0;
  let seen = 0;
  const maxIndex = n === 0 ? 0 : js.countsArrayLength;
  for (let i = 0; i < maxIndex && seen < n; i++) {
    const c = js.getCountAtIndex(i);
    if (c === 0) continue;
    seen += c;
    const raw = js.valueFromIndex(i);
    if (raw === 0) {
      zeroCount += c;
      continue;
    }
    const v = js.medianEquivalentValue(raw) / hdrScale / divisor;
    sum += v * c;
    const b = bucketIndex(v, scale);
    byIndex.set(b, (byIndex.get(b) ?? 0) + c);
  }
  const indexes = [...byIndex.keys()].sort((a, b) => a - b);
  return {
    scale,
    count: n,
    sum,
    zeroCount,
    indexes,
    counts: indexes.map((i) => byIndex.get(i)!),
    min: n === 0 || zeroCount > 0 || h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : h.minNonZeroValue / hdrScale / divisor,
    max: n === 0 ? 0 : h.maxValue / hdrScale / divisor,
  };
}
