import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { resolveBenchPlan } from '../../src/api/bench.js';
import { startDistributedRun } from '../../src/api/distributed-run.js';
import type { RunResult } from '../../src/metrics/run-result.js';
import { spawnCli } from '../helpers/cli.js';
import { startCountingTarget } from '../helpers/counting-target.js';
import { freePort, haveNatsOrSkip, startAgents, startNatsOrSkip, waitFor } from '../helpers/nats.js';

// Supervision both ways over a real nats-server on 127.0.0.1: agents stop when their coordinator
// dies, wait for NATS instead of exiting, and an agent stopped by SIGTERM makes the run fail
// (named), never `completed` with missing work.

type AgentRow = { id: string; state: string; requests: number };
const agentsOf = (r: RunResult) => r.sections?.agents as AgentRow[];


test('a coordinator SIGKILLed mid-run: its agents stop loading the target after the orphan timeout and serve the next coordinator', { timeout: 90_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  await startAgents(t, nats, 2);
  const { child, wait } = spawnCli(['bench', `${target.url}/`, '-r', '200', '-d', '60s', '--agents', '2', '--nats', nats.url, '-q'], 70_000);
  t.after(() => void child.kill('SIGKILL'));
  await waitFor(() => target.requests >= 50, 20_000, 'the target saw requests');
  child.kill('SIGKILL');
  const killedAt = performance.now();
  await wait;
  // orphan timeout 3 s + grace + margin: by T+8 s the agents are quiet, so T+10 s counts the same.
  await sleep(8000 - (performance.now() - killedAt));
  const at8 = target.requests;
  await sleep(10_000 - (performance.now() - killedAt));
  const at10 = target.requests;
  assert.equal(at10, at8, `the target still got requests ${((performance.now() - killedAt) / 1000).toFixed(1)} s after the coordinator died`);
  assert.ok(at8 < 200 * 8, `the agents kept loading after the kill: ${at8}`);
  // Both agents are idle again: a new coordinator finds them and completes.
  const before = target.requests;
  const plan = resolveBenchPlan({ url: `${target.url}/`, requests: 100, connections: 2, workers: 2 });
  const r = await startDistributedRun(plan, { nats: nats.url, agents: 2, discoverTimeoutMs: 5000 }).done;
  assert.equal(r.stopReason, 'completed', r.error);
  assert.deepEqual(agentsOf(r).map((a) => a.state), ['done', 'done']);
  assert.equal(target.requests - before, 100);
});

test('an agent started before nats-server waits, connects when it comes up, and runs', { timeout: 60_000 }, async (t) => {
  if (!haveNatsOrSkip(t)) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const { child } = spawnCli(['agent', '--nats', url, '-w', '1', '--id', 'early0'], 50_000);
  t.after(() => void child.kill('SIGKILL'));
  let text = '';
  let exited = false;
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  child.on('exit', () => (exited = true));
  await waitFor(() => /cannot reach NATS .*retrying/.test(text) || exited, 15_000, 'the agent said it retries');
  assert.ok(!exited, `the agent exited without NATS: ${text}`);
  const nats = await startNatsOrSkip(t, port);
  if (!nats) return;
  await waitFor(() => text.includes('waiting for runs') || exited, 15_000, 'the agent connected');
  assert.ok(!exited, text);
  const plan = resolveBenchPlan({ url: `${target.url}/`, requests: 100, connections: 2, workers: 1 });
  const r = await startDistributedRun(plan, { nats: nats.url, agents: 1, discoverTimeoutMs: 5000 }).done;
  assert.equal(r.stopReason, 'completed', r.error);
  assert.equal(target.requests, 100);
});

test('CLI: an agent stopped by SIGTERM mid-run finishes in-flight requests, is named stopped, and the run fails (exit 1) with every request counted', { timeout: 90_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  const [, victim] = await startAgents(t, nats, 2);
  const json = join(mkdtempSync(join(tmpdir(), 'gauntlet-dist-')), 'r.json');
  const { child, wait } = spawnCli(['bench', `${target.url}/`, '-n', '2000000', '-c', '4', '--agents', '2', '--nats', nats.url, '--json', json, '-q'], 60_000);
  t.after(() => void child.kill('SIGKILL'));
  await waitFor(() => target.requests >= 200, 20_000, 'the target saw requests');
  victim!.kill('SIGTERM');
  const run = await wait;
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stdout, /agent1 .*stopped/);
  const r = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
  assert.equal(r.stopReason, 'failed');
  assert.match(r.error ?? '', /agent1 .*stopped .*SIGTERM/);
  const agents = agentsOf(r);
  assert.deepEqual(agents.map((a) => [a.id, a.state]), [['agent0', 'done'], ['agent1', 'stopped']]);
  assert.ok(agents[1]!.requests > 0);
  assert.ok((r.metrics.counters['http_reqs'] ?? 0) < 2_000_000);
  assert.equal(r.metrics.counters['http_reqs'], target.requests);
  assert.equal(r.metrics.counters['http_reqs'], agents[0]!.requests + agents[1]!.requests);
});
