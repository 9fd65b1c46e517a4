import type * as hdr from 'hdr-histogram-js';
import { BUILT_IN_METRICS } from '../../metrics/built-in-metrics.js';
import { MergedMetrics } from '../../metrics/merged-metrics.js';
import { parseMetricKey } from '../../metrics/registry.js';
import type { IntervalRow, RunResult } from '../../metrics/run-result.js';
import { OutputFile, type OutputFailure, type OutputFileOptions } from '../output-file.js';
import type { Reporter } from '../reporter.js';

/**
 * JsonPointsOutput is `--out json=FILE`: k6's NDJSON output as the run goes. A `Metric` line
 * announces each metric key the first time it has data (`http_reqs`, or a breakdown such as
 * `http_reqs{status:200}`, k6's sub-metric syntax, its tags in the points); `Point` lines follow
 * every interval, stamped with the interval's end: one point per recorded value of a trend (HDR's
 * value, 3 significant digits; as k6 writes one per sample), one point per counter with what it
 * counted in the interval, one per gauge with its level. So a sum over a metric's points is its
 * total, and a percentile over a trend's points is the run's. At the end whatever came after the
 * last interval is written too, so the points add up to the result exactly.
 */
export class JsonPointsOutput implements Reporter {
  private readonly file: OutputFile;
  private readonly announced = new Set<string>();
  private readonly counters: Record<string, number> = {};
  /** trend counts already written, per key: HDR count index → count. */
  private readonly written = new Map<string, Map<number, number>>();
  private wallStart = Date.now();

  constructor(path: string, options: OutputFileOptions = {}) {
    this.file = new OutputFile(path, '--out json', options);
  }

  /** failure is why the file stopped being written, if it did. */
  get failure(): OutputFailure | undefined {
    return this.file.failure;
  }

  onStart(): void {
    this.wallStart = Date.now();
  }

  onInterval(row: IntervalRow, totals: MergedMetrics): void {
    this.writeDeltas(totals, new Date(this.wallStart + row.startMs + row.durationMs).toISOString(), row.gauges ?? {});
  }

  onEnd(result: RunResult): void {
    this.writeDeltas(MergedMetrics.fromSnapshot(result.metrics), new Date(this.wallStart + result.durationMs).toISOString(), {});
    this.file.close();
  }

  onAbort(): void {
    this.file.close();
  }

  private writeDeltas(totals: MergedMetrics, time: string, gauges: Readonly<Record<string, { value: number }>>): void {
    let out = '';
    for (const key of Object.keys(totals.counters)) {
      const delta = totals.count(key) - (this.counters[key] ?? 0);
      if (delta === 0) continue;
      this.counters[key] = totals.count(key);
      out += this.announce(key, 'counter') + point(key, time, delta);
    }
    for (const key of Object.keys(gauges)) out += this.announce(key, 'gauge') + point(key, time, gauges[key]!.value);
    for (const key of totals.trendKeys()) {
      const { h, scale } = totals.histogram(key);
      const js = h as unknown as hdr.JsHistogram;
      let seen = 0;
      let prev = this.written.get(key);
      if (prev === undefined) this.written.set(key, (prev = new Map()));
      for (let i = 0; i < js.countsArrayLength && seen < h.totalCount; i++) {
        const c = js.getCountAtIndex(i);
        if (c === 0) continue;
        seen += c;
        const delta = c - (prev.get(i) ?? 0);
        if (delta <= 0) continue;
        prev.set(i, c);
        const v = js.valueFromIndex(i);
        const value = (v === 0 ? 0 : Math.min(js.medianEquivalentValue(v), h.maxValue)) / scale;
        out += this.announce(key, 'trend') + point(key, time, value).repeat(delta);
      }
    }
    if (out !== '') this.file.write(out);
  }

  private announce(key: string, type: 'counter' | 'gauge' | 'trend'): string {
    if (this.announced.has(key)) return '';
    this.announced.add(key);
    const unit = (BUILT_IN_METRICS as Record<string, string>)[parseMetricKey(key).name];
    const contains = unit === 'ms' ? 'time' : unit === 'bytes' ? 'data' : 'default';
    return JSON.stringify({ type: 'Metric', data: { name: key, type, contains, thresholds: [], submetrics: null }, metric: key }) + '\n';
  }
}

function point(key: string, time: string, value: number): string {
  return JSON.stringify({ metric: key, type: 'Point', data: { time, value, tags: parseMetricKey(key).tags } }) + '\n';
}
