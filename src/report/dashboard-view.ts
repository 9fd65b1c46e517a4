import { formatDuration } from '../core/duration.js';
import { FAILURE_KINDS } from '../core/failure-kinds.js';
import { formatBytes, formatCount } from '../core/units.js';
import { isBuiltInTrend } from '../metrics/built-in-metrics.js';
import { decodeHistogram, type Histogram, type TrendSummary } from '../metrics/histogram.js';
import { parseMetricKey, VALUE_SCALE } from '../metrics/registry.js';
import type { IntervalRow, RunResult } from '../metrics/run-result.js';
import type { ChartLine, ChartSpec, PageCell, PageTable, RunView, SectionView, Tile } from './page-model.js';
import { genericSectionView } from './section-view.js';
import { countersWith, renderTextSummary } from './text-summary.js';
import { usersLine } from './run-shape-summary.js';
import { closingLine, formatThresholdActual, thresholdsFailed } from './verdict.js';

/** MAX_PAGE_POINTS bounds a frozen page's time series; a longer run is merged into buckets (the page says so). */
export const MAX_PAGE_POINTS = 5000;

/** HistogramOf gives the merged histogram of a trend (for the percentile distribution), if there is one. */
export type HistogramOf = (key: string) => { h: Histogram; scale: number } | undefined;

/** RunViewOptions: live runs say `running`; the histograms and the sections' views come from the caller. */
export interface RunViewOptions {
  readonly id?: string;
  readonly live?: boolean;
  readonly histogramOf?: HistogramOf;
  /** sectionViews show the result's sections; without them each section shows generically. */
  readonly sectionViews?: (result: RunResult) => readonly SectionView[];
}

const COLOR = { total: '#2563eb', fail: '#dc2626', drop: '#d97706', p50: '#16a34a', p90: '#2563eb', p99: '#9333ea', p999: '#db2777', max: '#dc2626', users: '#0891b2', queued: '#d97706' };
const KIND_COLORS = ['#dc2626', '#d97706', '#9333ea', '#0891b2', '#4b5563', '#db2777', '#65a30d', '#7c2d12', '#1d4ed8', '#be123c', '#15803d', '#a16207'];

/** kindColor gives each failure kind the same colour on every chart. */
export const kindColor = (kind: string): string => KIND_COLORS[Math.max(0, FAILURE_KINDS.indexOf(kind as never)) % KIND_COLORS.length]!;

/** histogramsOfResult decodes a result's trends on demand (only the ones a chart asks for). */
export function histogramsOfResult(result: RunResult): HistogramOf {
  const cache = new Map<string, { h: Histogram; scale: number } | undefined>();
  return (key) => {
    if (!cache.has(key)) {
      const e = result.metrics.trends[key];
      cache.set(key, e === undefined || e.data === '' ? undefined : { h: decodeHistogram(e), scale: e.scale });
    }
    return cache.get(key);
  };
}

/** downsample merges consecutive intervals into at most `max` rows: counters add up, percentiles keep the bucket's highest, gauges their most. */
export function downsample(rows: readonly IntervalRow[], max: number): readonly IntervalRow[] {
  if (rows.length <= max) return rows;
  const size = Math.ceil(rows.length / max);
  const out: IntervalRow[] = [];
  for (let i = 0; i < rows.length; i += size) {
    const bucket = rows.slice(i, i + size);
    const counters: Record<string, number> = {};
    const trends: Record<string, TrendSummary> = {};
    for (const r of bucket) {
      for (const [k, v] of Object.entries(r.counters)) counters[k] = (counters[k] ?? 0) + v;
      for (const [k, t] of Object.entries(r.trends)) {
        const m = trends[k];
        trends[k] = m === undefined ? { ...t } : { ...m, count: m.count + t.count, p50: Math.max(m.p50, t.p50), p90: Math.max(m.p90, t.p90), p99: Math.max(m.p99, t.p99), p999: Math.max(m.p999, t.p999), max: Math.max(m.max, t.max) };
      }
    }
    const gauges: Record<string, { value: number; max: number }> = {};
    for (const r of bucket) for (const [k, g] of Object.entries(r.gauges ?? {})) gauges[k] = { value: g.value, max: Math.max(gauges[k]?.max ?? 0, g.max) };
    out.push({ index: out.length, startMs: bucket[0]!.startMs, durationMs: bucket.reduce((s, r) => s + r.durationMs, 0), counters, trends, gauges });
  }
  return out;
}

/** isHttp: the run made HTTP requests (else its figures are iterations). */
const isHttp = (result: RunResult) => result.metrics.counters['http_reqs'] !== undefined;
const mainTrend = (http: boolean) => (http ? 'http_req_duration' : 'iteration_duration');

/**
 * seriesPoint is one interval's column values on the page: rates per second, latency percentiles of
 * the interval alone (ms), users, in flight and queued (their most in the interval), and failures per
 * second by kind (`fk:<kind>`). Every time chart reads these keys.
 */
export function seriesPoint(row: IntervalRow, http: boolean, open: boolean): Record<string, number | null> {
  const secs = Math.max(row.durationMs / 1000, 1e-9);
  const c = row.counters;
  const p: Record<string, number | null> = { t: round((row.startMs + row.durationMs) / 1000, 3) };
  const done = http ? 'http_reqs' : 'iterations';
  p['rps'] = round((c[done] ?? 0) / secs, 3);
  p['fps'] = round((c[http ? 'http_req_failed' : 'iteration_errors'] ?? 0) / secs, 3);
  const lat = (prefix: string, t: TrendSummary | undefined) => {
    const ok = t !== undefined && t.count > 0;
    p[`${prefix}_p50`] = ok ? t.p50 : null;
    p[`${prefix}_p90`] = ok ? t.p90 : null;
    p[`${prefix}_p99`] = ok ? t.p99 : null;
    p[`${prefix}_p999`] = ok ? t.p999 : null;
    p[`${prefix}_max`] = ok ? t.max : null;
  };
  lat('lat', row.trends[mainTrend(http)]);
  if (open) {
    if (http) lat('svc', row.trends['http_req_service_time']);
    const started = c['iterations'] ?? 0;
    const dropped = c['dropped_iterations'] ?? 0;
    p['dps'] = round(dropped / secs, 3);
    p['arr_due'] = round((started + dropped) / secs, 3);
    p['arr_started'] = round(started / secs, 3);
  }
  const g = row.gauges ?? {};
  if (g['vus'] !== undefined) p['users'] = g['vus'].max;
  if (g['iterations_queued'] !== undefined) p['queued'] = g['iterations_queued'].max;
  for (const k in c) {
    if (k.startsWith('http_req_failed{kind:') && k.indexOf(',') < 0) p[`fk:${k.slice('http_req_failed{kind:'.length, -1)}`] = round(c[k]! / secs, 3);
  }
  return p;
}

const round = (v: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/** seriesOf turns interval rows into the page's columns (missing values are null). */
export function seriesOf(rows: readonly IntervalRow[], http: boolean, open: boolean): Record<string, (number | null)[]> {
  const points = rows.map((r) => seriesPoint(r, http, open));
  const keys = new Set(points.flatMap((p) => Object.keys(p)));
  const out: Record<string, (number | null)[]> = {};
  for (const k of keys) out[k] = points.map((p) => p[k] ?? (k.startsWith('fk:') ? 0 : null));
  return out;
}

/** DIST_STEPS: the distribution is read at q = 1 − 10^(−i/10), i = 0, 1, …: ten points per decade of the tail. */
const DIST_STEPS = 60;

/**
 * distribution reads a histogram's percentile curve: x = 1/(1−q) (so 90 %, 99 %, 99.9 % sit a decade
 * apart on a log axis, as HdrHistogram plots them) and the value at q in the trend's unit, up to the
 * last percentile the count resolves, then the maximum at x = the count.
 */
export function distribution(h: Histogram, scale: number): { x: number[]; v: number[] } {
  const n = h.totalCount;
  const x: number[] = [];
  const v: number[] = [];
  if (n === 0) return { x, v };
  for (let i = 0; i <= DIST_STEPS; i++) {
    const tail = 10 ** (-i / 10);
    if (tail * n < 1 - 1e-9) break;
    x.push(round(1 / tail, 6));
    // As in summarizeHistogram: a bucket's highest equivalent value never reads above the maximum recorded.
    v.push(Math.min(h.getValueAtPercentile(100 * (1 - tail)), h.maxValue) / scale);
  }
  x.push(Math.max(n, (x[x.length - 1] ?? 1) * 1.01));
  v.push(h.maxValue / scale);
  return { x, v };
}

const cell = (text: string, tone?: 'ok' | 'warn' | 'fail', bar?: number): PageCell => ({ text, ...(tone !== undefined ? { tone } : {}), ...(bar !== undefined ? { bar } : {}) });
const pctOf = (v: number, n: number) => (n === 0 ? '-' : `${((100 * v) / n).toFixed(2)}%`);
const num = (v: number) => (Math.abs(v) >= 1000 || Number.isInteger(v) ? formatCount(v) : v.toPrecision(4));

function latencyTable(result: RunResult, http: boolean): PageTable {
  const s = result.summary;
  const rows: [string, TrendSummary | undefined][] = [];
  if (http) rows.push([result.model === 'open' ? 'response time (from the intended send)' : 'request', s['http_req_duration']]);
  if (result.model === 'open' && http) rows.push(['service time (from the actual send)', s['http_req_service_time']]);
  if (!http || s['iteration_duration']) rows.push(['iteration', s['iteration_duration']]);
  if (s['http_req_waiting']) rows.push(['first byte', s['http_req_waiting']]);
  if (s['http_req_connecting']) rows.push(['connect', s['http_req_connecting']]);
  if (s['http_req_blocked']) rows.push(['blocked', s['http_req_blocked']]);
  const f = formatDuration;
  const body = rows.map(([label, t]) => (t === undefined || t.count === 0 ? [label, '-', '', '', '', '', '', '', '', '', ''] : [label, formatCount(t.count), f(t.min), f(t.mean), f(t.p50), f(t.p75), f(t.p90), f(t.p95), f(t.p99), f(t.p999), f(t.max)]));
  return { id: 'latency', title: 'Latency', head: ['', 'count', 'min', 'mean', 'p50', 'p75', 'p90', 'p95', 'p99', 'p99.9', 'max'], rows: body };
}

function breakdownTable(result: RunResult, n: number): PageTable | undefined {
  const statuses = countersWith(result, 'http_reqs', 'status').sort((a, b) => Number(a[0]) - Number(b[0]));
  const failures = countersWith(result, 'http_req_failed', 'kind').sort((a, b) => FAILURE_KINDS.indexOf(a[0] as never) - FAILURE_KINDS.indexOf(b[0] as never));
  if (statuses.length === 0 && failures.length === 0) return undefined;
  const tone = (s: string) => (s.startsWith('2') || s.startsWith('3') ? 'ok' : s.startsWith('4') ? 'warn' : 'fail');
  const share = (v: number) => (n === 0 ? 0 : v / n);
  const rows = [
    ...statuses.map(([s, v]) => [`status ${s}`, cell(formatCount(v), tone(s), share(v)), pctOf(v, n)]),
    ...failures.map(([k, v]) => [`failed: ${k}`, cell(formatCount(v), 'fail', share(v)), pctOf(v, n)]),
  ];
  return { id: 'breakdown', title: 'Status codes and failures by kind', head: ['', 'count', '% of requests'], rows };
}

function failureDetailTable(result: RunResult): PageTable | undefined {
  const failures = result.failures ?? [];
  if (failures.length === 0) return undefined;
  return { id: 'failure-detail', title: 'Failure detail (most common messages per kind)', head: ['kind', 'count', 'message', 'hint'], rows: failures.map((f) => [f.kind, formatCount(f.count), f.message, f.hint ?? '']) };
}

function scriptTables(result: RunResult): PageTable[] {
  const c = result.metrics.counters;
  const out: PageTable[] = [];
  const iterations = new Map(countersWith(result, 'iterations', 'test'));
  if (iterations.size > 0) {
    const errors = new Map(countersWith(result, 'iterations_failed', 'test'));
    const threw = new Map(countersWith(result, 'iteration_errors', 'test'));
    const rows = [...iterations].map(([test, n]) => {
      const failed = Math.min(n, Math.max(errors.get(test) ?? 0, threw.get(test) ?? 0));
      const d = result.summary[`iteration_duration{test:${test}}`];
      return [test, formatCount(n), formatCount(n - failed), cell(formatCount(failed), failed > 0 ? 'fail' : undefined), d ? formatDuration(d.p50) : '-', d ? formatDuration(d.p99) : '-'];
    });
    out.push({ id: 'tests', title: 'Tests', head: ['test', 'iterations', 'succeeded', 'failed', 'p50', 'p99'], rows });
  }
  const names = Object.keys(result.summary).filter((k) => k.startsWith('http_req_duration{name:') && k.indexOf(',') < 0);
  if (names.length > 0) {
    const rows = names.map((k) => {
      const name = parseMetricKey(k).tags['name']!;
      const t = result.summary[k]!;
      const failed = c[`http_req_failed{name:${name}}`] ?? 0;
      return [name, formatCount(t.count), cell(formatCount(failed), failed > 0 ? 'fail' : undefined), formatDuration(t.p50), formatDuration(t.p90), formatDuration(t.p99), formatDuration(t.max)];
    });
    out.push({ id: 'names', title: 'Requests by name', head: ['name', 'requests', 'failed', 'p50', 'p90', 'p99', 'max'], rows });
  }
  const byCheck = new Map<string, { pass: number; fail: number }>();
  for (const k of Object.keys(c).filter((k) => k.startsWith('checks{check:'))) {
    const { tags } = parseMetricKey(k);
    const entry = byCheck.get(tags['check']!) ?? { pass: 0, fail: 0 };
    if (tags['result'] === 'pass') entry.pass += c[k]!;
    else entry.fail += c[k]!;
    byCheck.set(tags['check']!, entry);
  }
  if (byCheck.size > 0) {
    const p = c['checks{result:pass}'] ?? 0;
    const f = c['checks{result:fail}'] ?? 0;
    const rows = [...byCheck].map(([name, x]) => [cell(`${x.fail === 0 ? '✓' : '✗'} ${name}`, x.fail === 0 ? 'ok' : 'fail'), formatCount(x.pass), formatCount(x.fail), cell(pctOf(x.pass, x.pass + x.fail), undefined, x.pass / Math.max(x.pass + x.fail, 1))]);
    out.push({ id: 'checks', title: 'Checks', head: ['check', 'passed', 'failed', 'passed %'], rows, note: `${pctOf(p, p + f)} of ${formatCount(p + f)} checks passed` });
  }
  const custom = Object.keys(result.metrics.trends).filter((k) => !isBuiltInTrend(k) && result.summary[k] !== undefined).sort();
  if (custom.length > 0) {
    const rows = custom.map((k) => {
      const t = result.summary[k]!;
      const f = result.metrics.trends[k]!.scale === VALUE_SCALE ? num : formatDuration;
      return [k, formatCount(t.count), f(t.mean), f(t.p50), f(t.p90), f(t.p99), f(t.max)];
    });
    out.push({ id: 'custom', title: 'Custom metrics', head: ['metric', 'count', 'mean', 'p50', 'p90', 'p99', 'max'], rows });
  }
  return out;
}

function tiles(result: RunResult, http: boolean): Tile[] {
  const c = result.metrics.counters;
  const n = http ? (c['http_reqs'] ?? 0) : (c['iterations'] ?? 0);
  const failed = http ? (c['http_req_failed'] ?? 0) : Math.max(c['iterations_failed'] ?? 0, c['iteration_errors'] ?? 0);
  const secs = Math.max(result.durationMs / 1000, 1e-9);
  const t = result.summary[mainTrend(http)];
  const out: Tile[] = [
    { id: 'requests', label: http ? 'requests' : 'iterations', value: formatCount(n), raw: n },
    { id: 'rate', label: http ? 'requests/s' : 'iterations/s', value: (n / secs).toFixed(1), raw: n / secs },
    { id: 'failures', label: 'failed', value: formatCount(failed), raw: failed, sub: pctOf(failed, n), ...(failed > 0 ? { tone: 'fail' as const } : {}) },
  ];
  if (t !== undefined && t.count > 0) {
    const lat = result.model === 'open' && http ? 'response time' : http ? 'latency' : 'iteration';
    out.push(
      { id: 'p50', label: `${lat} p50`, value: formatDuration(t.p50), raw: t.p50 },
      { id: 'p99', label: `${lat} p99`, value: formatDuration(t.p99), raw: t.p99 },
      { id: 'p999', label: `${lat} p99.9`, value: formatDuration(t.p999), raw: t.p999 },
      { id: 'max', label: `${lat} max`, value: formatDuration(t.max), raw: t.max },
    );
  }
  const users = result.intervals.reduce((m, r) => Math.max(m, r.gauges?.['vus']?.max ?? 0), 0);
  if (users > 0) out.push({ id: 'users', label: result.model === 'open' ? 'in flight (most)' : 'users (most)', value: formatCount(users), raw: users });
  if (result.model === 'open') {
    const dropped = c['dropped_iterations'] ?? 0;
    out.push({ id: 'dropped', label: 'dropped arrivals', value: formatCount(dropped), raw: dropped, ...(dropped > 0 ? { tone: 'warn' as const } : {}) });
  }
  out.push({ id: 'duration', label: 'duration', value: `${secs.toFixed(1)} s`, raw: result.durationMs / 1000 });
  return out;
}

function charts(result: RunResult, http: boolean, series: Record<string, (number | null)[]>, dist: Record<string, number[]>): ChartSpec[] {
  const open = result.model === 'open';
  const out: ChartSpec[] = [];
  const lines = (prefix: string, which: readonly (readonly ['p50' | 'p90' | 'p99' | 'p999' | 'max', string])[]): ChartLine[] => which.map(([k, label]) => ({ key: `${prefix}_${k}`, label, color: COLOR[k] }));
  out.push({
    id: 'throughput',
    title: http ? 'Throughput and failures' : 'Iterations and errors',
    unit: 'per_s',
    x: 'time',
    lines: [
      { key: 'rps', label: http ? 'requests/s' : 'iterations/s', color: COLOR.total },
      { key: 'fps', label: 'failures/s', color: COLOR.fail },
      ...(open ? [{ key: 'dps', label: 'dropped/s', color: COLOR.drop }] : []),
    ],
  });
  const all = [['p50', 'p50'], ['p90', 'p90'], ['p99', 'p99'], ['p999', 'p99.9'], ['max', 'max']] as const;
  out.push({ id: 'latency', title: http ? (open ? 'Response time (from the intended send)' : 'Latency') : 'Iteration duration', unit: 'ms', x: 'time', log: true, lines: lines('lat', all) });
  if (open && http && series['svc_p50'] !== undefined) out.push({ id: 'service', title: 'Service time (from the actual send)', unit: 'ms', x: 'time', log: true, lines: lines('svc', all) });
  if (series['users'] !== undefined) {
    out.push({
      id: 'users',
      title: open ? 'In flight and queued (most per interval)' : 'Active users (most per interval)',
      unit: 'count',
      x: 'time',
      lines: [{ key: 'users', label: open ? 'in flight' : 'users', color: COLOR.users }, ...(series['queued'] !== undefined ? [{ key: 'queued', label: 'queued', color: COLOR.queued }] : [])],
    });
  }
  if (open) {
    out.push({
      id: 'arrivals',
      title: 'Arrival rate: intended vs achieved',
      unit: 'per_s',
      x: 'time',
      lines: [
        { key: 'arr_due', label: 'intended (due)', color: COLOR.p90, dash: true },
        { key: 'arr_started', label: 'achieved (started)', color: COLOR.p50 },
        { key: 'dps', label: 'dropped', color: COLOR.drop },
      ],
    });
  }
  const kinds = Object.keys(series).filter((k) => k.startsWith('fk:'));
  if (kinds.length > 0) out.push({ id: 'kinds', title: 'Failures by kind', unit: 'per_s', x: 'time', lines: kinds.map((k) => ({ key: k, label: k.slice(3), color: kindColor(k.slice(3)) })) });
  const distLines: ChartLine[] = [];
  if (dist[mainTrend(http)] !== undefined) distLines.push({ key: mainTrend(http), label: http ? (open ? 'response time' : 'latency') : 'iteration', color: COLOR.p99 });
  if (open && http && dist['http_req_service_time'] !== undefined) distLines.push({ key: 'http_req_service_time', label: 'service time', color: COLOR.p50 });
  if (distLines.length > 0) out.push({ id: 'distribution', title: 'Latency by percentile (whole run, merged HDR histogram)', unit: 'ms', x: 'percentile', log: true, lines: distLines });
  return out;
}

/**
 * buildRunView renders one run for the page, a pure function of the result (and its histograms):
 * tiles, charts, tables and sections, every string formatted here. Live (`live: true`) the state is
 * `running` and the verdict says what has run so far; otherwise the state is the verdict: `fail`
 * when a threshold failed, the run failed or it was NOT OK, `warn` when stopped early or with failures.
 */
export function buildRunView(result: RunResult, options: RunViewOptions = {}): RunView {
  const c = result.metrics.counters;
  const http = isHttp(result);
  const open = result.model === 'open';
  const n = http ? (c['http_reqs'] ?? 0) : (c['iterations'] ?? 0);
  const notes: string[] = [];
  // A final interval under half the length (the drain after the planned end) would draw a rate cliff that is not there.
  const last = result.intervals[result.intervals.length - 1];
  const whole = !options.live && last !== undefined && result.intervals.length > 1 && last.durationMs < result.intervalMs / 2 ? result.intervals.slice(0, -1) : result.intervals;
  const rows = options.live ? whole : downsample(whole, MAX_PAGE_POINTS);
  if (rows !== whole) notes.push(`The run has ${formatCount(whole.length)} intervals; the charts merge them into ${formatCount(rows.length)} points (rates are averaged over each point, latency percentiles show the highest interval's value).`);
  const series = seriesOf(rows, http, open);
  const dist: Record<string, number[]> = {};
  const histogramOf = options.histogramOf ?? histogramsOfResult(result);
  for (const key of [mainTrend(http), ...(open && http ? ['http_req_service_time'] : [])]) {
    const h = histogramOf(key);
    if (h === undefined || h.h.totalCount === 0) continue;
    const d = distribution(h.h, h.scale);
    if (dist['x'] === undefined || d.x.length > dist['x'].length) dist['x'] = d.x;
    dist[key] = d.v;
  }
  // Curves of different lengths share the longest x: pad the shorter with their max.
  for (const k of Object.keys(dist)) if (k !== 'x') while (dist[k]!.length < dist['x']!.length) dist[k]!.push(dist[k]![dist[k]!.length - 1]!);
  const tables: PageTable[] = [latencyTable(result, http)];
  const breakdown = breakdownTable(result, n);
  if (breakdown) tables.push(breakdown);
  const detail = failureDetailTable(result);
  if (detail) tables.push(detail);
  if (result.thresholds && result.thresholds.length > 0) {
    tables.push({
      id: 'thresholds',
      title: options.live ? 'Thresholds (live: judged on the totals so far)' : 'Thresholds',
      head: ['', 'metric', 'threshold', 'actual'],
      rows: result.thresholds.map((t) => [cell(t.ok ? 'PASS' : 'FAIL', t.ok ? 'ok' : 'fail'), t.metric, t.expression, formatThresholdActual(result, t)]),
    });
  }
  tables.push(...scriptTables(result));
  const rateRows: string[][] = [];
  if (result.rate) rateRows.push(['intended rate', `${result.rate.intended.toFixed(2)}/s`], ['achieved rate', `${result.rate.achieved.toFixed(2)}/s`], ['dropped arrivals', formatCount(c['dropped_iterations'] ?? 0)]);
  if (http) {
    const secs = Math.max(result.durationMs / 1000, 1e-9);
    rateRows.push(['data received', `${formatBytes(c['data_received'] ?? 0)} (${formatBytes((c['data_received'] ?? 0) / secs)}/s)`], ['data sent', formatBytes(c['data_sent'] ?? 0)]);
  }
  if (rateRows.length > 0) tables.push({ id: 'rate', title: result.rate ? 'Rate and data' : 'Data', head: [], rows: rateRows });
  if (result.steps !== undefined && result.steps.length > 1) {
    tables.push({
      id: 'steps',
      title: 'Steps',
      head: ['step', 'span', 'load', 'throughput', 'p50', 'p99', 'failed'],
      rows: result.steps.map((s) => [
        s.label,
        `${(s.startMs / 1000).toFixed(1)}–${(s.endMs / 1000).toFixed(1)} s`,
        s.users !== undefined ? `${formatCount(s.users)} users` : s.rate !== undefined ? (s.rate.from === s.rate.to ? `${formatCount(s.rate.to)}/s` : `${formatCount(s.rate.from)}→${formatCount(s.rate.to)}/s`) : '',
        `${formatCount(s.perSecond)}/s`,
        s.p50Ms !== undefined ? formatDuration(s.p50Ms) : '-',
        s.p99Ms !== undefined ? formatDuration(s.p99Ms) : '-',
        formatCount(s.failed),
      ]),
    });
  }
  if (result.errors.length > 0) {
    tables.push({ id: 'errors', title: 'Errors in user code', head: ['count', 'message', 'where'], rows: result.errors.map((x) => [formatCount(x.count), x.message, x.stack.split('\n').slice(1, 3).join(' ').trim()]) });
  }
  const counters = Object.entries(c).sort(([a], [b]) => (a < b ? -1 : 1));
  tables.push({ id: 'counters', title: `All counters (${counters.length})`, head: ['counter', 'value'], rows: counters.map(([k, v]) => [k, formatCount(v)]), collapsed: true });
  const sections = options.sectionViews ? options.sectionViews(result) : Object.entries(result.sections ?? {}).map(([name, d]) => genericSectionView(name, d));
  const failedT = thresholdsFailed(result);
  const closing = closingLine(result);
  const early = result.stopReason === 'interrupted' || result.stopReason === 'aborted';
  const state = options.live ? 'running' : failedT || result.stopReason === 'failed' || closing.startsWith('NOT OK') ? 'fail' : early || closing.startsWith('OK, with') ? 'warn' : 'ok';
  const stop = `${result.stopReason}${result.stopReason === 'completed' && failedT ? ', thresholds failed' : ''}${result.error ? ` — ${result.error}` : ''}`;
  const meta: [string, string][] = [
    ['started', result.startedAt],
    ['duration', `${(result.durationMs / 1000).toFixed(2)} s${result.plannedDurationMs !== undefined ? ` (planned ${(result.plannedDurationMs / 1000).toFixed(2)} s)` : ''}`],
    ['model', `${result.model}${result.plannedIterations !== undefined ? `, ${formatCount(result.plannedIterations)} iterations planned` : ''}`],
    ['workers', String(result.workers)],
    ['interval', formatDuration(result.intervalMs)],
  ];
  if (!options.live) meta.push(['stop reason', stop]);
  const users = usersLine(result);
  if (users !== undefined) meta.push(['users', users.replace(/^Users: /, '')]);
  const liveVerdict = `running: ${formatCount(n)} ${http ? 'requests' : 'iterations'} so far${failedT ? '; a threshold is failing' : ''}`;
  return {
    id: options.id ?? 'run',
    title: result.label,
    state,
    verdict: options.live ? liveVerdict : closing,
    meta,
    tiles: tiles(result, http),
    charts: charts(result, http, series, dist),
    series,
    dist,
    tables,
    sections,
    notes,
    ...(options.live ? {} : { text: renderTextSummary(result) }),
  };
}
