import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { RunResult } from '../../src/metrics/run-result.js';
import { durabilityOf } from '../../src/scenarios/durability/durability-figures.js';
import { durabilityMarkers } from '../../src/scenarios/durability/durability-markers.js';
import { countRangeText, failureDriftText, latencyDriftText, rssSlopeFigures, SOAK_VERDICT } from '../../src/scenarios/durability/render-soak.js';
import { chartsPainted, launchOrSkip, screenshot, watchedPage } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';

// A durability run on the page (issue 14), in headless Chromium: the server's RSS, CPU, processes and
// restarts, open fds and threads charted on the run's own time axis, crashes, unexpected results and
// restarts marked on every time chart (throughput and latency too), and the soak figures: all equal
// to what the JSON says. node-cluster under `crash`: its workers die and are re-forked (restarts), and
// while every worker is dead the port is closed (unexpected results).

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-browser-durability-'));

const TIME_CHARTS = ['throughput', 'latency', 'server-rss', 'server-cpu', 'server-processes', 'server-fds'];

test('multitest --html: a cell charts the server on the run\'s time axis, marks crashes, failures and restarts, and shows the soak figures of the JSON', async (t) => {
  const browser = await launchOrSkip(t);
  if (browser === undefined) return;
  const html = join(dir, 'matrix.html');
  const json = join(dir, 'matrix.json');
  const r = await runCli(['multitest', '-s', 'node-cluster', '-t', 'crash', '-i', '100', '--seed', '42', '-q', '--html', html, '--json', json], 120_000);
  assert.ok(r.code === 0, r.stderr);
  const matrix = JSON.parse(readFileSync(json, 'utf8')) as { cells: { result: RunResult }[] };
  const result = matrix.cells[0]!.result;
  const f = durabilityOf(result)!;
  const stats = f.serverStats!;
  const soak = f.soak!;

  const w = await watchedPage(browser);
  await w.page.goto(pathToFileURL(html).href);
  await w.page.waitForSelector('body[data-ready]', { timeout: 30_000 });
  assert.deepEqual(w.errors, []);
  assert.deepEqual(w.requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')), [], 'no network request');

  // Every time chart drew; the server's charts hold one point per point of the JSON's series.
  const charts = await chartsPainted(w.page);
  for (const id of TIME_CHARTS) {
    const c = charts.find((x) => x.id === `c1/${id}`);
    assert.ok(c !== undefined && c.painted > 100, `${id} drew`);
    if (id.startsWith('server-')) assert.equal(c.points, stats.series.length, `${id} points`);
  }
  assert.ok(stats.series.every((p) => p.fds !== undefined && p.threads !== undefined), 'fds and threads in every point');

  // One time axis: the server's charts span what throughput and latency span.
  const ranges = async () => Object.fromEntries(await w.page.$$eval('#run-c1 figure.chart', (figs) => figs.map((x) => [x.getAttribute('data-chart'), [Number(x.getAttribute('data-x-min')), Number(x.getAttribute('data-x-max'))]] as const)));
  const whole = await ranges();
  for (const id of TIME_CHARTS) assert.deepEqual(whole[id], whole['throughput'], `${id} on the run's axis`);

  // The markers are the JSON's crashes, unexpected results and restarts, on every time chart.
  const expected = durabilityMarkers(result.intervals, stats);
  const kinds = new Map<string, number>();
  for (const m of expected) kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
  assert.ok((kinds.get('crash') ?? 0) >= 1 && (kinds.get('restart') ?? 0) >= 1, JSON.stringify(expected));
  assert.ok(f.crashes > 0 && stats.restarts > 0);
  const legend = Object.fromEntries(await w.page.$$eval('#run-c1 [data-marker-kind]', (els) => els.map((e) => [e.getAttribute('data-marker-kind'), Number(e.getAttribute('data-count'))] as const)));
  assert.deepEqual(legend, Object.fromEntries(kinds));
  const marked = await w.page.$$eval('#run-c1 figure.chart', (figs) => figs.map((x) => [x.getAttribute('data-chart'), x.getAttribute('data-markers')] as const));
  for (const [id, n] of marked) if (TIME_CHARTS.includes(id!)) assert.equal(Number(n), expected.length, `${id} draws every marker`);

  // The soak figures are the JSON's.
  const soakRows = Object.fromEntries(await w.page.$$eval('#run-c1 [data-table="durability-soak"] tr', (rows) => rows.map((row) => [row.children[0]?.textContent, row.children[1]?.textContent] as const)));
  assert.equal(soakRows['RSS slope'], SOAK_VERDICT[soak.rss!.verdict]);
  assert.equal(soakRows['per hour and per 1,000 requests'], rssSlopeFigures(soak.rss!));
  assert.equal(soakRows['open fds (start → end)'], countRangeText(soak.fds!));
  assert.equal(soakRows['threads (start → end)'], countRangeText(soak.threads!));
  // A drift needs a figure in both tenths (a short run's last tenth may hold no answered request): shown when the JSON has it.
  assert.equal(soakRows['latency p99, first tenth → last'], soak.latencyP99Ms === undefined ? undefined : latencyDriftText(soak.latencyP99Ms));
  assert.equal(soakRows['unexpected, first tenth → last'], soak.failurePercent === undefined ? undefined : failureDriftText(soak.failurePercent));
  assert.equal(soak.short, true);
  assert.match((await w.page.locator('#run-c1 [data-table="durability-soak"]').locator('xpath=..').textContent()) ?? '', /short run/);

  // One zoom: a drag across the throughput chart narrows the server's charts to the same range.
  const over = w.page.locator('#run-c1 [data-chart="throughput"] .u-over');
  const box = (await over.boundingBox())!;
  await w.page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
  await w.page.mouse.down();
  await w.page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 5 });
  await w.page.mouse.up();
  const zoomed = await ranges();
  assert.ok(zoomed['throughput']![0] > whole['throughput']![0] && zoomed['throughput']![1] < whole['throughput']![1], JSON.stringify(zoomed));
  for (const id of TIME_CHARTS) assert.deepEqual(zoomed[id], zoomed['throughput'], `${id} follows the zoom`);
  await screenshot(w.page, 'durability-report');
});
