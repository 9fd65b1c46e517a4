import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { resolveBenchPlan } from '../../src/api/bench.js';
import { startRun } from '../../src/api/start-run.js';
import { GauntletError } from '../../src/core/errors.js';
import { buildRunView } from '../../src/report/dashboard-view.js';
import { HtmlReporter, renderHtmlReport } from '../../src/report/html-report.js';
import type { PageDoc } from '../../src/report/page-model.js';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';

// The HTML report of a real open-model run against a server that answers every fifth request 503:
// the page's figures are the server's counts, and HtmlReporter writes the same page as the renderer.
// (test/browser/ checks that a browser shows them.)

let target: CountingTarget;
let answered = 0;
const dir = mkdtempSync(join(tmpdir(), 'gauntlet-html-'));
before(async () => {
  target = await startCountingTarget({
    handler: (_req, res) => {
      res.writeHead(++answered % 5 === 0 ? 503 : 200, { 'content-type': 'text/plain' });
      res.end('ok');
    },
  });
});
after(() => target.close());

test('the report of a real run holds the server-side counts, every chart of an open run and the label as data', async () => {
  const file = join(dir, 'run.html');
  const before = target.requests;
  const handle = startRun(resolveBenchPlan({ url: `${target.url}/?q=<script>`, rate: 200, duration: '1500ms', connections: 4, workers: 2, interval: '100ms', expectStatus: '200' }), { reporters: [new HtmlReporter(file)] });
  const result = await handle.done;
  const n = target.requests - before;
  const html = renderHtmlReport(result);
  assert.equal(readFileSync(file, 'utf8'), html);
  const doc = JSON.parse(/<script type="application\/json" id="gauntlet-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as PageDoc;
  const v = doc.runs[0]!;
  assert.deepEqual(v, buildRunView(result));
  assert.equal(v.tiles.find((t) => t.id === 'requests')!.raw, n);
  const failed = result.metrics.counters['http_reqs{status:503}']!;
  assert.ok(Math.abs(failed - n / 5) <= 1, `503s: ${failed} of ${n}`);
  assert.equal(v.tiles.find((t) => t.id === 'failures')!.raw, failed);
  const breakdown = v.tables.find((t) => t.id === 'breakdown')!.rows.map((r) => r.map((c) => (typeof c === 'string' ? c : c.text)));
  assert.deepEqual(breakdown.find((r) => r[0] === 'status 503')!.slice(0, 2), ['status 503', failed.toLocaleString('en-US')]);
  assert.deepEqual(breakdown.find((r) => r[0] === 'failed: status')!.slice(0, 2), ['failed: status', failed.toLocaleString('en-US')]);
  // Throughput, response and service time, in flight and queued, intended vs achieved, failures by kind, the distribution.
  assert.deepEqual(v.charts.map((c) => c.id), ['throughput', 'latency', 'service', 'users', 'arrivals', 'kinds', 'distribution']);
  assert.ok(result.intervals.length >= 10, `${result.intervals.length} intervals`);
  assert.equal(v.series['t']!.length, result.intervals.length - (result.intervals.at(-1)!.durationMs < 50 ? 1 : 0));
  // The distribution ends at the run's maximum, from the merged histogram.
  assert.equal(v.dist['http_req_duration']!.at(-1), result.summary['http_req_duration']!.max);
  assert.ok(v.meta.some(([k, x]) => k === 'users' && /^Connections: up to 4, at most [1-4] in flight$/.test(x)));
  assert.equal(v.title, result.label);
  assert.doesNotMatch(html.replace(/(<script[^>]*>)[\s\S]*?(<\/script>)/g, '$1$2'), /<script>(?!<\/script>)|\bsrc=|\bhref=/i);
  assert.ok(Buffer.byteLength(html) < 250_000, `${Buffer.byteLength(html)} bytes`);
});

test('HtmlReporter opens its file at construction: a bad path is a usage error before any run', () => {
  assert.throws(() => new HtmlReporter(join(dir, 'no-such-dir', 'r.html')), (e: unknown) => e instanceof GauntletError && e.code === 'GAUNTLET_OUTPUT_UNWRITABLE' && /--html/.test(e.message));
});
