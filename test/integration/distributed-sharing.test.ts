import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveBenchPlan } from '../../src/api/bench.js';
import { startDistributedRun } from '../../src/api/distributed-run.js';
import { GauntletError } from '../../src/core/errors.js';
import type { RunResult } from '../../src/metrics/run-result.js';
import { runCli } from '../helpers/cli.js';
import { startCountingTarget } from '../helpers/counting-target.js';
import { startAgents, startNatsOrSkip } from '../helpers/nats.js';

// Sharing one NATS server: subject prefixes and tags keep fleets apart, and two coordinators never
// claim one agent. Real nats-server, real agent processes.

// Keys live in a fresh config dir, inherited by the spawned agents: the test never touches ~.
process.env['GAUNTLET_CONFIG_DIR'] = join(mkdtempSync(join(tmpdir(), 'gauntlet-sharing-')), 'config');

type AgentRow = { id: string; state: string; requests: number };
const agentsOf = (r: RunResult) => r.sections?.agents as AgentRow[];

test('subject prefixes keep fleets apart: a coordinator sees only the agents of its prefix', { timeout: 60_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  await startAgents(t, nats, 2, 'team-a', ['--subject-prefix', 'team-a']);
  await startAgents(t, nats, 1, 'plain');
  const plan = resolveBenchPlan({ url: `${target.url}/`, requests: 200, connections: 2, workers: 2 });
  // Under the default prefix there is one agent only: the team-a agents never answer.
  await assert.rejects(startDistributedRun(plan, { nats: nats.url, agents: 2, discoverTimeoutMs: 1500, log: () => {} }).done, (e: unknown) => e instanceof GauntletError && /found 1 of 2 idle agents/.test(e.message));
  const r = await startDistributedRun(plan, { nats: nats.url, agents: 2, subjectPrefix: 'team-a', log: () => {} }).done;
  assert.equal(r.stopReason, 'completed', r.error);
  assert.deepEqual(agentsOf(r).map((a) => [a.id, a.requests]), [['team-a0', 100], ['team-a1', 100]]);
  assert.equal(target.requests, 200);
  const listed = await runCli(['agents', '--nats', nats.url, '--subject-prefix', 'team-a', '--json']);
  assert.deepEqual((JSON.parse(listed.stdout) as { id: string }[]).map((a) => a.id), ['team-a0', 'team-a1']);
});

test('tags: --agents 2 --agent-tag region=eu uses exactly the two eu agents', { timeout: 60_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  // The us agent's id sorts first: without the tag it would be picked.
  await startAgents(t, nats, 1, 'a-us', ['--tag', 'region=us']);
  await startAgents(t, nats, 2, 'eu', ['--tag', 'region=eu', '--tag', 'tier=2']);
  const json = join(mkdtempSync(join(tmpdir(), 'gauntlet-fleet-')), 'r.json');
  const run = await runCli(['bench', `${target.url}/`, '-n', '200', '-c', '2', '--agents', '2', '--agent-tag', 'region=eu', '--nats', nats.url, '--json', json, '-q'], 40_000);
  assert.equal(run.code, 0, run.stderr);
  const r = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
  assert.deepEqual(agentsOf(r).map((a) => a.id), ['eu0', 'eu1']);
  assert.equal(target.requests, 200);
  // Two tags must both match: nobody is region=eu and tier=3.
  const plan = resolveBenchPlan({ url: `${target.url}/`, requests: 10, connections: 1, workers: 1 });
  await assert.rejects(
    startDistributedRun(plan, { nats: nats.url, agents: 1, agentTags: { region: 'eu', tier: '3' }, discoverTimeoutMs: 1000, log: () => {} }).done,
    (e: unknown) => e instanceof GauntletError && /found 0 of 1 idle agents tagged region=eu, tier=3/.test(e.message),
  );
});

test('two coordinators at once on 4 agents: both complete, each on 2 distinct agents; the target counts the sum', { timeout: 90_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  await startAgents(t, nats, 4);
  const plan = resolveBenchPlan({ url: `${target.url}/`, requests: 300, connections: 2, workers: 2 });
  const [a, b] = await Promise.all([startDistributedRun(plan, { nats: nats.url, agents: 2, log: () => {} }).done, startDistributedRun(plan, { nats: nats.url, agents: 2, log: () => {} }).done]);
  for (const r of [a!, b!]) {
    assert.equal(r.stopReason, 'completed', r.error);
    assert.equal(r.metrics.counters['http_reqs'], 300);
    assert.equal(agentsOf(r).length, 2);
  }
  const ids = [...agentsOf(a!), ...agentsOf(b!)].map((x) => x.id).sort();
  assert.deepEqual(ids, ['agent0', 'agent1', 'agent2', 'agent3'], 'no agent served both');
  assert.equal(target.requests, 600);
});

test('two coordinators wanting 2 of 3 agents: one completes; the other fails after its discovery timeout, naming how many it found', { timeout: 90_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  await startAgents(t, nats, 3);
  // The winner's run (6 s) outlasts the loser's discovery timeout (3 s): its agents stay busy.
  const plan = resolveBenchPlan({ url: `${target.url}/`, rate: 50, duration: '6s', workers: 2 });
  const runs = await Promise.allSettled([0, 1].map(() => startDistributedRun(plan, { nats: nats.url, agents: 2, discoverTimeoutMs: 3000, log: () => {} }).done));
  const done = runs.filter((r): r is PromiseFulfilledResult<RunResult> => r.status === 'fulfilled');
  const failed = runs.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  assert.equal(done.length, 1, JSON.stringify(runs.map((r) => (r.status === 'rejected' ? String(r.reason) : r.value.stopReason))));
  assert.equal(done[0]!.value.stopReason, 'completed', done[0]!.value.error);
  assert.equal(agentsOf(done[0]!.value).length, 2);
  assert.equal(done[0]!.value.metrics.counters['http_reqs'], target.requests);
  assert.equal(failed.length, 1);
  assert.match(String((failed[0]!.reason as Error).message), /found 1 of 2 idle agents .* within 3 s/);
});

