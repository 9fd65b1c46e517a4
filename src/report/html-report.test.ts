import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrendSummary } from '../metrics/histogram.js';
import { escapeHtml } from './escape-html.js';
import { MAX_CHART_POINTS, renderHtmlReport } from './html-report.js';
import type { IntervalRow, RunResult } from '../metrics/run-result.js';

const trend = (p50: number): TrendSummary => ({ count: 10, min: p50 / 2, mean: p50, stddev: 1, p50, p75: p50 * 1.2, p90: p50 * 1.5, p95: p50 * 1.7, p99: p50 * 2, p999: p50 * 3, max: p50 * 4 });
const row = (i: number): IntervalRow => ({ index: i, startMs: i * 1000, durationMs: 1000, counters: { http_reqs: 100 + (i % 7), http_req_failed: i % 3 }, trends: { http_req_duration: trend(5 + (i % 5)) } });

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

/** markup is the page with every text node removed: what is left is what the browser parses as tags. */
const tagsOf = (html: string) => html.match(/<[^>]*>/g)!.join('');

test('escapeHtml escapes the five characters that matter and nothing else', () => {
  assert.equal(escapeHtml(`<script>alert("x")</script> & 'y' é`), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39; é');
  assert.equal(escapeHtml(42), '42');
});

test('every string from the result is escaped: no tag from a label, a metric key, an error or a section gets through', () => {
  const html = renderHtmlReport(resultWith());
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(!/<script/i.test(html), 'no script element');
  for (const tag of ['<img', '<b>T', '<i>', '<u>']) assert.ok(!html.includes(tag), `no injected ${tag}`);
  assert.ok(html.includes('boom &lt;script&gt;'));
  assert.ok(html.includes('&lt;img src=x&gt;'));
  assert.ok(html.includes('&lt;u&gt;t&lt;/u&gt;'));
  assert.ok(html.includes('plain&lt;'));
  assert.ok(html.includes('&quot;q&quot;&amp;&lt;i&gt;'));
});

test('the page is self-contained: no reference to anything outside it, a policy that forbids loading', () => {
  const html = renderHtmlReport(resultWith());
  const tags = tagsOf(html);
  assert.doesNotMatch(tags, /https?:|\/\/|\bsrc=|\bhref=|<link|<script|<iframe|<object|<embed|url\(|@import/i);
  assert.doesNotMatch(html.slice(html.indexOf('<style>'), html.indexOf('</style>')), /url\(|@import|https?:/);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  // The only http:// in the page is the escaped label's text.
  for (const m of html.matchAll(/https?:\/\//g)) assert.match(html.slice(m.index, m.index + 40), /^http:\/\/x\/&lt;script/);
});

test('the page holds the header, seed lines, charts, latency table, rate, thresholds, script sections, durability and errors', () => {
  const html = renderHtmlReport(resultWith());
  assert.match(html, /Test of 1000 requests complete in 10\.00 seconds \(100\.00 req\/s\)\./);
  assert.match(html, /988 requests \(98\.80%\) returned OK and 12 \(1\.20%\) failed\./);
  assert.equal(html.match(/<svg /g)!.length, 3);
  assert.match(html, /Throughput per interval/);
  assert.match(html, /dropped\/s/);
  for (const s of ['p50', 'p90', 'p99', 'max', 'service time', 'first byte', 'connect', 'status 503', 'failed: refused']) assert.ok(html.includes(s), s);
  assert.match(html, /intended rate<\/td><td>100\.00\/s/);
  assert.match(html, /achieved rate<\/td><td>98\.50\/s/);
  assert.match(html, /dropped arrivals<\/td><td>15/);
  assert.match(html, /FAIL<\/span><\/td><td>http_req_duration<\/td><td>p\(99\)&lt;5<\/td><td>14.0ms</);
  // A failed threshold turns the header red and says so, with the closing verdict.
  assert.match(html, /<span class="fail">completed, thresholds failed<\/span>/);
  assert.match(html, /<td>verdict<\/td><td><span class="fail">NOT OK: 1 of 2 thresholds failed/);
  assert.match(html, /PASS/);
  assert.match(html, /<h2>Tests<\/h2>/);
  assert.match(html, /<h2>Requests by name<\/h2>/);
  assert.match(html, /<h2>Checks<\/h2>/);
  assert.match(html, /<h2>Durability<\/h2>/);
  assert.match(html, /recovery\.p50Ms/);
  assert.match(html, /<b>3 ×<\/b>/);
  assert.match(html, /at f \(file:\/\/\/a\.js:1:1\)/);
});

test('a long series is merged into at most MAX_CHART_POINTS points, and the page says so; the page stays small', () => {
  const n = 3 * MAX_CHART_POINTS + 5;
  const html = renderHtmlReport(resultWith({ intervals: Array.from({ length: n }, (_, i) => row(i)), durationMs: n * 1000 }));
  // Buckets of 4 intervals: 1,502 points, the last one holding the 1 left over.
  assert.match(html, /The run has 6,005 intervals; the charts merge them into 1,502 points/);
  const path = /<path d="([^"]*)"/.exec(html)![1]!;
  assert.equal(path.split(/[ML]/).length - 1, 1502);
  assert.ok(Buffer.byteLength(html) < 250_000, `6,005 intervals: ${Buffer.byteLength(html)} bytes`);
  const small = renderHtmlReport(resultWith({ intervals: Array.from({ length: 300 }, (_, i) => row(i)) }));
  assert.doesNotMatch(small, /merge them/);
  assert.ok(Buffer.byteLength(small) < 100_000, `300 intervals: ${Buffer.byteLength(small)} bytes`);
});

test('a run without HTTP charts iterations; a run without intervals says so', () => {
  const html = renderHtmlReport(resultWith({ metrics: { counters: { iterations: 4, iteration_errors: 1 }, trends: {} }, summary: { iteration_duration: trend(2) }, intervals: [], rate: undefined, model: 'closed' }));
  assert.match(html, /Test of 4 iterations/);
  assert.match(html, /No intervals were recorded/);
});
