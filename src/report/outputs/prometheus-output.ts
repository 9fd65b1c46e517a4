import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { percentileOf } from '../../metrics/histogram.js';
import { MergedMetrics } from '../../metrics/merged-metrics.js';
import type { IntervalRow, RunResult } from '../../metrics/run-result.js';
import type { Reporter } from '../reporter.js';
import { exponentialBuckets } from './exponential-buckets.js';
import { metricPrefix, metricSeries, sanitizeName } from './metric-series.js';
import { describeOutput, endpointOf, type OutputSpec } from './output-spec.js';
import { WriteRequestType } from './prompb.js';
import { PushWarnings } from './push-warnings.js';

const snappy = createRequire(import.meta.url)('snappyjs') as { compress(input: Uint8Array): Uint8Array };

type PrometheusSpec = Extract<OutputSpec, { kind: 'prometheus' }>;
interface Label {
  name: string;
  value: string;
}
interface TimeSeries {
  labels: Label[];
  samples?: { value: number; timestamp: number }[];
  histograms?: object[];
}

/** SUMMARY_QUANTILES are the quantiles a trend is sent as when native histograms are off or refused. */
const SUMMARY_QUANTILES = [0.5, 0.9, 0.95, 0.99, 0.999];
const PUSH_TIMEOUT_MS = 10_000;

/**
 * buildWriteRequest lays the run's totals out as Prometheus remote-write v1 time series at one
 * timestamp: counters `<prefix><name>_total`, time trends `<prefix><name>_seconds` as native
 * histograms (or, with `trends: 'summary'`, quantile series and `_count`/`_sum`), custom trends in
 * their own unit, gauges `<prefix><name>` and k6's rates `<prefix><name>_rate`. Tags become labels.
 */
export function buildWriteRequest(totals: MergedMetrics, names: PrometheusSpec['names'], trends: PrometheusSpec['trends'], timestamp: number): { timeseries: TimeSeries[] } {
  const prefix = metricPrefix(names);
  const s = metricSeries(totals);
  const out: TimeSeries[] = [];
  const labels = (name: string, tags: Record<string, string>, extra: Record<string, string> = {}): Label[] => [
    { name: '__name__', value: name },
    ...Object.entries({ ...tags, ...extra })
      .map(([k, v]) => ({ name: sanitizeName(k), value: v }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
  ];
  const sample = (name: string, tags: Record<string, string>, value: number, extra?: Record<string, string>) => out.push({ labels: labels(name, tags, extra), samples: [{ value, timestamp }] });
  for (const c of s.counters) sample(`${prefix}${sanitizeName(c.name)}_total`, c.tags, c.value);
  for (const g of s.gauges) sample(`${prefix}${sanitizeName(g.name)}${g.rate ? '_rate' : ''}`, g.tags, g.value);
  for (const t of s.trends) {
    const name = `${prefix}${sanitizeName(t.name)}${t.time ? '_seconds' : ''}`;
    const divisor = t.time ? 1000 : 1;
    const b = exponentialBuckets(t.h, t.scale, divisor);
    if (trends === 'summary') {
      for (const q of SUMMARY_QUANTILES) sample(name, t.tags, percentileOf(t.h, t.scale, q * 100) / divisor, { quantile: String(q) });
      sample(`${name}_count`, t.tags, b.count);
      sample(`${name}_sum`, t.tags, b.sum);
      continue;
    }
    const spans: { offset: number; length: number }[] = [];
    const deltas: number[] = [];
    let prevIndex = 0;
    let prevCount = 0;
    b.indexes.forEach((idx, k) => {
      const last = spans[spans.length - 1];
      if (last !== undefined && idx === prevIndex + 1) last.length++;
      else spans.push({ offset: spans.length === 0 ? idx : idx - prevIndex - 1, length: 1 });
      deltas.push(b.counts[k]! - prevCount);
      prevIndex = idx;
      prevCount = b.counts[k]!;
    });
    const histogram = { countInt: b.count, sum: b.sum, schema: b.scale, zeroThreshold: 0, zeroCountInt: b.zeroCount, positiveSpans: spans, positiveDeltas: deltas, timestamp };
    out.push({ labels: labels(name, t.tags), histograms: [histogram] });
  }
  return { timeseries: out };
}

/** encodeWriteRequest is the remote-write body: the protobuf, snappy-compressed (block format). */
export function encodeWriteRequest(req: { timeseries: TimeSeries[] }): Uint8Array {
  return snappy.compress(WriteRequestType.encode(WriteRequestType.fromObject(req)).finish());
}

/**
 * PrometheusOutput is `--out prometheus=URL`: every `everyMs` (5 s) it remote-writes the run's totals
 * so far (counters and native histograms are cumulative, as Prometheus expects), and at the end the
 * final totals, so the last partial interval is in. Pushes go one at a time; a push still under way
 * when the next is due is skipped (the next carries the totals anyway). A receiver that refuses
 * native histograms ("native histograms are disabled") gets summaries from then on. A failed push is
 * warned about (a bounded number of times) and never stops the run.
 */
export class PrometheusOutput implements Reporter {
  private readonly warnings: PushWarnings;
  private lastPushAt = performance.now();
  private lastTimestamp = 0;
  private inFlight: Promise<void> | undefined;
  private trends: PrometheusSpec['trends'];
  private readonly endpoint: { url: string; headers: Record<string, string> };

  constructor(
    private readonly spec: PrometheusSpec,
    warn: (line: string) => void,
  ) {
    this.warnings = new PushWarnings(describeOutput(spec), warn);
    this.trends = spec.trends;
    this.endpoint = endpointOf(spec.url);
  }

  onStart(): void {
    this.lastPushAt = performance.now();
  }

  onInterval(_row: IntervalRow, totals: MergedMetrics): void {
    const now = performance.now();
    if (now - this.lastPushAt < this.spec.everyMs || this.inFlight !== undefined) return;
    this.lastPushAt = now;
    this.inFlight = this.push(totals).finally(() => (this.inFlight = undefined));
  }

  async onEnd(result: RunResult): Promise<void> {
    await this.inFlight;
    await this.push(MergedMetrics.fromSnapshot(result.metrics));
    this.warnings.summary();
  }

  async onAbort(): Promise<void> {
    await this.inFlight;
  }

  /** push encodes the totals now (they keep changing) and sends them; never throws. */
  private async push(totals: MergedMetrics): Promise<void> {
    const timestamp = (this.lastTimestamp = Math.max(Date.now(), this.lastTimestamp + 1));
    const body = (trends: PrometheusSpec['trends']) => encodeWriteRequest(buildWriteRequest(totals, this.spec.names, trends, timestamp));
    const first = body(this.trends);
    const summary = this.trends === 'histogram' ? body('summary') : undefined;
    let answer = await this.send(first);
    if (answer !== undefined && summary !== undefined && /native histograms are disabled/i.test(answer)) {
      this.trends = 'summary';
      this.warnings.note('the receiver does not take native histograms; trends go as summaries (quantiles, _count, _sum) from now on');
      answer = await this.send(summary);
    }
    if (answer === undefined) this.warnings.ok();
    else this.warnings.fail(answer);
  }

  /** send posts one body: undefined when taken, else why not. */
  private async send(body: Uint8Array): Promise<string | undefined> {
    try {
      const res = await fetch(this.endpoint.url, {
        method: 'POST',
        headers: { ...this.endpoint.headers, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0', 'user-agent': 'gauntlet' },
        body,
        signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
      });
      const text = await res.text();
      return res.ok ? undefined : `HTTP ${res.status}: ${text.trim().slice(0, 200)}`;
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      return cause?.code ?? cause?.message ?? (e as Error).message;
    }
  }
}
