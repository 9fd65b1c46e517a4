import { bucketsOf, createHistogram, type BucketTrend, type EncodedTrend, type Histogram, type TrendForm } from './histogram.js';
import { FailureSampler } from './failure-samples.js';

/** Counter is a plain number to increment on the hot path: `counter.value++`. */
export interface Counter {
  value: number;
}

/** Trend records values of one metric into an HDR histogram (value × scale, as an integer). */
export class Trend {
  readonly key: string;
  readonly scale: number;
  histogram: Histogram;
  constructor(key: string, scale: number) {
    this.key = key;
    this.scale = scale;
    this.histogram = createHistogram();
  }
  /** record adds one value in the metric's unit; negatives and NaN are clamped to 0. */
  record(value: number): void {
    const v = Math.round(value * this.scale);
    this.histogram.recordValue(v > 0 ? v : 0);
  }
}

/** GaugeValue is a gauge over an interval: its value at the interval's end and the most it reached within it. */
export interface GaugeValue {
  value: number;
  max: number;
}

/**
 * Gauge is a level that goes up and down (active users, in-flight iterations, queued arrivals):
 * `add(+1)` / `add(-1)` on the hot path. It keeps the most it reached since the last snapshot, so a
 * burst between two snapshots is not lost. Several executors of a worker may share one gauge.
 */
export class Gauge {
  value = 0;
  max = 0;
  /** add moves the level by `delta` and keeps the interval's maximum. */
  add(delta: number): void {
    this.value += delta;
    if (this.value > this.max) this.max = this.value;
  }
}

/**
 * MetricsSnapshot is one interval's metrics of one worker: counter deltas, histograms and gauges
 * (absent in results written before gauges existed). Histograms are EncodedTrend (portable: JSON,
 * agents, saved results) unless said otherwise: a worker's snapshot to its runner holds BucketTrend.
 */
export interface MetricsSnapshot<T extends TrendForm = EncodedTrend> {
  counters: Record<string, number>;
  trends: Record<string, T>;
  gauges?: Record<string, GaugeValue>;
}

/** TIME_SCALE records milliseconds with microsecond resolution. */
export const TIME_SCALE = 1000;
/** VALUE_SCALE records custom trend values with a resolution of one millionth of their unit. */
export const VALUE_SCALE = 1_000_000;

/**
 * MetricsRegistry holds one worker's metrics. Keys are `name` or `name{tag:value,...}`. Metrics
 * cross a thread only as snapshots: `snapshot()` returns what was recorded since the last snapshot
 * and starts a new interval, so memory stays bounded however long the run.
 */
export class MetricsRegistry {
  /** failures counts the underlying messages of failed requests: end-of-run data, not in snapshots. */
  readonly failures = new FailureSampler();
  private readonly counters = new Map<string, Counter>();
  private readonly trends = new Map<string, Trend>();
  private readonly gauges = new Map<string, Gauge>();

  /** counter returns the counter for a key, creating it at 0. Keep the reference on hot paths. */
  counter(key: string): Counter {
    let c = this.counters.get(key);
    if (c === undefined) {
      c = { value: 0 };
      this.counters.set(key, c);
    }
    return c;
  }

  /** trend returns the trend for a key (scale TIME_SCALE for milliseconds), creating it. */
  trend(key: string, scale: number = TIME_SCALE): Trend {
    let t = this.trends.get(key);
    if (t === undefined) {
      t = new Trend(key, scale);
      this.trends.set(key, t);
    }
    return t;
  }

  /** gauge returns the gauge for a key, creating it at 0. Keep the reference on hot paths. */
  gauge(key: string): Gauge {
    let g = this.gauges.get(key);
    if (g === undefined) {
      g = new Gauge();
      this.gauges.set(key, g);
    }
    return g;
  }

  /** snapshot takes the deltas since the previous snapshot and resets them (histograms as their buckets). */
  snapshot(): MetricsSnapshot<BucketTrend> {
    const counters: Record<string, number> = {};
    for (const [k, c] of this.counters) {
      if (c.value !== 0) counters[k] = c.value;
      c.value = 0;
    }
    const trends: Record<string, BucketTrend> = {};
    for (const [k, t] of this.trends) {
      if (t.histogram.totalCount > 0) {
        trends[k] = bucketsOf(t.histogram, t.scale);
        t.histogram.reset();
      }
    }
    if (this.gauges.size === 0) return { counters, trends };
    // A gauge is a level, not a delta: its value carries over, its maximum starts again from it.
    const gauges: Record<string, GaugeValue> = {};
    for (const [k, g] of this.gauges) {
      gauges[k] = { value: g.value, max: g.max };
      g.max = g.value;
    }
    return { counters, trends, gauges };
  }
}

/** metricKey builds `name{k:v,...}` with tags sorted, or `name` without tags. */
export function metricKey(name: string, tags?: Record<string, string | number>): string {
  if (tags === undefined) return name;
  const keys = Object.keys(tags).sort();
  if (keys.length === 0) return name;
  return `${name}{${keys.map((k) => `${k}:${tags[k]}`).join(',')}}`;
}

/** parseMetricKey splits a key into its name and tags. */
export function parseMetricKey(key: string): { name: string; tags: Record<string, string> } {
  const i = key.indexOf('{');
  if (i < 0) return { name: key, tags: {} };
  const tags: Record<string, string> = {};
  for (const part of key.slice(i + 1, -1).split(',')) {
    const j = part.indexOf(':');
    if (j > 0) tags[part.slice(0, j)] = part.slice(j + 1);
  }
  return { name: key.slice(0, i), tags };
}
