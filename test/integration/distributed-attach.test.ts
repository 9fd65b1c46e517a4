import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunResult } from '../../src/metrics/run-result.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { startCountingTarget } from '../helpers/counting-target.js';
import { startAgents, startNatsOrSkip, stderrLog as logOf, waitFor } from '../helpers/nats.js';

// `gauntlet attach` rebuilds a run from its JetStream stream (a real nats-server started with -js):
// after its coordinator was SIGKILLed, and for a finished run (the same figures as its coordinator's).

type AgentRow = { id: string; state: string; requests: number };
const agentsOf = (r: RunResult) => r.sections?.agents as AgentRow[];

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gauntlet-js-'));
}

test('gauntlet attach rebuilds a run whose coordinator was SIGKILLed: the agents stop after the orphan timeout, attach counts every request', { timeout: 120_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  const agents = await startAgents(t, nats, 2);
  const logs = agents.map(logOf);
  const { child, wait } = spawnCli(['bench', `${target.url}/`, '-r', '100', '-d', '60s', '--agents', '2', '--nats', nats.url, '-q'], 70_000);
  t.after(() => void child.kill('SIGKILL'));
  const coord = logOf(child);
  await waitFor(() => target.requests >= 100, 20_000, 'the target saw requests');
  child.kill('SIGKILL');
  await wait;
  const runId = /gauntlet: run ([0-9a-f]+) on 2 agents/.exec(coord.text)?.[1];
  assert.ok(runId, coord.text);
  // The agents stop on their own (orphan timeout) and report done through the stream.
  await waitFor(() => logs.every((l) => /run [0-9a-f]+: stopped, \d+ iterations/.test(l.text) || /run [0-9a-f]+: interrupted, \d+ iterations/.test(l.text)), 30_000, `both agents ended their share: ${logs.map((l) => l.text).join('\n')}`);
  const json = join(tempDir(), 'a.json');
  const a = await runCli(['attach', runId, '--nats', nats.url, '-q', '--json', json], 60_000);
  assert.notEqual(a.code, 2, a.stderr);
  assert.match(a.stdout, /agent0/);
  const r = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
  assert.equal(r.metrics.counters['http_reqs'], target.requests, 'attach counted every request the target saw');
  assert.deepEqual(agentsOf(r).map((x) => x.state), ['stopped', 'stopped']);
  assert.deepEqual(r.intervals.map((i) => i.index), r.intervals.map((_, k) => k));
});

test('gauntlet attach of a finished run reports what its coordinator reported (the same merge)', { timeout: 90_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  // A long orphan timeout: this test is about the merge, not supervision on a busy machine.
  await startAgents(t, nats, 2, 'agent', ['--orphan-timeout', '20s']);
  const dir = tempDir();
  const run = await runCli(['bench', `${target.url}/`, '-c', '4', '-n', '300', '--interval', '200ms', '--agents', '2', '--nats', nats.url, '-q', '--json', join(dir, 'run.json')], 60_000);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const runId = /gauntlet: run ([0-9a-f]+) on 2 agents/.exec(run.stderr)![1]!;
  const a = await runCli(['attach', runId, '--nats', nats.url, '-q', '--json', join(dir, 'attach.json'), '--timeseries', join(dir, 'ts.csv')], 60_000);
  assert.equal(a.code, 0, a.stderr);
  const r1 = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunResult;
  const r2 = JSON.parse(readFileSync(join(dir, 'attach.json'), 'utf8')) as RunResult;
  assert.equal(r2.stopReason, 'completed');
  assert.equal(r2.metrics.counters['http_reqs'], 300);
  assert.deepEqual(r2.metrics.counters, r1.metrics.counters);
  assert.deepEqual(r2.intervals.map((i) => i.counters), r1.intervals.map((i) => i.counters));
  assert.deepEqual(r2.summary, r1.summary);
  assert.equal(readFileSync(join(dir, 'ts.csv'), 'utf8').trim().split('\n').length, r1.intervals.length + 1);
  // An unknown run: one error and one hint, exit 2.
  const none = await runCli(['attach', 'feedfeedfeed', '--nats', nats.url], 30_000);
  assert.equal(none.code, 2, none.stderr);
  assert.match(none.stderr, /^error: no run feedfeedfeed on /m);
  assert.match(none.stderr, /^hint: /m);
});
