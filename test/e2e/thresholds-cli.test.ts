import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';
import { runCli } from '../helpers/cli.js';
import { startAgents, startNatsOrSkip } from '../helpers/nats.js';

// --threshold and --abort-on-fail on every command that runs load: bench (local and on agents),
// basic/singletest (one cell) and multitest (per cell), each with exit 99 after the full report.

let target: CountingTarget;
const dir = mkdtempSync(join(tmpdir(), 'gauntlet-thresholds-'));
before(async () => {
  target = await startCountingTarget();
});
after(() => target.close());

test('bench: a failed threshold prints its FAIL verdict after the run and exits 99', async () => {
  const r = await runCli(['bench', target.url, '-c', '2', '-n', '20', '-w', '1', '-q', '--threshold', 'http_reqs count>1000', '--threshold', 'http_req_failed rate<1%']);
  assert.equal(r.code, 99, r.stderr);
  assert.match(r.stdout, /^Test of 20 requests complete/m, 'the whole report is printed');
  assert.match(r.stdout, /FAIL\s+http_reqs count>1000/);
  assert.match(r.stdout, /PASS\s+http_req_failed rate<1%/);
});

test('bench: thresholds that pass exit 0 with their PASS verdicts', async () => {
  const r = await runCli(['bench', target.url, '-c', '2', '-n', '20', '-w', '1', '-q', '--threshold', 'http_reqs count==20', '--threshold', 'http_req_duration p(95)<30s']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /PASS\s+http_reqs count==20/);
  assert.match(r.stdout, /PASS\s+http_req_duration p\(95\)<30s/);
});

test('bench: --abort-on-fail stops a 60 s run at the first interval whose threshold fails, exit 99', async () => {
  const json = join(dir, 'abort.json');
  const r = await runCli(['bench', `${target.url}/status/500`, '-c', '2', '-d', '60s', '-w', '1', '-q', '--interval', '200ms', '--threshold', 'http_req_failed rate<1%', '--abort-on-fail', '--json', json], 50_000);
  assert.equal(r.code, 99, r.stderr);
  assert.match(r.stdout, /Stopped early: threshold http_req_failed rate<1% failed/);
  const result = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(result.stopReason, 'threshold');
  assert.ok(result.durationMs < 30_000, `ran ${result.durationMs} ms of 60 s`);
});

test('bench: a malformed --threshold is a usage error before anything runs', async () => {
  const before = target.requests;
  const r = await runCli(['bench', target.url, '-n', '5', '--threshold', 'http_req_duration p95<200ms']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: threshold/m);
  assert.match(r.stderr, /^hint: /m);
  assert.equal(target.requests, before);
});

test('singletest against node-http: a failed threshold is in the report and exits 99; passing ones exit 0', async () => {
  const failed = await runCli(['singletest', '-s', 'node-http', '-t', 'plain', '-i', '20', '-q', '--threshold', 'http_reqs count>1000']);
  assert.equal(failed.code, 99, failed.stderr);
  assert.match(failed.stdout, /^Test of 20 requests complete/m);
  assert.match(failed.stdout, /FAIL\s+http_reqs count>1000/);
  const passed = await runCli(['basic', '-q', '--threshold', 'http_reqs count==512']);
  assert.equal(passed.code, 0, passed.stderr);
  assert.match(passed.stdout, /PASS\s+http_reqs count==512/);
});

test('multitest: thresholds are judged per cell; the matrix marks the failed cell and the run exits 99', async () => {
  const json = join(dir, 'matrix.json');
  const r = await runCli(['multitest', '-s', 'node-http', '-t', 'plain', '-t', 'huge', '-i', '100', '--policy', 'sequential', '-q', '--threshold', 'data_received count<1000000', '--json', json], 120_000);
  assert.equal(r.code, 99, r.stderr);
  assert.match(r.stdout, /\| node-http \| f%: 0\.00; RPS: [\d.]+ +\| f%: 0\.00; RPS: [\d.]+ \(1 threshold\(s\) failed\) \|/);
  assert.match(r.stdout, /PASS\s+node-http × plain: data_received count<1000000/);
  assert.match(r.stdout, /FAIL\s+node-http × huge: data_received count<1000000/);
  const m = JSON.parse(readFileSync(json, 'utf8'));
  assert.deepEqual(m.cells.map((c: { result: { thresholds: { ok: boolean }[] } }) => c.result.thresholds.map((t) => t.ok)), [[true], [false]]);
});

test('bench --agents: thresholds are judged on the merged result, exit 99', { timeout: 60_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (nats === undefined) return;
  await startAgents(t, nats, 2, 'thr');
  const r = await runCli(['bench', target.url, '-n', '40', '-c', '2', '-q', '--agents', '2', '--nats', nats.url, '--threshold', 'http_reqs count==40', '--threshold', 'http_reqs count>1000']);
  assert.equal(r.code, 99, r.stderr);
  assert.match(r.stdout, /PASS\s+http_reqs count==40/);
  assert.match(r.stdout, /FAIL\s+http_reqs count>1000/);
});
