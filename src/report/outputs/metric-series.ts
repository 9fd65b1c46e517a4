import { BUILT_IN_METRICS, RATE_METRICS } from '../../metrics/built-in-metrics.js';
import type { Histogram } from '../../metrics/histogram.js';
import type { MergedMetrics } from '../../metrics/merged-metrics.js';
import { metricKey, parseMetricKey } from '../../metrics/registry.js';
import type { MetricNames } from './output-spec.js';

/**
 * MetricSeries are a run's cumulative totals laid out for a metrics backend: one entry per metric
 * key (`http_reqs`, `http_reqs{status:200}`), its tags as labels. A key without tags is the metric's
 * total; a tagged key is a breakdown of it (as k6's sub-metrics), so a backend sums one or the other.
 */
export interface MetricSeries {
  readonly counters: readonly { name: string; tags: Record<string, string>; value: number; unit: 'count' | 'bytes' }[];
  readonly trends: readonly { name: string; tags: Record<string, string>; h: Histogram; scale: number; time: boolean }[];
  /** gauges: levels (vus) and the k6 rates (http_req_failed and checks as fractions). */
  readonly gauges: readonly { name: string; tags: Record<string, string>; value: number; rate: boolean }[];
}

/** metricPrefix is `gauntlet_` or, with names=k6, `k6_` (what k6's own Grafana dashboards query). */
export function metricPrefix(names: MetricNames): string {
  return names === 'k6' ? 'k6_' : 'gauntlet_';
}

/** sanitizeName turns a metric or tag name into a valid Prometheus/OpenTelemetry name ([a-zA-Z_][a-zA-Z0-9_]*). */
export function sanitizeName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

/** metricSeries reads the totals so far (exact: counters add, histograms merge) into series. */
export function metricSeries(totals: MergedMetrics): MetricSeries {
  const counters: MetricSeries['counters'][number][] = [];
  const trends: MetricSeries['trends'][number][] = [];
  const gauges: MetricSeries['gauges'][number][] = [];
  for (const key of Object.keys(totals.counters).sort()) {
    const { name, tags } = parseMetricKey(key);
    const unit = (BUILT_IN_METRICS as Record<string, string>)[name] === 'bytes' ? 'bytes' : 'count';
    counters.push({ name, tags, value: totals.count(key), unit });
  }
  for (const key of totals.trendKeys().sort()) {
    const { name, tags } = parseMetricKey(key);
    const { h, scale } = totals.histogram(key);
    trends.push({ name, tags, h, scale, time: (BUILT_IN_METRICS as Record<string, string>)[name] === 'ms' });
  }
  for (const key of Object.keys(totals.gauges).sort()) {
    const { name, tags } = parseMetricKey(key);
    gauges.push({ name, tags, value: totals.gauges[key]!.value, rate: false });
  }
  // k6's rates: the fraction of failed requests, of passed checks (only when there is data).
  const reqs = totals.count('http_reqs');
  if (reqs > 0 && RATE_METRICS.has('http_req_failed')) gauges.push({ name: 'http_req_failed', tags: {}, value: totals.count('http_req_failed') / reqs, rate: true });
  const pass = totals.count(metricKey('checks', { result: 'pass' }));
  const fail = totals.count(metricKey('checks', { result: 'fail' }));
  if (pass + fail > 0) gauges.push({ name: 'checks', tags: {}, value: pass / (pass + fail), rate: true });
  return { counters, trends, gauges };
}
