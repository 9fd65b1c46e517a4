import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { RunResult } from '../../src/metrics/run-result.js';
import { buildRunView } from '../../src/report/dashboard-view.js';
import type { PageDoc } from '../../src/report/page-model.js';
import { chartsPainted, launchOrSkip, screenshot, tile, until, watchedPage } from '../helpers/browser.js';
import { spawnCli, type CliRun } from '../helpers/cli.js';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';

// The live dashboard (--dashboard) in a real browser: the page follows a bounded run and ends on its
// final figures, a page opened late catches up, the stop button stops the run as Ctrl-C does, and a
// request from another origin, with another Host or without the token is refused without stopping it.

let target: CountingTarget;
const dir = mkdtempSync(join(tmpdir(), 'gauntlet-browser-dash-'));
before(async () => {
  target = await startCountingTarget({ delayMs: 2 });
});
after(() => target.close());

/** startWithDashboard runs the CLI with --dashboard on a free port (killed after the test) and waits for its URL. */
async function startWithDashboard(t: { after(fn: () => void): void }, args: string[]): Promise<{ url: string; wait: Promise<CliRun>; stderr: () => string; child: ChildProcess }> {
  const { child, wait } = spawnCli([...args, '--dashboard=127.0.0.1:0'], 120_000);
  t.after(() => void child.kill('SIGKILL'));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await until('the dashboard URL', () => /Dashboard: http:\/\/127\.0\.0\.1:\d+\//.test(stderr) || child.exitCode !== null);
  const url = /Dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)?.[1];
  assert.ok(url !== undefined, `no dashboard URL: ${stderr}`);
  return { url, wait, stderr: () => stderr, child };
}

/** post sends a raw request to the dashboard with exactly the headers given (a browser of another site, a rebinding page). */
function request(url: string, method: string, path: string, headers: Record<string, string>): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end();
  });
}

test('the page follows a bounded run: the count grows while it runs and ends equal to the result; a late page catches up; --dashboard-keep serves on until Ctrl-C', async (t) => {
  const browser = await launchOrSkip(t);
  if (browser === undefined) return;
  const json = join(dir, 'live.json');
  const run = await startWithDashboard(t, ['bench', `${target.url}/`, '-r', '100', '-d', '10s', '-c', '20', '-w', '2', '--interval', '250ms', '--threshold', 'http_req_duration p(99)<10s', '-q', '--json', json, '--dashboard-keep']);
  const first = await watchedPage(browser);
  await first.page.goto(run.url);
  await first.page.waitForSelector('body[data-ready]');
  const seen: number[] = [];
  await until('the count on the page to grow twice', async () => {
    const running = (await first.page.locator('.banner').getAttribute('data-state').catch(() => null)) === 'running';
    if (!running) return false;
    const n = (await tile(first.page, 'requests')).raw;
    if (seen.length === 0 || n > seen[seen.length - 1]!) seen.push(n);
    return seen.length >= 3;
  });
  assert.ok(seen[0]! < seen[2]!, `the count grew: ${seen.join(' → ')}`);
  await screenshot(first.page, 'dashboard');
  // A page opened now gets everything so far at once.
  const late = await watchedPage(browser);
  const shownBefore = Number(await first.page.locator('[data-chart="throughput"]').getAttribute('data-points'));
  await late.page.goto(run.url);
  await late.page.waitForSelector('body[data-ready]');
  await until('the late page to hold the points so far', async () => Number(await late.page.locator('[data-chart="throughput"]').getAttribute('data-points')) >= shownBefore);
  assert.ok(shownBefore >= 2, `${shownBefore} points before the late page opened`);
  // --dashboard-keep: the page is still served after the run, until Ctrl-C.
  await until('the run to end', () => /Dashboard still served at/.test(run.stderr()), 60_000);
  const result = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
  for (const w of [first, late]) {
    await until('the page to show the end', async () => (await w.page.locator('.banner').getAttribute('data-state')) !== 'running');
    // The end is the result's verdict (on a busy machine some arrivals may be dropped: the page says what the summary says).
    const final = buildRunView(result);
    assert.equal(await w.page.locator('.banner').getAttribute('data-state'), final.state);
    assert.equal(await w.page.locator('.banner').textContent(), final.verdict);
    assert.equal((await tile(w.page, 'requests')).raw, result.metrics.counters['http_reqs']);
    assert.equal((await tile(w.page, 'p99')).raw, result.summary['http_req_duration']!.p99);
    assert.match((await w.page.locator('[data-live-status]').textContent()) ?? '', /the run has ended/);
    for (const c of await chartsPainted(w.page)) assert.ok(c.painted > 200, `${c.id} drew`);
    assert.deepEqual(w.errors, []);
    assert.deepEqual(
      w.requests.filter((u) => !u.startsWith(run.url) && !u.startsWith('data:')),
      [],
      'the page asks only its own server',
    );
  }
  assert.equal(await first.page.locator('[data-table="thresholds"] .t-ok').textContent(), 'PASS');
  run.child.kill('SIGINT');
  const done = await run.wait;
  assert.equal(done.code, 0, done.stderr);
});

test('the stop button stops the run as Ctrl-C does; another origin, another Host or no token is refused (403) and stops nothing', async (t) => {
  const browser = await launchOrSkip(t);
  if (browser === undefined) return;
  const json = join(dir, 'stopped.json');
  const run = await startWithDashboard(t, ['bench', `${target.url}/`, '-c', '2', '-w', '1', '-d', '60s', '--interval', '250ms', '--json', json]);
  const w = await watchedPage(browser);
  await w.page.goto(run.url);
  await w.page.waitForSelector('body[data-ready]');
  const doc = JSON.parse((await w.page.locator('#gauntlet-data').textContent())!) as PageDoc;
  const token = doc.live!.token;
  assert.match(token, /^[0-9a-f]{32}$/);
  const host = new URL(run.url).host;
  // Refused: no token, a wrong one, a cross-site POST with the right token, a rebinding Host, a GET.
  assert.equal(await request(run.url, 'POST', '/stop', { host }), 403);
  assert.equal(await request(run.url, 'POST', '/stop', { host, 'x-gauntlet-token': 'f'.repeat(32) }), 403);
  assert.equal(await request(run.url, 'POST', '/stop', { host, origin: 'http://evil.example', 'x-gauntlet-token': token }), 403);
  assert.equal(await request(run.url, 'POST', '/stop', { host, 'sec-fetch-site': 'cross-site', 'x-gauntlet-token': token }), 403);
  assert.equal(await request(run.url, 'POST', '/stop', { host: `evil.example:${new URL(run.url).port}`, 'x-gauntlet-token': token }), 403);
  assert.equal(await request(run.url, 'GET', '/', { host: `evil.example:${new URL(run.url).port}` }), 403);
  assert.equal(await request(run.url, 'GET', '/stop', { host, 'x-gauntlet-token': token }), 403);
  // A page of another origin (another port of 127.0.0.1) posting with the token is refused too.
  const other = http.createServer((_req, res) => res.end('<html><body>other site</body></html>'));
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => other.close());
  const evil = await watchedPage(browser);
  await evil.page.goto(`http://127.0.0.1:${(other.address() as { port: number }).port}/`);
  const status = await evil.page.evaluate(
    async ([url, tok]) => {
      try {
        const r = await fetch(`${url}stop`, { method: 'POST', headers: { 'x-gauntlet-token': tok! } });
        return r.status;
      } catch {
        return 'blocked';
      }
    },
    [run.url, token],
  );
  assert.ok(status === 'blocked' || status === 403, `cross-origin fetch: ${status}`);
  // None of that stopped the run: it still counts.
  const before = (await tile(w.page, 'requests')).raw;
  await until('the run to go on', async () => (await tile(w.page, 'requests')).raw > before);
  assert.equal(await w.page.locator('.banner').getAttribute('data-state'), 'running');
  // The stop button: the same graceful stop as Ctrl-C (exit 130, the summary says so, the JSON is whole).
  await w.page.locator('[data-stop]').click();
  const done = await run.wait;
  assert.equal(done.code, 130, done.stderr);
  assert.match(run.stderr(), /stopping: letting in-flight requests finish/);
  assert.match(done.stdout, /\(stopped early by the user\)/);
  const result = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
  assert.equal(result.stopReason, 'interrupted');
  assert.ok(result.durationMs < 50_000);
  await until('the page to show the end', async () => (await w.page.locator('.banner').getAttribute('data-state')) === 'warn');
  assert.equal((await tile(w.page, 'requests')).raw, result.metrics.counters['http_reqs']);
  assert.equal(await w.page.locator('[data-stop]').isDisabled(), true);
});

test('gauntlet report run.json --dashboard serves the finished run until Ctrl-C', async (t) => {
  const browser = await launchOrSkip(t);
  if (browser === undefined) return;
  const json = join(dir, 'saved.json');
  const made = spawnCli(['bench', `${target.url}/`, '-n', '300', '-c', '4', '-w', '1', '-q', '--json', json]);
  assert.equal((await made.wait).code, 0);
  const run = await startWithDashboard(t, ['report', json]);
  const w = await watchedPage(browser);
  await w.page.goto(run.url);
  await w.page.waitForSelector('body[data-ready]');
  assert.equal((await tile(w.page, 'requests')).raw, 300);
  assert.equal(await w.page.locator('.banner').getAttribute('data-state'), 'ok');
  for (const c of await chartsPainted(w.page)) assert.ok(c.painted > 100, `${c.id} drew`);
  assert.deepEqual(w.errors, []);
  run.child.kill('SIGINT');
  assert.equal((await run.wait).code, 0);
});
