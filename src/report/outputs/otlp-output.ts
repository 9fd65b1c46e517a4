import { ValueType, type HrTime } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type CollectionResult,
  type ExponentialHistogramMetricData,
  type GaugeMetricData,
  type MetricData,
  type MetricProducer,
  type PushMetricExporter,
  type ResourceMetrics,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import { MergedMetrics } from '../../metrics/merged-metrics.js';
import type { IntervalRow, RunResult } from '../../metrics/run-result.js';
import type { PlanInfo, Reporter } from '../reporter.js';
import { exponentialBuckets } from './exponential-buckets.js';
import { metricPrefix, metricSeries, sanitizeName } from './metric-series.js';
import { describeOutput, endpointOf, type OutputSpec } from './output-spec.js';
import { PushWarnings } from './push-warnings.js';

type OtlpSpec = Extract<OutputSpec, { kind: 'otlp' }>;
const EXPORT_TIMEOUT_MS = 10_000;

function hrTime(ms: number): HrTime {
  return [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
}

/**
 * otlpMetrics lays the run's totals out as OpenTelemetry metric data, cumulative from the run's
 * start: counters as monotonic sums, trends as exponential histograms (from the HDR data, scale 8,
 * in the metric's unit: `ms` for times), gauges and k6's rates as gauges. Names are
 * `<prefix><name>` (`gauntlet_http_req_duration`, or `k6_…` with names=k6); tags become attributes.
 */
export function otlpMetrics(totals: MergedMetrics, names: OtlpSpec['names'], startMs: number, endMs: number): MetricData[] {
  const prefix = metricPrefix(names);
  const s = metricSeries(totals);
  const startTime = hrTime(startMs);
  const endTime = hrTime(endMs);
  const byName = new Map<string, MetricData>();
  const entry = <T extends MetricData>(name: string, make: () => T): T => {
    let m = byName.get(name);
    if (m === undefined) byName.set(name, (m = make()));
    return m as T;
  };
  const descriptor = (name: string, unit: string, valueType: ValueType) => ({ name, description: '', unit, valueType });
  for (const c of s.counters) {
    const name = prefix + sanitizeName(c.name);
    const m = entry<SumMetricData>(name, () => ({ descriptor: descriptor(name, c.unit === 'bytes' ? 'By' : '1', ValueType.INT), aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, dataPoints: [], isMonotonic: true }));
    m.dataPoints.push({ startTime, endTime, attributes: c.tags, value: c.value });
  }
  for (const g of s.gauges) {
    const name = prefix + sanitizeName(g.name) + (g.rate ? '_rate' : '');
    const m = entry<GaugeMetricData>(name, () => ({ descriptor: descriptor(name, '1', g.rate ? ValueType.DOUBLE : ValueType.INT), aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints: [] }));
    m.dataPoints.push({ startTime, endTime, attributes: g.tags, value: g.value });
  }
  for (const t of s.trends) {
    const name = prefix + sanitizeName(t.name);
    const b = exponentialBuckets(t.h, t.scale);
    const m = entry<ExponentialHistogramMetricData>(name, () => ({ descriptor: descriptor(name, t.time ? 'ms' : '1', ValueType.DOUBLE), aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM, dataPoints: [] }));
    // OpenTelemetry's bucket k holds (base^k, base^(k+1)]: Prometheus' index minus one.
    const first = b.indexes[0] ?? 1;
    const last = b.indexes[b.indexes.length - 1] ?? 0;
    const bucketCounts = new Array<number>(Math.max(0, last - first + 1)).fill(0);
    b.indexes.forEach((idx, k) => (bucketCounts[idx - first] = b.counts[k]!));
    m.dataPoints.push({ startTime, endTime, attributes: t.tags, value: { count: b.count, sum: b.sum, scale: b.scale, zeroCount: b.zeroCount, positive: { offset: first - 1, bucketCounts }, negative: { offset: 0, bucketCounts: [] }, min: b.min, max: b.max } });
  }
  return [...byName.values()];
}

/**
 * OtlpOutput is `--out otlp=URL`: OpenTelemetry metrics over OTLP/HTTP (protobuf) with the official
 * SDK and exporter. A MetricProducer hands the SDK's periodic reader (every `everyMs`, 5 s) the
 * run's totals as of the last interval; at the end the final totals are exported once more when the
 * provider shuts down. A failed export is warned about (a bounded number of times), never thrown.
 */
export class OtlpOutput implements Reporter {
  private readonly warnings: PushWarnings;
  private readonly provider: MeterProvider;
  private totals = new MergedMetrics();
  private startMs = Date.now();
  private endMs = Date.now();
  private label = 'gauntlet';

  constructor(
    private readonly spec: OtlpSpec,
    warn: (line: string) => void,
  ) {
    this.warnings = new PushWarnings(describeOutput(spec), warn);
    // An export (with the exporter's retries) ends within the period, so a dead receiver delays the end by one period at most.
    const timeoutMs = Math.min(EXPORT_TIMEOUT_MS, spec.everyMs);
    const endpoint = endpointOf(spec.url);
    const inner = new OTLPMetricExporter({ url: endpoint.url, headers: endpoint.headers, timeoutMillis: timeoutMs });
    const warnings = this.warnings;
    const exporter: PushMetricExporter = {
      export: (metrics, done) =>
        inner.export(metrics, (r) => {
          // ExportResultCode.SUCCESS is 0 (@opentelemetry/core).
          if (r.code === 0) warnings.ok();
          else warnings.fail(r.error?.message ?? 'export failed');
          done(r);
        }),
      forceFlush: () => inner.forceFlush(),
      shutdown: () => inner.shutdown(),
      selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
    };
    const producer: MetricProducer = { collect: () => Promise.resolve(this.collect()) };
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: spec.everyMs, exportTimeoutMillis: timeoutMs, metricProducers: [producer] });
    this.provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'gauntlet' }), readers: [reader] });
  }

  onStart(plan: PlanInfo): void {
    this.startMs = this.endMs = Date.now();
    this.label = plan.label;
  }

  onInterval(_row: IntervalRow, totals: MergedMetrics): void {
    this.totals = totals;
    this.endMs = Date.now();
  }

  async onEnd(result: RunResult): Promise<void> {
    this.totals = MergedMetrics.fromSnapshot(result.metrics);
    this.endMs = Date.now();
    await this.provider.shutdown().catch((e: unknown) => this.warnings.fail((e as Error).message));
    this.warnings.summary();
  }

  async onAbort(): Promise<void> {
    await this.provider.shutdown().catch(() => undefined);
  }

  private collect(): CollectionResult {
    const resourceMetrics: ResourceMetrics = {
      resource: resourceFromAttributes({ 'service.name': 'gauntlet', 'gauntlet.run': this.label }),
      scopeMetrics: [{ scope: { name: 'gauntlet' }, metrics: otlpMetrics(this.totals, this.spec.names, this.startMs, this.endMs) }],
    };
    return { resourceMetrics, errors: [] };
  }
}
