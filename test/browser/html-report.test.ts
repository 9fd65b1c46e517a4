import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { formatDuration } from '../../src/core/duration.js';
import { formatCount } from '../../src/core/units.js';
import type { RunResult } from '../../src/metrics/run-result.js';
import { renderHtmlReport } from '../../src/report/html-report.js';
import { hourResult } from '../../bench/page-open.js';
import type { PageDoc } from '../../src/report/page-model.js';
import { chartsPainted, launchOrSkip, screenshot, tile, watchedPage, type WatchedPage } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';

// The frozen HTML report in a real browser (headless Chromium): it opens from file:// with no error
// and no request, every chart draws, the figures shown are the JSON's, a failed threshold is red.

let target: CountingTarget;
let answered = 0;
const dir = mkdtempSync(join(tmpdir(), 'gauntlet-browser-report-'));
before(async () => {
  target = await startCountingTarget({
    handler: (_req, res) => {
      const status = ++answered % 5 === 0 ? 503 : 200;
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end('ok');
      }, answered % 50);
    },
  });
});
after(() => target.close());

const dataOf = (html: string) => JSON.parse(/<script type="application\/json" id="gauntlet-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as PageDoc;

/** opened loads a page from a file and waits until its script has laid it out. */
async function opened(w: WatchedPage, file: string): Promise<number> {
  const t0 = Date.now();
  await w.page.goto(pathToFileURL(file).href);
  await w.page.waitForSelector('body[data-ready]', { timeout: 30_000 });
  return Date.now() - t0;
}

/** offline asserts the page said nothing wrong and asked for nothing beyond its own file. */
function offline(w: WatchedPage): void {
  assert.deepEqual(w.errors, []);
  assert.deepEqual(
    w.requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')),
    [],
    'no network request',
  );
}

test('bench --html: the page opens offline, every chart draws, its figures are the JSON\'s, the failed threshold is red', async (t) => {
  const browser = await launchOrSkip(t);
  if (browser === undefined) return;
  const html = join(dir, 'bench.html');
  const json = join(dir, 'bench.json');
  const r = await runCli(['bench', `${target.url}/`, '-r', '300', '-d', '3s', '-c', '8', '-w', '2', '--interval', '250ms', '--expect-status', '200', '--threshold', 'http_req_duration p(99)<0.001ms', '-q', '--html', html, '--json', json], 60_000);
  assert.equal(r.code, 99, r.stderr);
  const result = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
  const w = await watchedPage(browser);
  await opened(w, html);
  offline(w);
  const doc = dataOf(readFileSync(html, 'utf8'));
  const charts = await chartsPainted(w.page);
  assert.deepEqual(
    charts.map((c) => c.id),
    doc.runs[0]!.charts.map((c) => `run/${c.id}`),
  );
  assert.equal(charts.length, 7, 'throughput, response time, service time, in flight, arrivals, failures by kind, distribution');
  for (const c of charts) assert.ok(c.painted > 200 && c.points > 1, `${c.id} drew: ${c.painted} pixels, ${c.points} points`);
  // The figures on the page are the JSON's.
  const c = result.metrics.counters;
  const requests = await tile(w.page, 'requests');
  assert.equal(requests.raw, c['http_reqs']);
  assert.equal(requests.text, formatCount(c['http_reqs']!));
  const failures = await tile(w.page, 'failures');
  assert.equal(failures.raw, c['http_req_failed']);
  assert.equal(failures.text, formatCount(c['http_req_failed']!));
  const p99 = await tile(w.page, 'p99');
  assert.equal(p99.raw, result.summary['http_req_duration']!.p99);
  assert.equal(p99.text, formatDuration(result.summary['http_req_duration']!.p99));
  assert.equal(await w.page.locator('[data-table="breakdown"] tr', { hasText: 'status 503' }).locator('td').nth(1).textContent(), formatCount(c['http_reqs{status:503}']!));
  // A failed threshold: the banner is red and says NOT OK; never a green "completed".
  const banner = w.page.locator('.banner');
  assert.equal(await banner.getAttribute('data-state'), 'fail');
  assert.match((await banner.textContent()) ?? '', /^NOT OK: 1 of 1 thresholds failed/);
  assert.equal(await banner.evaluate((e) => (globalThis as unknown as { getComputedStyle(el: unknown): { color: string } }).getComputedStyle(e).color), 'rgb(185, 28, 28)');
  assert.equal(await w.page.locator('[data-table="thresholds"] .t-fail').textContent(), 'FAIL');
  // Zoom: a drag across the throughput chart narrows every time chart of the run to the same range.
  const over = w.page.locator('[data-chart="throughput"] .u-over');
  const box = (await over.boundingBox())!;
  await w.page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await w.page.mouse.down();
  await w.page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
  await w.page.mouse.up();
  const ranges = await w.page.$$eval('figure.chart', (figs) => figs.map((f) => [f.getAttribute('data-chart'), Number(f.getAttribute('data-x-min')), Number(f.getAttribute('data-x-max'))] as const));
  const zoomed = ranges.find((x) => x[0] === 'throughput')!;
  assert.ok(zoomed[1] > result.intervals[0]!.durationMs / 1000 && zoomed[2] < result.durationMs / 1000, `zoomed to ${zoomed[1]}..${zoomed[2]}`);
  for (const x of ranges.filter((x) => x[0] !== 'distribution')) assert.deepEqual([x[1], x[2]], [zoomed[1], zoomed[2]], `${x[0]} follows the zoom`);
  await w.page.locator('button', { hasText: 'reset zoom' }).click();
  await screenshot(w.page, 'html-report');
  // Print: the controls go, the charts stay.
  await w.page.emulateMedia({ media: 'print' });
  assert.equal(await w.page.locator('button', { hasText: 'reset zoom' }).isVisible(), false);
  assert.equal(await w.page.locator('figure.chart').first().isVisible(), true);
  offline(w);
});

test('a 1-hour run at 1 s intervals (3,600 points) opens offline and draws every chart', async (t) => {
  const browser = await launchOrSkip(t);
  if (browser === undefined) return;
  // The same 1-hour result the benchmark times (bench/page-open.ts).
  const file = join(dir, 'hour.html');
  writeFileSync(file, renderHtmlReport(hourResult()));
  const w = await watchedPage(browser);
  const ms = await opened(w, file);
  offline(w);
  const charts = await chartsPainted(w.page);
  assert.equal(charts.length, 7);
  for (const c of charts) assert.ok(c.painted > 200, `${c.id} drew`);
  assert.equal(charts.find((c) => c.id === 'run/throughput')!.points, 3600);
  assert.equal((await tile(w.page, 'requests')).raw, 720_000);
  console.log(`# a 1-hour run at 1 s intervals: ${formatCount(statSync(file).size)} bytes, ready in ${ms} ms (on this machine, with the browser warm)`);
});

test('multitest --html: the matrix links each cell to its run, with the server\'s RSS, CPU and processes charted', async (t) => {
  const browser = await launchOrSkip(t);
  if (browser === undefined) return;
  const html = join(dir, 'matrix.html');
  const r = await runCli(['multitest', '-s', 'node-http', '-t', 'plain', '-t', 'light-sleep', '-i', '60', '-q', '--html', html], 120_000);
  assert.equal(r.code, 0, r.stderr);
  const w = await watchedPage(browser);
  await opened(w, html);
  offline(w);
  const cells = w.page.locator('[data-table="matrix"] td a');
  assert.equal(await cells.count(), 2);
  assert.match((await cells.first().textContent()) ?? '', /^f%: 0\.00; RPS: /);
  assert.equal(await w.page.locator('[data-run]').count(), 2);
  for (const run of ['c1', 'c2']) {
    assert.equal(await w.page.locator(`#run-${run} [data-tile="requests"]`).getAttribute('data-raw'), '60');
    assert.equal(await w.page.locator(`#run-${run} [data-section="section-durability"] [data-table="durability-behaviours"]`).count(), 1);
  }
  const charts = await chartsPainted(w.page);
  for (const id of ['c1/server-rss', 'c1/server-cpu', 'c1/server-processes', 'c2/latency', 'c2/distribution']) {
    const c = charts.find((x) => x.id === id);
    assert.ok(c !== undefined && c.painted > 100, `${id} drew`);
  }
  await screenshot(w.page, 'multitest-report');
});
