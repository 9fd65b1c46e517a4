import { decodeSnapshot, MergedMetrics } from './merged-metrics.js';
import type { TrendForm } from './histogram.js';
import type { MetricsSnapshot } from './registry.js';
import type { IntervalRow } from './run-result.js';

/** MergedInterval is one interval merged over every source: its row and its encoded snapshot. */
export interface MergedInterval {
  readonly row: IntervalRow;
  readonly metrics: MergedMetrics;
}

/**
 * IntervalMerger merges interval snapshots from several sources (worker threads, agents) exactly:
 * the totals and each interval add every histogram and counter. Interval k covers
 * [k·interval, (k+1)·interval) from the common start; `flush` hands out, in order, every interval
 * that `reported(k)` says all live sources have sent (or all of them, at the end).
 */
export class IntervalMerger {
  /** totals are the whole run so far. */
  readonly totals = new MergedMetrics();
  /** rows are the intervals handed out so far, in order. */
  readonly rows: IntervalRow[] = [];
  private readonly intervalMs: number;
  private readonly pending = new Map<number, { m: MergedMetrics; endMs: number }>();
  private nextEmit = 0;
  private maxIndex = -1;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /** add merges one source's snapshot of interval `index` (ending at `endMs` from the start, for a partial last one). */
  add(index: number, snapshot: MetricsSnapshot<TrendForm>, endMs: number): void {
    const decoded = decodeSnapshot(snapshot);
    // Gauges are levels: the totals take each merged interval's with keepMax in flush, never a sum over intervals.
    this.totals.addDecoded(decoded, false);
    let p = this.pending.get(index);
    if (p === undefined) this.pending.set(index, (p = { m: new MergedMetrics(), endMs: 0 }));
    p.m.addDecoded(decoded);
    p.endMs = Math.max(p.endMs, endMs);
    this.maxIndex = Math.max(this.maxIndex, index);
  }

  /** flush returns the intervals that are complete (`reported(k)`), or every one left with `all`. */
  flush(reported: (k: number) => boolean, all = false): MergedInterval[] {
    const out: MergedInterval[] = [];
    while (this.nextEmit <= this.maxIndex) {
      const k = this.nextEmit;
      if (!all && !reported(k)) break;
      const p = this.pending.get(k) ?? { m: new MergedMetrics(), endMs: 0 };
      this.pending.delete(k);
      const startMs = k * this.intervalMs;
      const durationMs = Math.max(0, Math.min(this.intervalMs, p.endMs - startMs)) || this.intervalMs;
      const trends: IntervalRow['trends'] = {};
      for (const key of p.m.trendKeys()) if (!key.includes('{')) trends[key] = p.m.summary(key)!;
      const gauges = Object.keys(p.m.gauges).length > 0 ? { gauges: structuredClone(p.m.gauges) } : {};
      this.totals.keepMax(p.m.gauges);
      const row: IntervalRow = { index: k, startMs, durationMs, counters: { ...p.m.counters }, trends, ...gauges };
      this.rows.push(row);
      this.nextEmit++;
      out.push({ row, metrics: p.m });
    }
    return out;
  }
}
