import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrendSummary } from '../metrics/histogram.js';
import { escapeHtml } from './escape-html.js';
import { createHash } from 'node:crypto';
import { createHistogram } from '../metrics/histogram.js';
import { buildRunView, distribution, MAX_PAGE_POINTS } from './dashboard-view.js';
import { jsonForScript } from './dashboard-page.js';
import { renderHtmlReport } from './html-report.js';
import type { PageDoc, PageTable } from './page-model.js';
import type { IntervalRow, RunResult } from '../metrics/run-result.js';

const trend = (p50: number): TrendSummary => ({ count: 10, min: p50 / 2, mean: p50, stddev: 1, p50, p75: p50 * 1.2, p90: p50 * 1.5, p95: p50 * 1.7, p99: p50 * 2, p999: p50 * 3, max: p50 * 4 });
const row = (i: number): IntervalRow => ({ index: i, startMs: i * 1000, durationMs: 1000, counters: { http_reqs: 100 + (i % 7), http_req_failed: i % 3, 'http_req_failed{kind:refused}': i % 3 }, trends: { http_req_duration: trend(5 + (i % 5)) } });

/** resultWith builds a small open-model result carrying hostile strings in every place a string comes from. */
function resultWith(over: Partial<RunResult> = {}): RunResult {
  return {
    format: 'gauntlet.run',
    version: 2,
    label: 'GET http://x/<script>alert(1)</script>',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 10_000,
    stopReason: 'completed',
    model: 'open',
    workers: 2,
    intervalMs: 1000,
    rate: { intended: 100, achieved: 98.5 },
    metrics: {
      counters: { http_reqs: 1000, http_req_failed: 12, 'http_reqs{status:200}': 988, 'http_reqs{status:503}': 12, 'http_req_failed{kind:refused}': 12, dropped_iterations: 15, 'iterations{test:<b>T</b>}': 5, 'checks{check:"q"&<i>,result:pass}': 3, 'checks{result:pass}': 3 },
      trends: {},
    },
    summary: { http_req_duration: trend(7), http_req_service_time: trend(4), http_req_waiting: trend(3), http_req_connecting: trend(0.5), 'http_req_duration{name:<img src=x>}': trend(8) },
    intervals: Array.from({ length: 10 }, (_, i) => row(i)),
    errors: [{ message: 'boom <script>', count: 3, stack: 'Error: boom <script>\n    at f (file:///a.js:1:1)' }],
    thresholds: [{ metric: 'http_req_duration', expression: 'p(99)<5', actual: 14, ok: false }, { metric: 'http_req_failed', expression: 'rate<0.1', actual: 0.012, ok: true }],
    sections: { durability: { target: '<u>t</u>', requests: 1000, unexpected: 2, behaviours: [{ label: 'plain<', weight: 1, requests: 1000, unexpected: 2 }], recovery: { count: 1, p50Ms: 12 } } } as unknown as RunResult['sections'],
    ...over,
  };
}

/** dataOf reads the page's embedded document back, as the page's script does. */
function dataOf(html: string): PageDoc {
  const m = /<script type="application\/json" id="gauntlet-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'the page embeds its data');
  return JSON.parse(m[1]!) as PageDoc;
}

/** markupOf is the page with the inline scripts' bodies and every text node removed: what the browser parses as tags. */
const markupOf = (html: string) => html.replace(/(<script[^>]*>)[\s\S]*?(<\/script>)/g, '$1$2').match(/<[^>]*>/g)!.join('');

const tableOf = (tables: readonly PageTable[], id: string) => tables.find((t) => t.id === id);
const texts = (t: PageTable | undefined) => (t?.rows ?? []).map((r) => r.map((c) => (typeof c === 'string' ? c : c.text)));

test('escapeHtml escapes the five characters that matter and nothing else', () => {
  assert.equal(escapeHtml(`<script>alert("x")</script> & 'y' é`), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39; é');
  assert.equal(escapeHtml(42), '42');
});

test('the embedded data cannot close its element: every string from the result comes back whole, and only as data', () => {
  const html = renderHtmlReport(resultWith());
  const data = html.slice(html.indexOf('id="gauntlet-data">'), html.indexOf('</script>', html.indexOf('id="gauntlet-data">')));
  assert.doesNotMatch(data, /<\/?script|<!--/i);
  assert.equal(jsonForScript('</script><!-- \u2028'), '"\\u003c/script>\\u003c!-- \\u2028"');
  const doc = dataOf(html);
  assert.equal(doc.title, 'GET http://x/<script>alert(1)</script>');
  const run = doc.runs[0]!;
  assert.ok(texts(tableOf(run.tables, 'names')).some((r) => r[0] === '<img src=x>'));
  assert.ok(texts(tableOf(run.tables, 'errors')).some((r) => r[1] === 'boom <script>'));
  // Outside the data and the two inline scripts, no tag comes from the result.
  const markup = markupOf(html);
  for (const tag of ['<img', '<b>', '<i>', '<u>']) assert.ok(!markup.includes(tag), `no injected ${tag}`);
  assert.equal(markup.match(/<script/g)!.length, 3, 'the data, uPlot and the page script');
});

test('the page is self-contained: no reference outside it, a policy allowing exactly its two scripts', () => {
  const html = renderHtmlReport(resultWith());
  const markup = markupOf(html);
  assert.doesNotMatch(markup, /\bsrc=|\bhref=|<link|<iframe|<object|<embed|<base/i);
  for (const style of html.match(/<style>[\s\S]*?<\/style>/g)!) assert.doesNotMatch(style, /url\(|@import|https?:/);
  const csp = /Content-Security-Policy" content="([^"]*)"/.exec(html)![1]!;
  assert.match(csp, /^default-src 'none'; script-src 'sha256-[^']+' 'sha256-[^']+'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'$/);
  assert.doesNotMatch(csp, /connect-src/, 'a report connects nowhere');
  const scripts = [...html.matchAll(/<script(?: type="module")?>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);
  assert.equal(scripts.length, 2);
  for (const h of scripts) assert.ok(csp.includes(h), 'each inline script is allowed by its hash');
});

test('a run view holds the tiles, charts, latency, breakdown, thresholds, script tables, rate and sections, with the verdict', () => {
  const v = buildRunView(resultWith());
  const tile = (id: string) => v.tiles.find((t) => t.id === id);
  assert.equal(tile('requests')!.raw, 1000);
  assert.equal(tile('failures')!.raw, 12);
  assert.equal(tile('failures')!.tone, 'fail');
  assert.equal(tile('p99')!.raw, 14);
  assert.equal(tile('dropped')!.raw, 15);
  // A failed threshold is red, never a green "completed".
  assert.equal(v.state, 'fail');
  assert.match(v.verdict, /^NOT OK: 1 of 2 thresholds failed/);
  assert.ok(v.meta.some(([k, x]) => k === 'stop reason' && x === 'completed, thresholds failed'));
  assert.deepEqual(texts(tableOf(v.tables, 'thresholds'))[0], ['FAIL', 'http_req_duration', 'p(99)<5', '14.0ms']);
  assert.deepEqual(
    v.charts.map((c) => c.id),
    ['throughput', 'latency', 'service', 'arrivals', 'kinds'],
  );
  assert.equal(v.charts.find((c) => c.id === 'latency')!.log, true);
  assert.deepEqual(v.series['t']!.slice(0, 3), [1, 2, 3]);
  assert.deepEqual(v.series['rps']!.slice(0, 2), [100, 101]);
  assert.deepEqual(v.series['lat_p99']!.slice(0, 2), [10, 12]);
  assert.deepEqual(v.series['fk:refused']!.slice(0, 3), [0, 1, 2]);
  for (const id of ['latency', 'breakdown', 'tests', 'names', 'checks', 'rate', 'errors', 'counters']) assert.ok(tableOf(v.tables, id), id);
  assert.deepEqual(texts(tableOf(v.tables, 'rate')).slice(0, 3), [['intended rate', '100.00/s'], ['achieved rate', '98.50/s'], ['dropped arrivals', '15']]);
  // A section the page has no view for shows in words, a list of records as a table: no camelCase dump, no JSON line.
  const d = v.sections.find((s) => s.id === 'section-durability')!;
  assert.ok(texts(d.tables[0]).some((r) => r[0] === 'recovery · p50 ms' && r[1] === '12.0ms'));
  assert.deepEqual(d.tables[1]!.head, ['label', 'weight', 'requests', 'unexpected']);
  assert.match(v.text!, /Test of 1000 requests complete in 10\.00 seconds/);
});

test('stopped by the user is amber, a clean run green, a failed run red', () => {
  const clean = { thresholds: [], metrics: { counters: { http_reqs: 10 }, trends: {} } } as Partial<RunResult>;
  assert.equal(buildRunView(resultWith(clean)).state, 'ok');
  assert.equal(buildRunView(resultWith({ ...clean, stopReason: 'interrupted' })).state, 'warn');
  assert.equal(buildRunView(resultWith({ ...clean, stopReason: 'failed', error: 'x' })).state, 'fail');
  assert.equal(buildRunView(resultWith(clean), { live: true }).state, 'running');
});

test('a long series is merged into at most MAX_PAGE_POINTS points, and the page says so', () => {
  const n = 3 * MAX_PAGE_POINTS + 5;
  const v = buildRunView(resultWith({ intervals: Array.from({ length: n }, (_, i) => row(i)), durationMs: n * 1000 }));
  // Buckets of 4 intervals: 3,752 points, the last one holding the 3 left over.
  assert.equal(v.series['t']!.length, Math.ceil(n / 4));
  assert.match(v.notes[0]!, /The run has 15,005 intervals; the charts merge them into 3,752 points/);
  assert.deepEqual(buildRunView(resultWith({ intervals: Array.from({ length: 300 }, (_, i) => row(i)) })).notes, []);
});

test('the percentile distribution reads the merged histogram: x = 1/(1-q), values rising to the max', () => {
  const h = createHistogram();
  for (let i = 1; i <= 10_000; i++) h.recordValue(i * 1000); // 1..10,000 ms at scale 1000
  const d = distribution(h, 1000);
  assert.equal(d.x[0], 1);
  assert.equal(d.x[10], 10);
  assert.equal(d.x[20], 100);
  assert.ok(Math.abs(d.v[10]! - 9000) / 9000 < 0.002, `p90 ${d.v[10]}`);
  assert.ok(Math.abs(d.v[20]! - 9900) / 9900 < 0.002, `p99 ${d.v[20]}`);
  assert.equal(d.v[d.v.length - 1], h.maxValue / 1000);
  for (let i = 1; i < d.v.length; i++) assert.ok(d.v[i]! >= d.v[i - 1]! && d.x[i]! > d.x[i - 1]!);
  assert.deepEqual(distribution(createHistogram(), 1000), { x: [], v: [] });
});

test('a run without HTTP shows iterations; a run without intervals has empty series', () => {
  const v = buildRunView(resultWith({ metrics: { counters: { iterations: 4, iteration_errors: 1 }, trends: {} }, summary: { iteration_duration: trend(2) }, intervals: [], rate: undefined, model: 'closed' }));
  assert.equal(v.tiles[0]!.label, 'iterations');
  assert.equal(v.tiles[0]!.raw, 4);
  assert.equal(v.charts[0]!.title, 'Iterations and errors');
  assert.deepEqual(v.series, {});
  assert.match(v.text!, /Test of 4 iterations/);
});
