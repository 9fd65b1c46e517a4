import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { resolveBenchPlan } from '../../src/api/bench.js';
import { startDistributedRun } from '../../src/api/distributed-run.js';
import type { RunResult } from '../../src/metrics/run-result.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { startCountingTarget } from '../helpers/counting-target.js';
import { startAgents, startNatsOrSkip } from '../helpers/nats.js';

// Controlling a distributed run from outside: `gauntlet stop RUN_ID` (signed, like Ctrl-C), and the
// rule for loss (--on-agent-loss continue: the run goes on and the result says what did not run).

process.env['GAUNTLET_CONFIG_DIR'] = join(mkdtempSync(join(tmpdir(), 'gauntlet-control-')), 'config');

type AgentRow = { id: string; state: string; requests: number; segment: string; lostAtS?: number; notRun?: string; notDone?: number };
const agentsOf = (r: RunResult) => r.sections?.agents as AgentRow[];

/** waitFor polls cond every 50 ms until it holds, or fails after timeoutMs. */
async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

test('gauntlet stop RUN_ID stops the run like Ctrl-C (summary, exit 130); a stop signed by an untrusted key is refused; an unknown run: exit 1', { timeout: 90_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  await startAgents(t, nats, 2);
  const json = join(mkdtempSync(join(tmpdir(), 'gauntlet-control-')), 'r.json');
  const { child, wait } = spawnCli(['bench', `${target.url}/`, '-r', '50', '-d', '60s', '--agents', '2', '--nats', nats.url, '--json', json], 70_000);
  t.after(() => void child.kill('SIGKILL'));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(() => /run [0-9a-f]{12}: looking for 2 agents/.test(stderr), 20_000, 'the coordinator printed its run id');
  const runId = /run ([0-9a-f]{12}): looking/.exec(stderr)![1]!;
  assert.match(stderr, new RegExp(`gauntlet stop ${runId} --nats ${nats.url.replace(/\./g, '\\.')}`));
  await waitFor(() => target.requests >= 20, 20_000, 'the target saw requests');

  // A stranger's stop: refused, logged, and the run goes on.
  const nc = await connect({ servers: nats.url });
  t.after(() => nc.close());
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const payload = JSON.stringify({ type: 'stop-run', runId });
  const forged = { payload, sig: sign(null, Buffer.from(payload), privateKey).toString('base64'), key: publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64') };
  const reply = JSON.parse(new TextDecoder().decode((await nc.request(`gauntlet.run.${runId}.coordinator`, new TextEncoder().encode(JSON.stringify(forged)), { timeout: 5000 })).data)) as { payload: string };
  assert.match(JSON.parse(reply.payload).reason as string, /stop refused: signed by an untrusted key/);
  await waitFor(() => /dropped a stop request: signed by an untrusted key/.test(stderr), 10_000, 'the coordinator logged the refused stop');
  const before = target.requests;
  await waitFor(() => target.requests >= before + 20, 20_000, 'the run went on after the forged stop');

  const stop = await runCli(['stop', runId, '--nats', nats.url], 20_000);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, new RegExp(`Run ${runId} is stopping`));
  const run = await wait;
  assert.equal(run.code, 130, run.stderr);
  assert.match(run.stdout, /Stopped by the user/);
  assert.match(run.stderr, /stop requested \(gauntlet stop\)/);
  const r = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
  assert.equal(r.stopReason, 'interrupted');
  assert.deepEqual(agentsOf(r).map((a) => a.state), ['done', 'done']);
  assert.equal(r.metrics.counters['http_reqs'], target.requests);
  assert.ok(r.durationMs < 40_000, `stopped early: ${r.durationMs} ms`);

  const nobody = await runCli(['stop', runId, '--nats', nats.url], 20_000);
  assert.equal(nobody.code, 1);
  assert.match(nobody.stderr, new RegExp(`^error: nobody answered for run ${runId}`, 'm'));
  assert.match(nobody.stderr, /^hint: /m);
});

test('CLI: --on-agent-loss continue: an agent killed -9 mid-run, the run goes on and completes (exit 0) naming the lost agent, when, and what did not run', { timeout: 90_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  const [, victim] = await startAgents(t, nats, 2);
  const json = join(mkdtempSync(join(tmpdir(), 'gauntlet-control-')), 'r.json');
  const { child, wait } = spawnCli(['bench', `${target.url}/`, '-r', '100', '-d', '6s', '--interval', '500ms', '--agents', '2', '--nats', nats.url, '--on-agent-loss', 'continue', '--agent-loss-timeout', '1500ms', '--json', json, '-q'], 60_000);
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
  const handle = startDistributedRun(plan, { nats: nats.url, agents: 2, onAgentLoss: 'continue', lostAfterMs: 1500, log: () => {} });
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

test('fleet flags are checked: one error line, one hint line, exit 2', { timeout: 120_000 }, async () => {
  const cases: [string[], RegExp][] = [
    [['--agents', '2', '--on-agent-loss', 'maybe'], /--on-agent-loss 'maybe' is not fail or continue/],
    [['--agents', '2', '--agent-loss-timeout', '5'], /--agent-loss-timeout/],
    [['--agents', '2', '--agent-loss-timeout', '200ms'], /--agent-loss-timeout 200ms is shorter/],
    [['--agents', '2', '--agent-discovery-timeout', '10x'], /--agent-discovery-timeout/],
    [['--agents', '2', '--agent-tag', 'region'], /--agent-tag 'region' is not key=value/],
    [['--agents', '2', '--subject-prefix', 'a.b'], /--subject-prefix 'a\.b' is not one NATS subject token/],
    [['--agents', '2', '--trust-agent', 'not-a-key'], /--trust-agent not-a-key is not an Ed25519 public key/],
    [['--agent-tag', 'region=eu'], /--agent-tag needs --agents N/],
    [['--on-agent-loss', 'continue'], /--on-agent-loss needs --agents N/],
  ];
  for (const [flags, message] of cases) {
    const r = await runCli(['bench', 'http://127.0.0.1:9/', '-n', '1', ...flags]);
    assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0]!, /^error: /);
    assert.match(lines[0]!, message);
    assert.match(lines[1]!, /^hint: /);
  }
  const agent = await runCli(['agent', '--nats', 'nats://127.0.0.1:1', '--tag', 'x']);
  assert.equal(agent.code, 2);
  assert.match(agent.stderr, /^error: --tag 'x' is not key=value/m);
  const stop = await runCli(['stop', 'a.b']);
  assert.equal(stop.code, 2);
});

test('--on-agent-loss continue: an agent that was only frozen (SIGSTOP) and comes back is released and stops its share', { timeout: 90_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  const [, frozen] = await startAgents(t, nats, 2);
  t.after(() => void frozen!.kill('SIGCONT'));
  let log = '';
  frozen!.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const plan = resolveBenchPlan({ url: `${target.url}/`, rate: 50, duration: '30s', workers: 2, interval: '500ms' });
  const coordinator: string[] = [];
  const handle = startDistributedRun(plan, { nats: nats.url, agents: 2, onAgentLoss: 'continue', lostAfterMs: 1500, log: (l) => coordinator.push(l) });
  await waitFor(() => target.requests >= 50, 20_000, 'the target saw requests');
  frozen!.kill('SIGSTOP');
  // The coordinator gives it up after 1.5 s of silence; then it wakes and must stop its share.
  await waitFor(() => coordinator.some((l) => /agent agent1 .*was lost/.test(l)), 20_000, 'the coordinator gave the frozen agent up');
  frozen!.kill('SIGCONT');
  await waitFor(() => /stopping: its coordinator gave it up as lost and released it/.test(log), 20_000, 'the released agent stopped its share');
  handle.stop();
  const r = await handle.done;
  assert.equal(r.stopReason, 'interrupted');
  assert.deepEqual(agentsOf(r).map((a) => [a.id, a.state]), [['agent0', 'done'], ['agent1', 'lost']]);
});
