import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveBenchPlan } from '../../src/api/bench.js';
import { startDistributedRun } from '../../src/api/distributed-run.js';
import type { RunResult } from '../../src/metrics/run-result.js';
import { spawnCli } from '../helpers/cli.js';
import { startCountingTarget } from '../helpers/counting-target.js';
import { startAgents, startNatsOrSkip, waitFor } from '../helpers/nats.js';

// The rule for loss: with --on-agent-loss continue the run goes on without a lost agent, the result
// says what did not run, and a lost agent that comes back is released.

process.env['GAUNTLET_CONFIG_DIR'] = join(mkdtempSync(join(tmpdir(), 'gauntlet-loss-')), 'config');

type AgentRow = { id: string; state: string; requests: number; segment: string; lostAtS?: number; notRun?: string; notDone?: number };
const agentsOf = (r: RunResult) => r.sections?.agents as AgentRow[];


test('CLI: --on-agent-loss continue: an agent killed -9 mid-run, the run goes on and completes (exit 0) naming the lost agent, when, and what did not run', { timeout: 90_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  const [, victim] = await startAgents(t, nats, 2);
  const json = join(mkdtempSync(join(tmpdir(), 'gauntlet-control-')), 'r.json');
  const { child, wait } = spawnCli(['bench', `${target.url}/`, '-r', '100', '-d', '6s', '--interval', '500ms', '--agents', '2', '--nats', nats.url, '--on-agent-loss', 'continue', '--agent-loss-timeout', '3s', '--json', json, '-q'], 60_000);
  t.after(() => void child.kill('SIGKILL'));
  await waitFor(() => target.requests >= 200, 20_000, 'the target saw requests');
  victim!.kill('SIGKILL');
  const run = await wait;
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Incomplete: lost agent agent1 on .* \(\d+\.\d s into the run, segment 1\/2\); the run went on without it \(--on-agent-loss continue\)/m);
  assert.doesNotMatch(run.stdout, /^OK: every request returned OK\.$/m, 'never a bare OK');
  assert.match(run.stdout, /\(incomplete: part of the plan did not run, see above\)\.$/m);
  assert.match(run.stderr, /agent agent1 on .* was lost .*going on without it/);
  const r = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
  assert.equal(r.stopReason, 'completed');
  assert.match(r.incomplete ?? '', /agent1/);
  const agents = agentsOf(r);
  assert.deepEqual(agents.map((a) => [a.id, a.state]), [['agent0', 'done'], ['agent1', 'lost']]);
  const lost = agents[1]!;
  assert.ok(lost.lostAtS !== undefined && lost.lostAtS > 0 && lost.lostAtS < 6, `lost at ${lost.lostAtS} s`);
  assert.equal(lost.notRun, `segment 1/2 from ${lost.lostAtS.toFixed(1)} s on`);
  // agent0 ran its whole share (about 300 of the 600 arrivals); the lost agent's intervals before the kill are kept.
  assert.ok(Math.abs(agents[0]!.requests - 300) <= 15, `agent0: ${agents[0]!.requests}`);
  assert.equal(r.metrics.counters['http_reqs'], agents[0]!.requests + lost.requests);
  assert.ok((r.metrics.counters['http_reqs'] ?? 0) <= target.requests);
});

test('--on-agent-loss continue on a run bounded by count: the lost agent names how many iterations did not run', { timeout: 60_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  const [, victim] = await startAgents(t, nats, 2);
  // Closed model, 2 users thinking 20 ms: about 100 requests a second, so the kill lands mid-run.
  const plan = resolveBenchPlan({ url: `${target.url}/`, requests: 600, connections: 2, think: '20ms', workers: 2, interval: '500ms' });
  const handle = startDistributedRun(plan, { nats: nats.url, agents: 2, onAgentLoss: 'continue', lostAfterMs: 3000, log: () => {} });
  await waitFor(() => target.requests >= 200, 20_000, 'the target saw requests');
  victim!.kill('SIGKILL');
  const r = await handle.done;
  assert.equal(r.stopReason, 'completed', r.error);
  const done = r.metrics.counters['iterations'] ?? 0;
  const lost = agentsOf(r)[1]!;
  assert.equal(lost.state, 'lost');
  assert.ok(done < 600);
  assert.equal(lost.notDone, 600 - done);
  assert.match(r.incomplete ?? '', new RegExp(`${600 - done} of 600 planned iterations did not run`));
});

test('--on-agent-loss continue: an agent that was only frozen (SIGSTOP) and comes back is released and stops its share', { timeout: 90_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  // A long orphan timeout: the frozen agent's own watch must not stop it first; the release must.
  const [, frozen] = await startAgents(t, nats, 2, 'agent', ['--orphan-timeout', '30s']);
  t.after(() => void frozen!.kill('SIGCONT'));
  let log = '';
  frozen!.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const plan = resolveBenchPlan({ url: `${target.url}/`, rate: 50, duration: '30s', workers: 2, interval: '500ms' });
  const coordinator: string[] = [];
  const handle = startDistributedRun(plan, { nats: nats.url, agents: 2, onAgentLoss: 'continue', lostAfterMs: 3000, log: (l) => coordinator.push(l) });
  await waitFor(() => target.requests >= 50, 20_000, 'the target saw requests');
  frozen!.kill('SIGSTOP');
  // The coordinator gives it up after 3 s of silence; then it wakes and must stop its share.
  await waitFor(() => coordinator.some((l) => /agent agent1 .*was lost/.test(l)), 20_000, 'the coordinator gave the frozen agent up');
  frozen!.kill('SIGCONT');
  await waitFor(() => /stopping: its coordinator gave it up as lost and released it/.test(log), 20_000, 'the released agent stopped its share');
  handle.stop();
  const r = await handle.done;
  assert.equal(r.stopReason, 'interrupted');
  assert.deepEqual(agentsOf(r).map((a) => [a.id, a.state]), [['agent0', 'done'], ['agent1', 'lost']]);
});
