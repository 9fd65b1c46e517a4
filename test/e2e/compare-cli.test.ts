import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { runCli } from '../helpers/cli.js';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';

// gauntlet compare on real runs: two runs of one target and one of a target that answers 300 ms
// later, saved with --json; the gates catch the slower run (exit 99) and let the other pass.

let fast: CountingTarget;
let slow: CountingTarget;
const dir = mkdtempSync(join(tmpdir(), 'gauntlet-compare-'));
const base = join(dir, 'base.json');
const again = join(dir, 'again.json');
const slower = join(dir, 'slower.json');

before(async () => {
  fast = await startCountingTarget();
  slow = await startCountingTarget({ delayMs: 300 });
  for (const [url, file] of [[fast.url, base], [fast.url, again], [slow.url, slower]] as const) {
    const r = await runCli(['bench', url, '-c', '2', '-d', '3s', '-w', '1', '-q', '--interval', '500ms', '--json', file]);
    assert.equal(r.code, 0, r.stderr);
  }
});
after(async () => {
  await fast.close();
  await slow.close();
});

const P50_GATE = 'http_req_duration p(50) > base+200ms';
// The slower target cuts the rate ~300-fold; a re-run on a busy machine can lose a few-fold, never tenfold.
const RATE_GATE = 'http_reqs rate < base*0.1';

test('compare: a run of the same target passes the gates (exit 0) and every row is there', async () => {
  const r = await runCli(['compare', base, again, '--fail-on', P50_GATE]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^Comparing 1 run\(s\) with the base base\.json/m);
  for (const row of ['throughput \\(http_reqs/s\\)', 'http_reqs', 'failed \\(% of requests\\)', 'http_req_duration p50', 'http_req_duration p99', 'http_req_duration max']) assert.match(r.stdout, new RegExp(`^${row}\\s`, 'm'), row);
  assert.match(r.stdout, /^\s+ok\s+http_req_duration p\(50\) > base\+200ms\s+\(again\.json: [\d.]+; base [\d.]+, bound [\d.]+\)$/m);
  assert.match(r.stdout, /All gates passed\./);
});

test('compare: the run against a target 300 ms slower is worse beyond the noise, and the gates fail it (exit 99)', async () => {
  const r = await runCli(['compare', base, again, slower, '--fail-on', P50_GATE, '--fail-on', RATE_GATE]);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  const p50 = r.stdout.split('\n').find((l) => l.startsWith('http_req_duration p50'))!;
  // Columns: base, then per run value, change, verdict: the slower run's verdict is the last.
  assert.match(p50, /worse \(beyond ±[\d.]+ms\)$/, p50);
  const throughput = r.stdout.split('\n').find((l) => l.startsWith('throughput'))!;
  assert.match(throughput, /worse \(beyond ±[\d.]+\)$/, throughput);
  assert.match(r.stdout, /^\s+FAILED\s+http_req_duration p\(50\) > base\+200ms\s+\(slower\.json: 3\d\d(\.\d+)?; base/m);
  assert.match(r.stdout, /^\s+FAILED\s+http_reqs rate < base\*0\.1\s+\(slower\.json/m);
  assert.match(r.stdout, /^\s+ok\s+http_req_duration p\(50\) > base\+200ms\s+\(again\.json/m);
  assert.match(r.stdout, /2 gate\(s\) failed\./);
});

test('compare --html: one self-contained page with uPlot inlined and every run in the charts', async () => {
  const html = join(dir, 'compare.html');
  const r = await runCli(['compare', base, slower, '--html', html]);
  assert.equal(r.code, 0, r.stderr);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /^<!doctype html>/);
  assert.doesNotMatch(page, /<script[^>]+src=/, 'no external script');
  assert.match(page, /uPlot/);
  const data = JSON.parse(/<script type="application\/json" id="data">(.*?)<\/script>/s.exec(page)![1]!) as { labels: string[]; series: { ys: unknown[][] }[]; distribution: { ys: number[][] } };
  assert.deepEqual(data.labels, ['base.json', 'slower.json']);
  assert.equal(data.series.length, 3);
  for (const s of data.series) assert.equal(s.ys.length, 2);
  const [baseP, slowP] = data.distribution.ys;
  assert.ok(slowP![3]! >= 300 && baseP![3]! < slowP![3]!, `median by percentile: ${baseP![3]} vs ${slowP![3]}`);
});

test('compare --html in a real browser: four uPlot charts, one line per run, no script error', async (t) => {
  const browserPath = '/usr/bin/chromium';
  if (!existsSync(browserPath)) {
    const message = 'chromium is not installed; install with: apt-get install -y chromium';
    if (process.env['CI'] === 'true') assert.fail(message);
    return t.skip(message);
  }
  const html = join(dir, 'browser.html');
  const r = await runCli(['compare', base, again, slower, '--html', html]);
  assert.equal(r.code, 0, r.stderr);
  const browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox'] });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(html).href);
  await page.locator('canvas').nth(3).waitFor({ timeout: 15_000 });
  assert.deepEqual(await page.locator('.u-title').allTextContents(), ['throughput (http_reqs/s)', 'http_req_duration p50 per interval', 'http_req_duration p99 per interval', 'http_req_duration by percentile']);
  // Each chart's legend: the x series and one per run.
  assert.deepEqual(await page.locator('.uplot').first().locator('.u-series .u-label').allTextContents(), ['seconds from start', 'base.json', 'again.json', 'slower.json']);
  assert.deepEqual(errors, []);
});

test('compare: a malformed gate is one error and one hint, exit 2', async () => {
  for (const [gate, message] of [
    ['http_req_duration p(99) > 1.1', /does not compare with 'base'/],
    ['http_req_duration p99 > base*1.1', /p99/],
    ['http_req_duraton p(99) > base*1.1', /did you mean 'http_req_duration'/],
    ['http_req_duration p(99) > base**1.1', /is not of the form/],
  ] as const) {
    const r = await runCli(['compare', base, again, '--fail-on', gate]);
    assert.equal(r.code, 2, gate);
    assert.match(r.stderr, /^error: --fail-on/m, gate);
    assert.match(r.stderr, message, gate);
    assert.match(r.stderr, /^hint: /m, gate);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('compare: a missing or damaged file is a usage error naming it', async () => {
  const missing = await runCli(['compare', base, join(dir, 'nope.json')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^error: cannot read '.*nope\.json'/m);
  const damaged = join(dir, 'damaged.json');
  writeFileSync(damaged, '{"format":"gauntlet.run"');
  const bad = await runCli(['compare', base, damaged]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /damaged\.json/);
  assert.match(bad.stderr, /^hint: /m);
});
