import { formatDuration } from '../core/duration.js';
import { FAILURE_KINDS } from '../core/failure-kinds.js';
import { formatBytes, formatCount } from '../core/units.js';
import { isBuiltInTrend } from '../metrics/built-in-metrics.js';
import type { TrendSummary } from '../metrics/histogram.js';
import { parseMetricKey, VALUE_SCALE } from '../metrics/registry.js';
import { escapeHtml } from './escape-html.js';
import { failureDetailHtml } from './failure-detail.js';
import type { OutputFailure, OutputFileOptions } from './output-file.js';
import { WholeOutputFile } from './whole-output-file.js';
import type { Reporter } from './reporter.js';
import type { IntervalRow, RunResult } from '../metrics/run-result.js';
import { svgBarChart, svgLineChart, type BarChartBar } from './svg-chart.js';
import { shapeChart } from './shape-chart.js';
import { countersWith, renderTextSummary } from './text-summary.js';
import { closingLine, formatThresholdActual, thresholdsFailed } from './verdict.js';

/** MAX_CHART_POINTS bounds a chart's points; a longer series is merged into buckets (the page says so). */
export const MAX_CHART_POINTS = 2000;

const e = escapeHtml;
const C = { total: '#2563eb', fail: '#dc2626', drop: '#d97706', p50: '#16a34a', p90: '#2563eb', p99: '#9333ea', max: '#dc2626', ok: '#16a34a' };

const CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2937;max-width:960px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 4px;word-break:break-all}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
table{border-collapse:collapse;margin:6px 0}td,th{padding:3px 10px;border-bottom:1px solid #f0f0f0;text-align:right;white-space:nowrap}
th{background:#f9fafb;font-weight:600}td:first-child,th:first-child{text-align:left}
.meta td{text-align:left}.seed{font-family:ui-monospace,monospace;background:#f3f4f6;padding:8px 12px;border-radius:4px;white-space:pre-wrap}
.pass{color:#15803d;font-weight:600}.fail{color:#b91c1c;font-weight:600}.note{color:#6b7280;font-size:13px}
pre{background:#f9fafb;padding:8px;overflow-x:auto;font-size:12px}svg.chart{max-width:100%;height:auto;display:block;margin:8px 0}
.ct{font-size:13px;font-weight:600;fill:#374151}.yl{font-size:11px;fill:#6b7280;text-anchor:end}.xl{font-size:11px;fill:#6b7280;text-anchor:middle}
.lg{font-size:11px;fill:#374151}.grid{stroke:#eef0f3}.axis{stroke:#9ca3af}`;

/** table renders trusted cells (callers escape what came from the result); `head` null means no header row. */
const table = (head: readonly string[] | null, rows: readonly (readonly string[])[], cls = '') =>
  `<table${cls ? ` class="${cls}"` : ''}>${head ? `<tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>` : ''}${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</table>`;

/** downsample merges consecutive intervals into at most `max` rows: counters add up, each percentile keeps the bucket's highest. */
function downsample(rows: readonly IntervalRow[], max: number): readonly IntervalRow[] {
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
        trends[k] = m === undefined ? { ...t } : { ...m, count: m.count + t.count, p50: Math.max(m.p50, t.p50), p90: Math.max(m.p90, t.p90), p99: Math.max(m.p99, t.p99), max: Math.max(m.max, t.max) };
      }
    }
    const gauges: Record<string, { value: number; max: number }> = {};
    for (const r of bucket) for (const [k, g] of Object.entries(r.gauges ?? {})) gauges[k] = { value: g.value, max: Math.max(gauges[k]?.max ?? 0, g.max) };
    out.push({ index: out.length, startMs: bucket[0]!.startMs, durationMs: bucket.reduce((s, r) => s + r.durationMs, 0), counters, trends, gauges });
  }
  return out;
}

function charts(result: RunResult, http: boolean): string {
  if (result.intervals.length === 0) return '<p class="note">No intervals were recorded.</p>';
  // The last interval is often a sliver (the drain after the planned end): a rate over a few
  // milliseconds would draw a cliff that is not there, so a final interval under half the length is left out.
  const last = result.intervals[result.intervals.length - 1]!;
  const whole = result.intervals.length > 1 && last.durationMs < result.intervalMs / 2 ? result.intervals.slice(0, -1) : result.intervals;
  const rows = downsample(whole, MAX_CHART_POINTS);
  const xs = rows.map((r) => (r.startMs + r.durationMs) / 1000);
  const perSec = (r: IntervalRow, n: number) => n / Math.max(r.durationMs / 1000, 1e-9);
  const done = http ? 'http_reqs' : 'iterations';
  const failed = http ? 'http_req_failed' : 'iteration_errors';
  const series = [
    { name: http ? 'requests/s' : 'iterations/s', color: C.total, values: rows.map((r) => perSec(r, r.counters[done] ?? 0)) },
    { name: 'failures/s', color: C.fail, values: rows.map((r) => perSec(r, r.counters[failed] ?? 0)) },
  ];
  if (result.model === 'open') series.push({ name: 'dropped/s', color: C.drop, values: rows.map((r) => perSec(r, r.counters['dropped_iterations'] ?? 0)) });
  const trend = http ? 'http_req_duration' : 'iteration_duration';
  const lat = (f: (t: TrendSummary) => number) => rows.map((r) => (r.trends[trend] && r.trends[trend].count > 0 ? f(r.trends[trend]) : undefined));
  const parts = [
    svgLineChart({ title: 'Throughput per interval', unit: '/s', xs, series }),
    svgLineChart({
      title: `${http ? (result.model === 'open' ? 'Response time' : 'Latency') : 'Iteration duration'} per interval`,
      unit: 'ms',
      xs,
      series: [
        { name: 'p50', color: C.p50, values: lat((t) => t.p50) },
        { name: 'p90', color: C.p90, values: lat((t) => t.p90) },
        { name: 'p99', color: C.p99, values: lat((t) => t.p99) },
        { name: 'max', color: C.max, values: lat((t) => t.max) },
      ],
    }),
  ];
  parts.push(shapeChart(result, rows));
  if (rows !== whole) parts.push(`<p class="note">The run has ${formatCount(result.intervals.length)} intervals; the charts merge them into ${formatCount(rows.length)} points (rates are averaged over each point, latency percentiles show the highest interval's value).</p>`);
  return parts.join('\n');
}

function breakdown(result: RunResult, n: number): string {
  const statuses = countersWith(result, 'http_reqs', 'status').sort((a, b) => Number(a[0]) - Number(b[0]));
  const failures = countersWith(result, 'http_req_failed', 'kind').sort((a, b) => FAILURE_KINDS.indexOf(a[0] as never) - FAILURE_KINDS.indexOf(b[0] as never));
  if (statuses.length === 0 && failures.length === 0) return '';
  const statusColor = (s: string) => (s.startsWith('2') ? C.ok : s.startsWith('3') ? '#0891b2' : s.startsWith('4') ? C.drop : C.fail);
  const bars: BarChartBar[] = [
    ...statuses.map(([s, v]) => ({ label: `status ${s}`, value: v, color: statusColor(s) })),
    ...failures.map(([k, v]) => ({ label: `failed: ${k}`, value: v, color: C.fail })),
  ];
  const rows = [...statuses.map(([s, v]) => [`status ${e(s)}`, formatCount(v), pctOf(v, n)]), ...failures.map(([k, v]) => [`failed: ${e(k)}`, formatCount(v), pctOf(v, n)])];
  return `<h2>Status codes and failures</h2>${svgBarChart('Responses by status and failures by kind', bars)}${table(['', 'count', '% of requests'], rows)}`;
}

const pctOf = (v: number, n: number) => (n === 0 ? '-' : `${((100 * v) / n).toFixed(2)}%`);

function latencyTable(result: RunResult, http: boolean): string {
  const s = result.summary;
  const rows: [string, TrendSummary | undefined][] = [];
  if (http) rows.push([result.model === 'open' ? 'response time (from the intended send)' : 'request', s['http_req_duration']]);
  if (result.model === 'open' && http) rows.push(['service time (from the actual send)', s['http_req_service_time']]);
  if (!http || s['iteration_duration']) rows.push(['iteration', s['iteration_duration']]);
  if (s['http_req_waiting']) rows.push(['first byte', s['http_req_waiting']]);
  if (s['http_req_connecting']) rows.push(['connect', s['http_req_connecting']]);
  const f = formatDuration;
  const body = rows.map(([label, t]) => (t === undefined || t.count === 0 ? [e(label), '-', '', '', '', '', '', '', '', '', ''] : [e(label), formatCount(t.count), f(t.min), f(t.mean), f(t.p50), f(t.p75), f(t.p90), f(t.p95), f(t.p99), f(t.p999), f(t.max)]));
  return `<h2>Latency</h2>${table(['', 'count', 'min', 'mean', 'p50', 'p75', 'p90', 'p95', 'p99', 'p99.9', 'max'], body)}`;
}


const num = (v: number) => (Math.abs(v) >= 1000 || Number.isInteger(v) ? formatCount(v) : v.toPrecision(4));

function scriptSections(result: RunResult): string {
  const c = result.metrics.counters;
  const parts: string[] = [];
  const iterations = new Map(countersWith(result, 'iterations', 'test'));
  if (iterations.size > 0) {
    const errors = new Map(countersWith(result, 'iteration_errors', 'test'));
    const rows = [...iterations].map(([test, n]) => {
      const failed = errors.get(test) ?? 0;
      const d = result.summary[`iteration_duration{test:${test}}`];
      return [e(test), formatCount(n), formatCount(n - failed), formatCount(failed), d ? formatDuration(d.p50) : '-', d ? formatDuration(d.p99) : '-'];
    });
    parts.push(`<h2>Tests</h2>${table(['test', 'iterations', 'succeeded', 'failed', 'p50', 'p99'], rows)}`);
  }
  const names = Object.keys(result.summary).filter((k) => k.startsWith('http_req_duration{name:'));
  if (names.length > 0) {
    const rows = names.map((k) => {
      const name = parseMetricKey(k).tags['name']!;
      const t = result.summary[k]!;
      return [e(name), formatCount(t.count), formatCount(c[`http_req_failed{name:${name}}`] ?? 0), formatDuration(t.p50), formatDuration(t.p90), formatDuration(t.p99), formatDuration(t.max)];
    });
    parts.push(`<h2>Requests by name</h2>${table(['name', 'requests', 'failed', 'p50', 'p90', 'p99', 'max'], rows)}`);
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
    const rows = [...byCheck].map(([name, x]) => [`<span class="${x.fail === 0 ? 'pass">✓' : 'fail">✗'}</span> ${e(name)}`, formatCount(x.pass), formatCount(x.fail)]);
    parts.push(`<h2>Checks</h2><p>${((100 * p) / Math.max(p + f, 1)).toFixed(2)}% passed (${formatCount(p)} of ${formatCount(p + f)})</p>${table(['check', 'passed', 'failed'], rows)}`);
  }
  const custom = Object.keys(result.metrics.trends).filter((k) => !isBuiltInTrend(k) && result.summary[k] !== undefined).sort();
  if (custom.length > 0) {
    const rows = custom.map((k) => {
      const t = result.summary[k]!;
      const f = result.metrics.trends[k]!.scale === VALUE_SCALE ? num : formatDuration;
      return [e(k), formatCount(t.count), f(t.mean), f(t.p50), f(t.p90), f(t.p99), f(t.max)];
    });
    parts.push(`<h2>Custom metrics</h2>${table(['metric', 'count', 'mean', 'p50', 'p90', 'p99', 'max'], rows)}`);
  }
  return parts.join('\n');
}

/** plainValue renders one value of a front door's section (numbers grouped, objects as JSON). */
const plainValue = (v: unknown) => e(typeof v === 'number' ? num(v) : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

/** sectionsHtml shows every front door's section generically (the report knows none of their types). */
function sectionsHtml(result: RunResult): string {
  return Object.entries(result.sections ?? {})
    .map(([name, d]) => sectionHtml(name, d))
    .join('');
}

/** sectionHtml shows one section: its fields in a table, its lists of records as tables. */
function sectionHtml(name: string, d: unknown): string {
  if (typeof d !== 'object' || d === null) return '';
  if (Array.isArray(d)) d = { [name]: d };
  const fields: string[][] = [];
  const lists: string[] = [];
  for (const [k, v] of Object.entries(d as Record<string, unknown>)) {
    if (Array.isArray(v) && v.every((x) => typeof x === 'object' && x !== null)) {
      const cols = [...new Set(v.flatMap((x) => Object.keys(x as object)))];
      lists.push(`<h3>${e(k)}</h3>${table(cols.map(e), v.map((x) => cols.map((col) => plainValue((x as Record<string, unknown>)[col] ?? ''))))}`);
    } else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v)) fields.push([e(`${k}.${k2}`), plainValue(v2)]);
    } else fields.push([e(k), plainValue(v)]);
  }
  const title = name.charAt(0).toUpperCase() + name.slice(1);
  return `<h2>${e(title)}</h2>${fields.length > 0 ? table(['figure', 'value'], fields, 'meta') : ''}${lists.join('')}`;
}

/**
 * renderHtmlReport renders a run as one self-contained HTML page, a pure function of the result:
 * inline CSS, charts as inline SVG, no script and no reference to anything outside the file (a
 * Content-Security-Policy forbids loading any), so opening a report never opens a connection. Every
 * string from the result is escaped. It shows what the text summary shows, plus throughput and
 * latency over time and the status/failure breakdown as charts.
 */
export function renderHtmlReport(result: RunResult): string {
  const c = result.metrics.counters;
  const http = c['http_reqs'] !== undefined;
  const n = http ? c['http_reqs']! : (c['iterations'] ?? 0);
  const text = renderTextSummary(result);
  const seed = text.slice(0, text.indexOf('\n\n') < 0 ? text.length : text.indexOf('\n\n'));
  const meta: [string, string][] = [
    ['started', e(result.startedAt)],
    ['duration', `${(result.durationMs / 1000).toFixed(2)} s${result.plannedDurationMs !== undefined ? ` (planned ${(result.plannedDurationMs / 1000).toFixed(2)} s)` : ''}`],
    ['model', `${e(result.model)}${result.plannedIterations !== undefined ? `, ${formatCount(result.plannedIterations)} iterations planned` : ''}`],
    ['workers', String(result.workers)],
    ['interval', formatDuration(result.intervalMs)],
    ['stop reason', `<span class="${result.stopReason === 'completed' && !thresholdsFailed(result) ? 'pass' : 'fail'}">${e(result.stopReason)}${result.stopReason === 'completed' && thresholdsFailed(result) ? ', thresholds failed' : ''}</span>${result.error ? ` — ${e(result.error)}` : ''}`],
  ];
  const closing = closingLine(result);
  meta.push(['verdict', `<span class="${closing.startsWith('OK') ? 'pass' : 'fail'}">${e(closing)}</span>`]);
  const parts: string[] = [];
  parts.push(`<h1>${e(result.label)}</h1>`, table(null, meta, 'meta'));
  parts.push(`<p class="seed">${e(seed)}</p>`);
  parts.push('<h2>Over time</h2>', charts(result, http));
  parts.push(latencyTable(result, http));
  parts.push(breakdown(result, n));
  parts.push(failureDetailHtml(result));
  const rateRows: string[][] = [];
  if (result.rate) {
    rateRows.push(['intended rate', `${result.rate.intended.toFixed(2)}/s`], ['achieved rate', `${result.rate.achieved.toFixed(2)}/s`], ['dropped arrivals', formatCount(c['dropped_iterations'] ?? 0)]);
  }
  if (http) {
    const secs = Math.max(result.durationMs / 1000, 1e-9);
    rateRows.push(['data received', `${formatBytes(c['data_received'] ?? 0)} (${formatBytes((c['data_received'] ?? 0) / secs)}/s)`], ['data sent', formatBytes(c['data_sent'] ?? 0)]);
  }
  if (rateRows.length > 0) parts.push(`<h2>${result.rate ? 'Rate and data' : 'Data'}</h2>${table(null, rateRows, 'meta')}`);
  if (result.thresholds && result.thresholds.length > 0) {
    const rows = result.thresholds.map((t) => [`<span class="${t.ok ? 'pass">PASS' : 'fail">FAIL'}</span>`, e(t.metric), e(t.expression), e(formatThresholdActual(result, t))]);
    parts.push(`<h2>Thresholds</h2>${table(['', 'metric', 'threshold', 'actual'], rows)}`);
  }
  parts.push(scriptSections(result));
  parts.push(sectionsHtml(result));
  if (result.errors.length > 0) {
    parts.push('<h2>Errors in user code</h2>');
    for (const x of result.errors) parts.push(`<p><b>${formatCount(x.count)} ×</b> ${e(x.message)}</p><pre>${e(x.stack.split('\n').slice(0, 8).join('\n'))}</pre>`);
  }
  const counters = Object.entries(c).sort(([a], [b]) => (a < b ? -1 : 1));
  parts.push(`<details><summary>All counters (${counters.length})</summary>${table(['counter', 'value'], counters.map(([k, v]) => [e(k), formatCount(v)]))}</details>`);
  parts.push('<p class="note">Written by Gauntlet. This page is one file: it loads nothing and runs no script.</p>');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gauntlet: ${e(result.label)}</title>
<style>${CSS}</style></head><body>
${parts.filter((p) => p !== '').join('\n')}
</body></html>
`;
}

/**
 * HtmlReporter writes the HTML report (`--html`) at the end, whole or not at all (see
 * WholeOutputFile); the file is opened at the start. A write that fails is reported to
 * `options.onFailure` and kept in `failure`, never thrown.
 */
export class HtmlReporter implements Reporter {
  private readonly file: WholeOutputFile;
  constructor(path: string, options: OutputFileOptions = {}) {
    this.file = new WholeOutputFile(path, '--html', options);
  }
  /** failure is why the file was not written, if it was not. */
  get failure(): OutputFailure | undefined {
    return this.file.failure;
  }
  onEnd(result: RunResult): void {
    this.file.writeWhole(renderHtmlReport(result));
  }
  onAbort(): void {
    this.file.discard();
  }
}
