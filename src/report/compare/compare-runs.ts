import { percentileOf, type TrendSummary } from '../../metrics/histogram.js';
import { MergedMetrics } from '../../metrics/merged-metrics.js';
import { BUILT_IN_METRICS } from '../../metrics/built-in-metrics.js';
import { parseMetricKey } from '../../metrics/registry.js';
import type { IntervalRow, RunResult } from '../../metrics/run-result.js';

/** Verdict is what a row says of a run against the base: a change beyond the noise, or none. */
export type Verdict = 'base' | 'same' | 'better' | 'worse' | 'n/a';

/** CompareCell is one run's figure in a row: its value, the noise of its estimate, and against the base. */
export interface CompareCell {
  readonly value: number;
  /** se is the standard error of `value` (NaN when unknown). */
  readonly se: number;
  /** delta is value − base value (absent for the base). */
  readonly delta?: number;
  /** noise is NOISE_K × the pooled standard error of this run and the base: a smaller |delta| is noise. */
  readonly noise?: number;
  readonly verdict: Verdict;
}

/** CompareRow is one figure across the runs; `better` says which way is better (none: only shown). */
export interface CompareRow {
  readonly label: string;
  readonly unit: 'req/s' | 'ms' | 'count' | '%' | 'pass';
  readonly better: 'higher' | 'lower' | 'none';
  readonly cells: readonly CompareCell[];
}

/** Comparison is a base run and the runs compared with it, row by row. */
export interface Comparison {
  readonly labels: readonly string[];
  readonly rows: readonly CompareRow[];
}

/**
 * NOISE_K is how many pooled standard errors a delta must exceed to be a change: 2 (about 95% when
 * the estimates are near normal).
 */
export const NOISE_K = 2;
/** Z95 is the normal quantile of the 95% order-statistic interval of a percentile. */
const Z95 = 1.96;
const STATS = [['mean', 'mean'], ['p50', 'p50'], ['p90', 'p90'], ['p95', 'p95'], ['p99', 'p99'], ['max', 'max']] as const;
const TAGGED_STATS = [['p50', 50], ['p95', 95], ['p99', 99]] as const;

interface Estimate {
  value: number;
  se: number;
}

/** fullIntervals are the intervals of a run that ran their whole length (the last one may be partial). */
function fullIntervals(r: RunResult): readonly IntervalRow[] {
  return r.intervals.filter((row) => row.durationMs >= r.intervalMs * 0.9);
}

/** spread is the standard error of the mean of a series (NaN with fewer than 3 values). */
function spread(values: readonly number[]): number {
  const n = values.length;
  if (n < 3) return NaN;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return Math.sqrt(variance / n);
}

function throughput(r: RunResult, counter: string): Estimate {
  const secs = r.durationMs / 1000;
  const count = r.metrics.counters[counter] ?? 0;
  const rates = fullIntervals(r).map((row) => (row.counters[counter] ?? 0) / (row.durationMs / 1000));
  const se = spread(rates);
  // Without a series: Poisson counting noise.
  return { value: secs > 0 ? count / secs : NaN, se: Number.isNaN(se) ? Math.sqrt(count) / Math.max(secs, 1e-9) : se };
}

function fraction(r: RunResult, key: string, of: string): Estimate {
  const n = r.metrics.counters[of] ?? 0;
  const k = r.metrics.counters[key] ?? 0;
  if (n === 0) return { value: NaN, se: NaN };
  const f = k / n;
  // Binomial noise, with at least one event's worth so that 0 against 1 in a million is no change.
  return { value: f * 100, se: (Math.sqrt(Math.max(f * (1 - f), 1 / n) / n)) * 100 };
}

/**
 * percentileSe is the order-statistic 95% interval of a percentile from the HDR histogram, as a
 * standard error: the values at ranks nq ± 1.96·√(nq(1−q)). When a rank falls outside the samples
 * (too few values to bound that percentile) it is Infinity: no verdict.
 */
function percentileSe(m: MergedMetrics, key: string, p: number): number {
  const { h, scale } = m.histogram(key);
  const n = h.totalCount;
  if (n === 0) return NaN;
  const q = p / 100;
  const half = Z95 * Math.sqrt(n * q * (1 - q));
  const lowRank = Math.floor(n * q - half);
  const highRank = Math.ceil(n * q + half) + 1;
  if (lowRank < 1 || highRank > n) return Infinity;
  return (percentileOf(h, scale, (highRank / n) * 100) - percentileOf(h, scale, (lowRank / n) * 100)) / (2 * Z95);
}

/** isRatio says whether a trend is a built-in share (0–1), compared in %. */
function isRatio(key: string): boolean {
  return (BUILT_IN_METRICS as Record<string, string>)[parseMetricKey(key).name] === 'ratio';
}

function trendStat(r: RunResult, m: MergedMetrics, key: string, stat: (typeof STATS)[number][1]): Estimate {
  const whole = m.summary(key);
  if (whole === undefined || whole.count === 0) return { value: NaN, se: NaN };
  const series = fullIntervals(r)
    .map((row) => row.trends[key])
    .filter((t): t is TrendSummary => t !== undefined && t.count > 0)
    .map((t) => t[stat]);
  let se = spread(series);
  if (Number.isNaN(se)) se = stat === 'mean' ? whole.stddev / Math.sqrt(whole.count) : stat === 'max' ? NaN : percentileSe(m, key, Number(stat.slice(1)));
  return { value: whole[stat], se };
}

function row(label: string, unit: CompareRow['unit'], better: CompareRow['better'], estimates: readonly Estimate[]): CompareRow {
  const base = estimates[0]!;
  const cells = estimates.map((e, i): CompareCell => {
    if (i === 0) return { ...e, verdict: 'base' };
    if (Number.isNaN(e.value) || Number.isNaN(base.value)) return { ...e, verdict: 'n/a' };
    const delta = e.value - base.value;
    const pooled = Math.sqrt((Number.isNaN(base.se) ? 0 : base.se ** 2) + (Number.isNaN(e.se) ? 0 : e.se ** 2));
    const noise = NOISE_K * pooled;
    let verdict: Verdict;
    if (better === 'none' || (Number.isNaN(base.se) && Number.isNaN(e.se)) || !Number.isFinite(noise)) verdict = delta === 0 ? 'same' : 'n/a';
    else if (Math.abs(delta) <= noise) verdict = 'same';
    else verdict = (better === 'higher') === delta > 0 ? 'better' : 'worse';
    return { ...e, delta, noise, verdict };
  });
  return { label, unit, better, cells };
}

/**
 * compareRuns lines up a base run and later runs: throughput, requests, failures (in all and per
 * kind), every trend's mean, percentiles and max (per request name too), and each threshold. Every
 * figure carries a standard error: from the spread of its per-interval values where the run has a
 * series (SD / √n over the whole intervals), else from counting noise (Poisson, binomial) or the
 * order-statistic interval of a percentile in the HDR histogram. A delta within NOISE_K pooled
 * standard errors is `same`; beyond it, `better` or `worse`.
 */
export function compareRuns(runs: readonly RunResult[], labels: readonly string[]): Comparison {
  const merged = runs.map((r) => MergedMetrics.fromSnapshot(r.metrics));
  const has = (key: string) => runs.some((r) => (r.metrics.counters[key] ?? 0) > 0);
  const rows: CompareRow[] = [];
  const counter = has('http_reqs') ? 'http_reqs' : 'iterations';
  rows.push(row(`throughput (${counter}/s)`, 'req/s', 'higher', runs.map((r) => throughput(r, counter))));
  rows.push(row(counter, 'count', 'none', runs.map((r) => ({ value: r.metrics.counters[counter] ?? 0, se: NaN }))));
  if (has('http_reqs')) {
    rows.push(row('failed (% of requests)', '%', 'lower', runs.map((r) => fraction(r, 'http_req_failed', 'http_reqs'))));
    const kinds = new Set<string>();
    for (const r of runs) for (const k of Object.keys(r.metrics.counters)) if (k.startsWith('http_req_failed{kind:')) kinds.add(k);
    for (const k of [...kinds].sort()) rows.push(row(`  failed: ${parseMetricKey(k).tags['kind']}`, '%', 'lower', runs.map((r) => fraction(r, k, 'http_reqs'))));
  }
  const keys = new Set<string>();
  for (const m of merged) for (const k of m.trendKeys()) keys.add(k);
  const sorted = [...keys].sort((a, b) => Number(a.includes('{')) - Number(b.includes('{')) || a.localeCompare(b));
  for (const key of sorted) {
    const unit = 'ms';
    if (isRatio(key)) {
      // The generator's own load (generator_elu, generator_cpu): shares in %, shown, not judged (more load may be more throughput).
      const pct = (e: Estimate): Estimate => ({ value: e.value * 100, se: e.se * 100 });
      for (const [label, stat] of STATS) rows.push(row(`${key} ${label}`, '%', 'none', runs.map((r, i) => pct(trendStat(r, merged[i]!, key, stat)))));
    } else if (!key.includes('{')) {
      for (const [label, stat] of STATS) rows.push(row(`${key} ${label}`, unit, 'lower', runs.map((r, i) => trendStat(r, merged[i]!, key, stat))));
    } else {
      for (const [label, p] of TAGGED_STATS) rows.push(row(`${key} ${label}`, unit, 'lower', merged.map((m) => {
        const s = m.summary(key);
        return s === undefined || s.count === 0 ? { value: NaN, se: NaN } : { value: s[label], se: percentileSe(m, key, p) };
      })));
    }
  }
  const thresholds = new Set<string>();
  for (const r of runs) for (const t of r.thresholds ?? []) thresholds.add(`${t.metric} ${t.expression}`);
  for (const t of thresholds) {
    const est = runs.map((r) => {
      const o = r.thresholds?.find((x) => `${x.metric} ${x.expression}` === t);
      return { value: o === undefined ? NaN : o.ok ? 1 : 0, se: 0 };
    });
    rows.push(row(`threshold ${t}`, 'pass', 'higher', est));
  }
  return { labels, rows };
}
