import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { GateVerdict } from '../../metrics/regression-gate.js';
import { percentileOf } from '../../metrics/histogram.js';
import { MergedMetrics } from '../../metrics/merged-metrics.js';
import type { RunResult } from '../../metrics/run-result.js';
import { escapeHtml } from '../escape-html.js';
import type { Comparison } from './compare-runs.js';
import { renderComparison } from './compare-text.js';

const require = createRequire(import.meta.url);
/** DISTRIBUTION_PERCENTILES are the points of the percentile-distribution chart. */
const DISTRIBUTION_PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100];
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

/** ComparisonCharts is the data the page plots: aligned series per chart, one per run. */
interface ComparisonCharts {
  labels: string[];
  series: { title: string; unit: string; x: number[]; ys: (number | null)[][] }[];
  distribution: { trend: string; x: number[]; ys: number[][] };
}

function timeSeries(runs: readonly RunResult[], title: string, unit: string, value: (r: RunResult, i: number) => number | undefined): ComparisonCharts['series'][number] {
  const xs = new Set<number>();
  // A last interval cut short (a few ms) would plot as a spike: the charts take whole intervals.
  const whole = (r: RunResult) => r.intervals.map((row, i) => [row, i] as const).filter(([row]) => row.durationMs >= r.intervalMs / 2);
  for (const r of runs) for (const [row] of whole(r)) xs.add((row.startMs + row.durationMs) / 1000);
  const x = [...xs].sort((a, b) => a - b);
  const ys = runs.map((r) => {
    const at = new Map(whole(r).map(([row, i]) => [(row.startMs + row.durationMs) / 1000, value(r, i) ?? null]));
    return x.map((t) => at.get(t) ?? null);
  });
  return { title, unit, x, ys };
}

/** comparisonCharts gathers the overlaid series: throughput and p99 per interval, and each run's percentile distribution. */
export function comparisonCharts(runs: readonly RunResult[], labels: readonly string[]): ComparisonCharts {
  const counter = runs.some((r) => (r.metrics.counters['http_reqs'] ?? 0) > 0) ? 'http_reqs' : 'iterations';
  const trend = runs.some((r) => r.summary['http_req_duration'] !== undefined) ? 'http_req_duration' : 'iteration_duration';
  const series = [
    timeSeries(runs, `throughput (${counter}/s)`, '/s', (r, i) => {
      const row = r.intervals[i]!;
      return (row.counters[counter] ?? 0) / (row.durationMs / 1000);
    }),
    timeSeries(runs, `${trend} p50 per interval`, 'ms', (r, i) => r.intervals[i]!.trends[trend]?.p50),
    timeSeries(runs, `${trend} p99 per interval`, 'ms', (r, i) => r.intervals[i]!.trends[trend]?.p99),
  ];
  // x is the "nines" of the percentile: 0 → 0, 90 → 1, 99 → 2, 99.9 → 3 … (100 is put at 5).
  const x = DISTRIBUTION_PERCENTILES.map((p) => (p === 100 ? 5 : -Math.log10(1 - p / 100)));
  const ys = runs.map((r) => {
    const { h, scale } = MergedMetrics.fromSnapshot(r.metrics).histogram(trend);
    return DISTRIBUTION_PERCENTILES.map((p) => percentileOf(h, scale, p));
  });
  return { labels: [...labels], series, distribution: { trend, x, ys } };
}

const PAGE_SCRIPT = `
const data = JSON.parse(document.getElementById('data').textContent);
const colors = ${JSON.stringify(COLORS)};
const width = Math.min(1000, document.body.clientWidth - 20);
function chart(title, unit, x, ys, xlabel, xvalues, xsplits) {
  const el = document.createElement('div');
  document.getElementById('charts').appendChild(el);
  const series = [{ label: xlabel }].concat(data.labels.map((l, i) => ({ label: l, stroke: colors[i % colors.length], width: 2, spanGaps: true, value: (u, v) => v == null ? '-' : v.toFixed(3) + ' ' + unit })));
  const axes = [{ label: xlabel }, { label: unit }];
  if (xvalues) axes[0].values = xvalues;
  if (xsplits) axes[0].splits = xsplits;
  new uPlot({ title, width, height: 300, series, axes, scales: { x: { time: false } } }, [x].concat(ys), el);
}
for (const s of data.series) chart(s.title, s.unit, s.x, s.ys, 'seconds from start');
const pct = ${JSON.stringify(DISTRIBUTION_PERCENTILES)};
chart(data.distribution.trend + ' by percentile', 'ms', data.distribution.x, data.distribution.ys, 'percentile',
  (u, splits) => splits.map((v) => { const i = data.distribution.x.findIndex((x) => Math.abs(x - v) < 1e-9); return i >= 0 ? 'p' + pct[i] : ''; }),
  () => data.distribution.x.filter((_, i) => [0, 50, 90, 99, 99.9, 99.99, 100].includes(pct[i])));
`;

/**
 * renderComparisonHtml is `compare --html`: one self-contained page (uPlot inlined from the
 * package, no network) with the comparison table, the gates, throughput and latency per interval
 * overlaid for every run, and each run's latency by percentile. Every string from a result is escaped.
 */
export function renderComparisonHtml(runs: readonly RunResult[], comparison: Comparison, gates: readonly { label: string; verdict: GateVerdict }[]): string {
  const uplotJs = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const uplotCss = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const charts = comparisonCharts(runs, comparison.labels);
  const json = JSON.stringify(charts).replace(/</g, '\\u003c');
  const gateList = gates.map(({ label, verdict: v }) => `<li class="${v.failed ? 'fail' : 'ok'}">${v.failed ? 'FAILED' : 'ok'}: ${escapeHtml(v.gate)} (${escapeHtml(label)}: ${escapeHtml(v.actual)}; base ${escapeHtml(v.base)}, bound ${escapeHtml(v.bound)})</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gauntlet comparison: ${escapeHtml(comparison.labels.join(' vs '))}</title>
<style>${uplotCss}
body{font-family:system-ui,sans-serif;margin:1em}pre{font-size:12px;overflow-x:auto}.fail{color:#b00}.ok{color:#070}</style>
</head><body>
<h1>Comparison</h1>
<p>Base: ${escapeHtml(comparison.labels[0])}; compared: ${escapeHtml(comparison.labels.slice(1).join(', '))}</p>
${gates.length > 0 ? `<h2>Regression gates</h2><ul>${gateList}</ul>` : ''}
<h2>Side by side</h2>
<pre id="table">${escapeHtml(renderComparison(comparison))}</pre>
<h2>Charts</h2>
<div id="charts"></div>
<script type="application/json" id="data">${json}</script>
<script>${uplotJs}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
