import { usageError } from '../core/errors.js';
import { misspeltBuiltIn, RATE_METRICS } from './built-in-metrics.js';
import { percentileOf } from './histogram.js';
import type { MergedMetrics } from './merged-metrics.js';
import { metricKey } from './registry.js';

/** Aggregation is what a threshold reads of a metric: a percentile, a statistic, a count or a rate. */
export type Aggregation = { kind: 'p'; p: number } | { kind: 'avg' | 'min' | 'max' | 'med' | 'count' | 'rate' | 'value' };

/** ThresholdOperator compares the aggregate with the bound. */
export type ThresholdOperator = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** Threshold is one parsed pass/fail criterion (k6's syntax). */
export interface Threshold {
  /** name is the metric's name (`http_req_duration`); tags narrow it (`{name:upload}`). */
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly aggregation: Aggregation;
  readonly op: ThresholdOperator;
  /** value is the bound in the metric's unit: milliseconds for times (`200ms`, `2s`), a fraction for `%`. */
  readonly value: number;
  /** expression is the criterion as written, without the metric (`p(95)<200ms`). */
  readonly expression: string;
  /** abortOnFail asks the run to stop as soon as this threshold fails (`--abort-on-fail`, k6's abortOnFail). */
  readonly abortOnFail: boolean;
}

/** ThresholdResult is a threshold's verdict: `actual` is NaN when the metric has no data (and then `ok` is false). */
export interface ThresholdResult {
  /** metric is the metric key as written (`http_req_duration{name:upload}`). */
  readonly metric: string;
  readonly expression: string;
  readonly actual: number;
  readonly ok: boolean;
  readonly abortOnFail: boolean;
}

/** ThresholdInput is what users write: a list of `'metric expr'` strings, or k6's object form. */
export type ThresholdInput = string | readonly string[] | Readonly<Record<string, readonly (string | { threshold: string; abortOnFail?: boolean })[] | string>>;

const METRIC = /^\s*([A-Za-z_][\w.-]*)\s*(\{[^}]*\})?\s*(.*)$/;
const EXPR = /^(p\(\s*(\d+(?:\.\d+)?)\s*\)|avg|min|max|med|count|rate|value)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(ms|s|us|µs|m|h|%)?$/i;
const TIME_UNITS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const HINT = "write it like 'http_req_duration p(95)<200ms', 'checks rate>0.99', 'http_req_failed rate<1%' or 'iterations count>100'";

/**
 * parseThreshold reads one threshold in k6's syntax: `METRIC[{tag:value,…}] AGG OP VALUE[unit]`,
 * e.g. `http_req_duration{name:upload} p(95)<200ms`. Aggregations: p(N), avg, min, max, med, count,
 * rate, value; operators < <= > >= == !=; time units us ms s m h (turned into ms) and `%` on rates.
 * Anything else is a usage error (exit 2) quoting the text, and so is a name that looks like a
 * built-in metric but is none (`http_req_duraton`): the hint names the closest built-in.
 */
export function parseThreshold(text: string, abortOnFail = false): Threshold {
  const m = METRIC.exec(text);
  if (m === null || m[3]!.trim() === '') throw usageError(`threshold '${text}' is not of the form 'METRIC AGGREGATION OPERATOR VALUE'`, HINT);
  return parseExpression(m[1]!, m[2], m[3]!, text, abortOnFail);
}

/**
 * parseThresholds reads every form users give thresholds in: one string, a list of strings
 * (`--threshold` repeated), or k6's object `{ http_req_duration: ['p(95)<200ms'], checks: [{
 * threshold: 'rate>0.99', abortOnFail: true }] }` where keys may carry tags.
 */
export function parseThresholds(input: ThresholdInput): Threshold[] {
  if (typeof input === 'string') return [parseThreshold(input)];
  if (Array.isArray(input)) return (input as readonly string[]).map((t) => parseThreshold(t));
  const out: Threshold[] = [];
  for (const [metric, list] of Object.entries(input as Record<string, unknown>)) {
    const m = METRIC.exec(metric);
    if (m === null || m[3]!.trim() !== '') throw usageError(`threshold metric '${metric}' is not a metric name (with optional {tag:value})`, HINT);
    for (const item of typeof list === 'string' ? [list] : Array.isArray(list) ? (list as unknown[]) : [list]) {
      if (typeof item === 'string') out.push(parseExpression(m[1]!, m[2], item, `${metric} ${item}`, false));
      else if (item !== null && typeof item === 'object' && typeof (item as { threshold?: unknown }).threshold === 'string') {
        const t = item as { threshold: string; abortOnFail?: unknown };
        out.push(parseExpression(m[1]!, m[2], t.threshold, `${metric} ${t.threshold}`, t.abortOnFail === true));
      } else throw usageError(`thresholds of '${metric}' must be strings like 'p(95)<200ms'`, HINT);
    }
  }
  return out;
}

function parseExpression(name: string, tagText: string | undefined, expr: string, text: string, abortOnFail: boolean): Threshold {
  const closest = misspeltBuiltIn(name);
  if (closest !== undefined) throw usageError(`threshold '${text}': '${name}' is not a metric Gauntlet records`, `did you mean '${closest}'? (a custom metric's name must not start like a built-in one: http_, ws_, generator_, iteration, data_, checks, dropped, vus)`);
  const e = EXPR.exec(expr.trim());
  if (e === null) throw usageError(`threshold '${text}': '${expr.trim()}' is not an expression like p(95)<200ms`, HINT);
  const aggText = e[1]!.toLowerCase();
  let aggregation: Aggregation;
  if (aggText.startsWith('p(')) {
    const p = Number(e[2]);
    if (p < 0 || p > 100) throw usageError(`threshold '${text}': percentile ${p} is not within 0..100`, HINT);
    aggregation = { kind: 'p', p };
  } else aggregation = { kind: aggText as 'avg' };
  let value = Number(e[4]);
  const unit = e[5];
  if (unit === '%') {
    if (aggregation.kind !== 'rate') throw usageError(`threshold '${text}': '%' applies to rate only`, HINT);
    value /= 100;
  } else if (unit !== undefined) {
    if (aggregation.kind === 'rate' || aggregation.kind === 'count') throw usageError(`threshold '${text}': a time unit does not apply to ${aggregation.kind}`, HINT);
    value *= TIME_UNITS[unit.toLowerCase()] ?? TIME_UNITS[unit]!;
  }
  return { name, tags: parseTags(tagText, text), aggregation, op: e[3] as ThresholdOperator, value, expression: expr.trim().replace(/\s+/g, ''), abortOnFail };
}

function parseTags(tagText: string | undefined, text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  if (tagText === undefined) return tags;
  const inner = tagText.slice(1, -1).trim();
  if (inner === '') return tags;
  for (const part of inner.split(',')) {
    const i = part.indexOf(':');
    if (i <= 0) throw usageError(`threshold '${text}': tag '${part.trim()}' is not key:value`, HINT);
    tags[part.slice(0, i).trim()] = part.slice(i + 1).trim().replace(/^["']|["']$/g, '');
  }
  return tags;
}

/**
 * evaluateThresholds judges thresholds against the run's merged metrics. Trends (times in ms,
 * custom values) give p(N), avg, min, max, med and count; counters give count (and value), and rate
 * as per second over `durationMs` — except `checks` (passes / (passes + fails)) and
 * `http_req_failed` (failed / http_reqs), which are fractions as in k6; tags narrow both sides.
 * A threshold on a metric with no data fails with `actual` NaN, so a typo cannot pass silently.
 */
export function evaluateThresholds(thresholds: readonly Threshold[], metrics: MergedMetrics, durationMs: number): ThresholdResult[] {
  return thresholds.map((t) => {
    const actual = aggregate(t, metrics, durationMs);
    return { metric: metricKey(t.name, t.tags), expression: t.expression, actual, ok: !Number.isNaN(actual) && compare(actual, t.op, t.value), abortOnFail: t.abortOnFail };
  });
}

function aggregate(t: Threshold, metrics: MergedMetrics, durationMs: number): number {
  const key = metricKey(t.name, t.tags);
  const a = t.aggregation;
  if (a.kind === 'rate' && RATE_METRICS.has(t.name)) {
    if (t.name === 'checks') {
      const pass = metrics.count(metricKey('checks', { ...t.tags, result: 'pass' }));
      const fail = metrics.count(metricKey('checks', { ...t.tags, result: 'fail' }));
      return pass + fail === 0 ? NaN : pass / (pass + fail);
    }
    const total = metrics.count(metricKey('http_reqs', t.tags));
    return total === 0 ? NaN : metrics.count(key) / total;
  }
  const trend = metrics.summary(key);
  if (trend !== undefined && trend.count > 0) {
    const { h, scale } = metrics.histogram(key);
    switch (a.kind) {
      case 'p':
        return percentileOf(h, scale, a.p);
      case 'med':
        return percentileOf(h, scale, 50);
      case 'avg':
        return trend.mean;
      case 'min':
        return trend.min;
      case 'max':
        return trend.max;
      case 'count':
        return trend.count;
      case 'rate':
        return durationMs > 0 ? trend.count / (durationMs / 1000) : NaN;
      case 'value':
        return trend.max;
    }
  }
  if (!(key in metrics.counters)) {
    // A counter never incremented is 0 for count/rate, but a trend without values has no percentile.
    if (a.kind === 'count' || a.kind === 'value') return 0;
    if (a.kind === 'rate') return durationMs > 0 ? 0 : NaN;
    return NaN;
  }
  const n = metrics.count(key);
  if (a.kind === 'count' || a.kind === 'value') return n;
  if (a.kind === 'rate') return durationMs > 0 ? n / (durationMs / 1000) : NaN;
  return NaN;
}

function compare(a: number, op: ThresholdOperator, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}
