import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { resolveBenchPlan } from '../../src/api/bench.js';
import { startRun } from '../../src/api/start-run.js';
import { GauntletError } from '../../src/core/errors.js';
import { HtmlReporter, renderHtmlReport } from '../../src/report/html-report.js';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';

// The HTML report of a real open-model run against a server that answers every fifth request 503:
// the page's figures are the server's counts, and HtmlReporter writes the same page as the renderer.

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

test('the report of a real run shows the server-side counts, the charts and an escaped label', async () => {
  const file = join(dir, 'run.html');
  const before = target.requests;
  const handle = startRun(resolveBenchPlan({ url: `${target.url}/?q=<script>`, rate: 200, duration: '1500ms', connections: 4, workers: 2, interval: '100ms', expectStatus: '200' }), { reporters: [new HtmlReporter(file)] });
  const result = await handle.done;
  const n = target.requests - before;
  const html = renderHtmlReport(result);
  assert.equal(readFileSync(file, 'utf8'), html);
  assert.match(html, new RegExp(`Test of ${n} requests complete in \\d+\\.\\d\\d seconds`));
  const failed = result.metrics.counters['http_reqs{status:503}']!;
  assert.ok(Math.abs(failed - n / 5) <= 1, `503s: ${failed} of ${n}`);
  assert.match(html, new RegExp(`<td>status 503</td><td>${failed.toLocaleString('en-US')}</td>`));
  assert.match(html, new RegExp(`<td>failed: status</td><td>${failed.toLocaleString('en-US')}</td>`));
  // Throughput, latency, in flight and queued, and the breakdown.
  assert.equal(html.match(/<svg /g)!.length, 4);
  assert.match(html, /<p>Connections: up to 4, at most [1-4] in flight<\/p>/);
  assert.match(html, /In flight and queued per interval/);
  assert.ok(result.intervals.length >= 10, `${result.intervals.length} intervals`);
  assert.match(html, /intended rate<\/td><td>200\.00\/s/);
  assert.match(html, /service time/);
  assert.ok(html.includes('%3Cscript%3E') || html.includes('&lt;script&gt;'), 'the label is in the page');
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html.match(/<[^>]*>/g)!.join(''), /https?:|\bsrc=|\bhref=|url\(/);
  assert.ok(Buffer.byteLength(html) < 100_000, `${Buffer.byteLength(html)} bytes`);
});

test('HtmlReporter opens its file at construction: a bad path is a usage error before any run', () => {
  assert.throws(() => new HtmlReporter(join(dir, 'no-such-dir', 'r.html')), (e: unknown) => e instanceof GauntletError && e.code === 'GAUNTLET_OUTPUT_UNWRITABLE' && /--html/.test(e.message));
});
