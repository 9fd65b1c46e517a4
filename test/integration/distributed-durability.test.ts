import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { RunResult } from '../../src/metrics/run-result.js';
import type { DurabilityFigures } from '../../src/scenarios/durability/durability-figures.js';
import type { Matrix } from '../../src/scenarios/durability/matrix.js';
import { runCli } from '../helpers/cli.js';
import { startAgents, startNatsOrSkip } from '../helpers/nats.js';

// Durability commands with --agents: the coordinator (the CLI) starts and watches the server, the
// agents (child processes of the built CLI) send the requests over a real nats-server on 127.0.0.1,
// and the run is judged on the merged result, as a local run would be.

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-dist-durability-'));
const COUNTING_SERVER = fileURLToPath(new URL('../helpers/counting-behaviour-server.js', import.meta.url));

type AgentRow = { id: string; state: string; requests: number };
const agentsOf = (r: RunResult) => r.sections?.agents as AgentRow[];
const figuresOf = (r: RunResult) => r.sections?.durability as DurabilityFigures;
const readResult = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as RunResult;
/** labourLines are the two lines and the failure breakdown of Labour's report: the run's verdict. */
const labourLines = (stdout: string) => stdout.split('\n').filter((l) => /returned OK and|^Code: /.test(l));

test('singletest --agents 2 against node-http: the same verdict and figures as the same run on local threads, the server watched here', { timeout: 120_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  await startAgents(t, nats, 2, 'dur');
  // A hang is never answered by node-http: the client's 0.5 s timeout makes it unexpected, every time,
  // so the verdict is not all-OK and does not depend on timing. Two users on two workers (local) and
  // two agents of one worker each have the same segments, so the sequential policy picks the same.
  const args = ['singletest', '-s', 'node-http', '--mix', 'plain:9,hang(timeout=0.5):1', '--policy', 'sequential', '-i', '40', '-p', '2', '-q'];
  const local = await runCli([...args, '-w', '2', '--json', join(dir, 'local.json')], 60_000);
  const dist = await runCli([...args, '--agents', '2', '--nats', nats.url, '--json', join(dir, 'agents.json')], 60_000);
  assert.equal(local.code, 0, local.stderr);
  assert.equal(dist.code, 0, dist.stderr);
  assert.match(dist.stdout, /^Running test 'custom' against node-http \(40 requests, sequential policy, from 2 agents\)\.$/m);
  assert.deepEqual(labourLines(dist.stdout), labourLines(local.stdout));
  assert.deepEqual(labourLines(dist.stdout), ['36 requests (90.00%) returned OK and 4 (10.00%) failed.', 'Code: timeout\tCount: 4\tPercentage: 100.00%']);
  assert.match(dist.stdout, /^Agents:\n {2}dur0 .* done {2}20 requests\n {2}dur1 .* done {2}20 requests$/m);
  const l = readResult(join(dir, 'local.json'));
  const d = readResult(join(dir, 'agents.json'));
  assert.equal(d.stopReason, 'completed', d.error);
  assert.equal(d.metrics.counters['http_reqs'], 40);
  assert.equal(agentsOf(d).reduce((s, a) => s + a.requests, 0), 40);
  const [lf, df] = [figuresOf(l), figuresOf(d)];
  for (const k of ['requests', 'unexpected', 'collateralFailures', 'crashes'] as const) assert.equal(df[k], lf[k], k);
  assert.deepEqual(df.behaviours, lf.behaviours);
  assert.deepEqual(df.behaviours.map((b) => [b.label, b.requests, b.unexpected]), [['plain', 36, 0], ['hang(timeout=0.5)', 4, 4]]);
  // The server ran here, so its process tree was sampled here.
  assert.ok(df.serverStats !== undefined && df.serverStats.samples > 0 && df.serverStats.peakRssBytes > 1024 * 1024, JSON.stringify(df.serverStats));
  assert.equal(df.serverStats.processesEnd, 1);
  // `gauntlet report` shows the agents again, beside the durability figures.
  const report = await runCli(['report', join(dir, 'agents.json')]);
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /^Agents:\n {2}dur0 .* done {2}20 requests\n {2}dur1 .* done {2}20 requests$/m);
  assert.match(report.stdout, /^Behaviours \(OK means as expected\):$/m);
});

test('singletest --agents 2 --server-host 127.0.0.2: the server counts exactly the requests the summary reports', { timeout: 120_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  await startAgents(t, nats, 2, 'cnt');
  const log = join(dir, 'server-requests.log');
  const json = join(dir, 'counted.json');
  const server = `command:${process.execPath} ${COUNTING_SERVER} {host} {port} ${log}`;
  // The readiness probe asks for /plain; the mix's paths carry a query, so the log tells them apart.
  const r = await runCli(['singletest', '-s', server, '--mix', 'plain(length=100):3,plain(status=404):1', '-i', '120', '-p', '4', '--server-host', '127.0.0.2', '--agents', '2', '--nats', nats.url, '--json', json, '-q'], 60_000);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^120 requests \(100\.00%\) returned OK and 0 \(0\.00%\) failed\.$/m);
  const served = readFileSync(log, 'utf8').split('\n').filter((p) => p.includes('?'));
  assert.equal(served.length, 120);
  const result = readResult(json);
  assert.equal(result.metrics.counters['http_reqs'], served.length);
  assert.deepEqual(agentsOf(result).map((a) => [a.state, a.requests]), [['done', 60], ['done', 60]]);
  assert.match(figuresOf(result).target, /^http:\/\/127\.0\.0\.2:\d+$/);
});

test('multitest --agents 2 with two servers completes with a matrix; every cell ran on both agents', { timeout: 150_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  await startAgents(t, nats, 2, 'mx');
  const json = join(dir, 'matrix.json');
  const r = await runCli(['multitest', '-s', 'node-http', '-s', 'node-cluster', '-t', 'plain', '-t', 'throw', '-i', '30', '-p', '2', '--agents', '2', '--nats', nats.url, '--json', json], 120_000);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /2 test\(s\) against 2 server\(s\): 4 cell\(s\), a fresh server for each; requests from 2 agents\./);
  assert.match(r.stdout, /^\| node-http +\| f%: 0\.00; RPS: \d+\.\d\d +\| f%: 0\.00; RPS: \d+\.\d\d +\|$/m);
  assert.match(r.stdout, /^\| node-cluster +\| f%: 0\.00; RPS: \d+\.\d\d +\| f%: 0\.00; RPS: \d+\.\d\d +\|$/m);
  const matrix = JSON.parse(readFileSync(json, 'utf8')) as Matrix;
  assert.equal(matrix.cells.length, 4);
  for (const c of matrix.cells) {
    assert.equal(c.status, 'completed', `${c.server} × ${c.test}: ${c.error}`);
    assert.equal(c.figures?.requests, 30);
    assert.ok((c.figures?.serverStats?.samples ?? 0) > 0, 'the server was watched by the coordinator');
    assert.deepEqual(agentsOf(c.result!).map((a) => [a.id, a.state, a.requests]), [['mx0', 'done', 15], ['mx1', 'done', 15]]);
  }
  const perCell = /^Agents per cell:\n(?:.+ × .+:\n(?: {2}mx[01] .*\n){2}){4}/m;
  assert.match(r.stdout, perCell);
  const report = await runCli(['report', json]);
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, perCell);
  assert.match(report.stdout, /^node-cluster × throw:\n {2}mx0 .* done {2}15 requests$/m);
});

test('singletest --agents 2 with no agent on NATS: one error line and a hint, exit 1, no stack trace', { timeout: 60_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const r = await runCli(['singletest', '-i', '10', '--agents', '2', '--nats', nats.url, '-q'], 45_000);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /(^|\n)error: found 0 of 2 idle agents on nats:\/\/127\.0\.0\.1:\d+ within 10 s\nhint: start agents with: gauntlet agent --nats /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('durability with --agents: --serve-only is a usage error before any server starts (a raw --csv works: agents put their rows in the object store)', async () => {
  const serve = await runCli(['singletest', '--serve-only', '--agents', '2']);
  assert.equal(serve.code, 2);
  assert.match(serve.stderr, /^error: --serve-only sends no requests, so it takes no --agents\nhint: /);
  const nats = await runCli(['basic', '--nats', 'nats://127.0.0.1:4222']);
  assert.equal(nats.code, 2);
  assert.match(nats.stderr, /^error: --nats needs --agents N\nhint: /);
});
