import type * as hdr from 'hdr-histogram-js';
import { decompress, doDecode } from 'hdr-histogram-js/dist/JsHistogram.encoding.js';
import { constructorFromBucketSize } from 'hdr-histogram-js/dist/JsHistogramFactory.js';

// The package's index loads every part of it (its WebAssembly build as base64, a log writer that
// builds an Intl formatter at load): ~130 ms of CPU in every thread that records. Only the plain-JS
// 32-bit histogram and its encoding (which also installs encodeIntoCompressedBase64) are loaded here.
const Int32Histogram = constructorFromBucketSize(32);

/** Histogram is an HDR histogram of integer values (hdr-histogram-js, plain JS, auto-resizing). */
export type Histogram = hdr.Histogram;

/**
 * TrendSummary is what a report shows of one trend, in the metric's own unit (milliseconds for
 * times). Percentiles come from an HDR histogram (3 significant digits), never from averaging.
 */
export interface TrendSummary {
  count: number;
  min: number;
  mean: number;
  stddev: number;
  p50: number;
  p75: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

/** EncodedTrend is a histogram as it crosses a thread or a machine: compressed base64 and its scale. */
export interface EncodedTrend {
  /** scale multiplies a value before it is recorded (1000 turns milliseconds into microseconds). */
  scale: number;
  data: string;
}

/**
 * BucketTrend is a histogram as it crosses a thread of one process: its non-empty buckets as
 * (value, count) pairs, lowest first, uncompressed. Encoding (deflate + base64, in JavaScript) cost a
 * worker 0.4–9 ms every interval and the main thread as much to decode, on the CPU the arrivals run
 * on; the pairs cost a walk of the counts. A machine still gets the portable EncodedTrend.
 */
export interface BucketTrend {
  scale: number;
  /** pairs: value, count, value, count, ... (each value maps back to its own bucket). */
  pairs: Float64Array;
}

/** TrendForm is either form a histogram crosses in: portable (EncodedTrend) or within a process (BucketTrend). */
export type TrendForm = EncodedTrend | BucketTrend;

/**
 * createHistogram builds an empty auto-resizing histogram with 3 significant digits, sized for
 * values up to `highest` when known (growing it value by value resizes its counts again and again).
 */
export function createHistogram(highest = 2): Histogram {
  const h = new Int32Histogram(1, Math.max(2, highest), 3);
  h.autoResize = true;
  return h;
}

/** encodeHistogram compresses a histogram for a snapshot (HdrHistogram's portable format). */
export function encodeHistogram(h: Histogram, scale: number): EncodedTrend {
  return { scale, data: (h as hdr.JsHistogram).encodeIntoCompressedBase64() };
}

/**
 * bucketsOf takes a histogram's non-empty buckets (BucketTrend). The last value is its bucket's
 * highest, so a histogram rebuilt from the pairs has the same counts, minimum and maximum as one
 * decoded from encodeHistogram's form.
 */
export function bucketsOf(h: Histogram, scale: number): BucketTrend {
  const js = h as unknown as hdr.JsHistogram;
  const n = h.totalCount;
  const out: number[] = [];
  // The walk stops once every count is seen (at the top bucket).
  for (let i = 0, seen = 0; i < js.countsArrayLength && seen < n; i++) {
    const c = js.getCountAtIndex(i);
    if (c === 0) continue;
    seen += c;
    out.push(js.valueFromIndex(i), c);
  }
  if (out.length > 0) out[out.length - 2] = js.highestEquivalentValue(out[out.length - 2]!);
  return { scale, pairs: Float64Array.from(out) };
}

/** decodeHistogram restores a histogram from encodeHistogram's or bucketsOf's form. */
export function decodeHistogram(e: TrendForm): Histogram {
  if ('pairs' in e) {
    const p = e.pairs;
    const h = createHistogram(p.length > 0 ? p[p.length - 2]! : 2);
    for (let i = 0; i < p.length; i += 2) h.recordValueWithCount(p[i]!, p[i + 1]!);
    return h;
  }
  // The decoder builds a histogram of its own sizing; copy into an auto-resizing one so merges never overflow.
  const decoded = doDecode(decompress(Uint8Array.from(Buffer.from(e.data.trim(), 'base64'))), 32, 0);
  const h = createHistogram();
  h.add(decoded);
  decoded.destroy();
  return h;
}

/** SUMMARY_PERCENTILES are the percentiles a TrendSummary holds, in increasing order. */
const SUMMARY_PERCENTILES = [50, 75, 90, 95, 99, 99.9] as const;

/**
 * summarizeHistogram turns a histogram into a TrendSummary in the metric's unit (value / scale). It
 * walks the counts once for every percentile, the mean and the deviation (hdr-histogram-js would
 * walk them once per figure), with the same rounding as getValueAtPercentile.
 */
export function summarizeHistogram(h: Histogram, scale: number): TrendSummary {
  const n = h.totalCount;
  if (n === 0) return { count: 0, min: 0, mean: 0, stddev: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  const js = h as unknown as hdr.JsHistogram;
  const targets = SUMMARY_PERCENTILES.map((p) => Math.max(Math.ceil((p / 100) * n - 1e-9), 1));
  const values: number[] = new Array<number>(targets.length).fill(0);
  const maxValue = h.maxValue;
  const maxIndex = js.countsArrayLength;
  let next = 0;
  let seen = 0;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < maxIndex && seen < n; i++) {
    const c = js.getCountAtIndex(i);
    if (c === 0) continue;
    const v = js.valueFromIndex(i);
    seen += c;
    const mid = js.medianEquivalentValue(v);
    sum += mid * c;
    sumSq += mid * mid * c;
    while (next < targets.length && seen >= targets[next]!) values[next++] = js.highestEquivalentValue(v);
  }
  const meanRaw = sum / n;
  const clamp = (v: number) => Math.min(v, maxValue) / scale;
  return {
    count: n,
    min: h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : h.minNonZeroValue / scale,
    mean: meanRaw / scale,
    stddev: Math.sqrt(Math.max(0, sumSq / n - meanRaw * meanRaw)) / scale,
    p50: clamp(values[0]!),
    p75: clamp(values[1]!),
    p90: clamp(values[2]!),
    p95: clamp(values[3]!),
    p99: clamp(values[4]!),
    p999: clamp(values[5]!),
    max: maxValue / scale,
  };
}

/** percentileOf reads any percentile (0..100) of an encoded trend, in the metric's unit. */
export function percentileOf(h: Histogram, scale: number, p: number): number {
  return h.totalCount === 0 ? 0 : h.getValueAtPercentile(p) / scale;
}

/**
 * shareAtOrAbove is the share (0..1) of a histogram's values at or above `bound` (in the metric's
 * unit), to HDR's resolution; 0 for an empty histogram. A bucket counts by its highest equivalent
 * value, as percentiles read it, so "more than a share s at or above b" and "p(100·(1−s)) ≥ b"
 * always agree.
 */
export function shareAtOrAbove(h: Histogram, scale: number, bound: number): number {
  const n = h.totalCount;
  if (n === 0) return 0;
  const js = h as unknown as hdr.JsHistogram;
  let seen = 0;
  let above = 0;
  for (let i = 0; i < js.countsArrayLength && seen < n; i++) {
    const c = js.getCountAtIndex(i);
    if (c === 0) continue;
    seen += c;
    if (js.highestEquivalentValue(js.valueFromIndex(i)) / scale >= bound) above += c;
  }
  return above / n;
}
