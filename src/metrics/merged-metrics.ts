import { createHistogram, decodeHistogram, encodeHistogram, summarizeHistogram, type Histogram, type TrendForm, type TrendSummary } from './histogram.js';
import type { GaugeValue, MetricsSnapshot } from './registry.js';

/** DecodedSnapshot is a snapshot whose histograms were decoded once (to be added to several merges). */
export interface DecodedSnapshot {
  readonly counters: Readonly<Record<string, number>>;
  readonly trends: ReadonlyMap<string, { scale: number; h: Histogram }>;
  readonly gauges: Readonly<Record<string, GaugeValue>>;
}

/** decodeSnapshot decodes a snapshot's histograms once. */
export function decodeSnapshot(s: MetricsSnapshot<TrendForm>): DecodedSnapshot {
  const trends = new Map<string, { scale: number; h: Histogram }>();
  for (const k in s.trends) trends.set(k, { scale: s.trends[k]!.scale, h: decodeHistogram(s.trends[k]!) });
  return { counters: s.counters, trends, gauges: s.gauges ?? {} };
}

/**
 * MergedMetrics adds snapshots exactly: counters add and histograms add, so the percentiles of a
 * merge are the percentiles of all the values recorded, whatever thread or machine recorded them.
 * Gauges of one interval add too (each worker or agent owns a disjoint share of the users): the
 * values at the interval's end add exactly; the maxima add to an upper bound of the interval's
 * maximum, exact when the sources peak together. Over several intervals a gauge keeps its most
 * (`keepMax`), never a sum.
 */
export class MergedMetrics {
  readonly counters: Record<string, number> = {};
  readonly gauges: Record<string, GaugeValue> = {};
  private readonly histograms = new Map<string, { scale: number; h: Histogram }>();

  /** add merges one snapshot (from a worker, an agent, or a saved result). */
  add(s: MetricsSnapshot<TrendForm>): void {
    this.addDecoded(decodeSnapshot(s));
  }

  /**
   * addDecoded merges a decoded snapshot of the same interval (or a whole run's totals); it may be
   * added to several merges (its histograms are copied). `gauges: false` leaves the gauges out, for
   * a merge over intervals that takes them with keepMax.
   */
  addDecoded(s: DecodedSnapshot, gauges = true): void {
    for (const k in s.counters) this.counters[k] = (this.counters[k] ?? 0) + s.counters[k]!;
    if (gauges)
      for (const k in s.gauges) {
        const cur = this.gauges[k];
        const g = s.gauges[k]!;
        this.gauges[k] = cur === undefined ? { value: g.value, max: g.max } : { value: cur.value + g.value, max: cur.max + g.max };
      }
    for (const [k, t] of s.trends) {
      const cur = this.histograms.get(k);
      if (cur === undefined) {
        const h = createHistogram(t.h.maxValue);
        h.add(t.h);
        this.histograms.set(k, { scale: t.scale, h });
      } else cur.h.add(t.h);
    }
  }

  /** keepMax takes a later interval's gauges: the value becomes the later one, the maximum the larger. */
  keepMax(gauges: Readonly<Record<string, GaugeValue>>): void {
    for (const k in gauges) {
      const g = gauges[k]!;
      const cur = this.gauges[k];
      this.gauges[k] = { value: g.value, max: Math.max(cur?.max ?? 0, g.max) };
    }
  }

  /** gauge reads a gauge (undefined when no source had it). */
  gauge(key: string): GaugeValue | undefined {
    return this.gauges[key];
  }

  /** merge adds another MergedMetrics into this one. */
  merge(other: MergedMetrics): void {
    this.add(other.toSnapshot());
  }

  /** count reads a counter (0 when never incremented). */
  count(key: string): number {
    return this.counters[key] ?? 0;
  }

  /** histogram returns the merged histogram of a trend, or an empty one. */
  histogram(key: string): { scale: number; h: Histogram } {
    return this.histograms.get(key) ?? { scale: 1000, h: createHistogram() };
  }

  /** trendKeys lists the trends that hold values. */
  trendKeys(): string[] {
    return [...this.histograms.keys()];
  }

  /** summary summarizes one trend in its unit; undefined when it has no values. */
  summary(key: string): TrendSummary | undefined {
    const t = this.histograms.get(key);
    return t === undefined ? undefined : summarizeHistogram(t.h, t.scale);
  }

  /** summaries summarizes every trend. */
  summaries(): Record<string, TrendSummary> {
    const out: Record<string, TrendSummary> = {};
    for (const [k, t] of this.histograms) out[k] = summarizeHistogram(t.h, t.scale);
    return out;
  }

  /** toSnapshot encodes the merge back into the snapshot form (for JSON and re-merging). */
  toSnapshot(): MetricsSnapshot {
    const trends: MetricsSnapshot['trends'] = {};
    for (const [k, t] of this.histograms) trends[k] = encodeHistogram(t.h, t.scale);
    const gauges = Object.keys(this.gauges).length > 0 ? { gauges: structuredClone(this.gauges) } : {};
    return { counters: { ...this.counters }, trends, ...gauges };
  }

  /** fromSnapshot rebuilds merged metrics from a snapshot (a saved JSON result). */
  static fromSnapshot(s: MetricsSnapshot<TrendForm>): MergedMetrics {
    const m = new MergedMetrics();
    m.add(s);
    return m;
  }
}
