import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveBenchPlan } from '../../src/api/bench.js';
import { startDistributedRun } from '../../src/api/distributed-run.js';
import { prepareScriptRun, startScriptRun } from '../../src/api/run-script.js';
import { GauntletError } from '../../src/core/errors.js';
import type { ScenarioSpec } from '../../src/load/plan.js';
import type { RunResult } from '../../src/metrics/run-result.js';
import { spawnCli } from '../helpers/cli.js';
import { startCountingTarget } from '../helpers/counting-target.js';
import { startAgents, startNatsOrSkip } from '../helpers/nats.js';

// Scale-out over a real nats-server on 127.0.0.1: agents are child processes of the built CLI
// (`gauntlet agent`), the coordinator runs in this process (and once as the CLI, for Ctrl-C). The
// client's merged numbers are checked against what the counting target saw.


function histogramCount(r: RunResult): number {
  return r.summary['http_req_duration']?.count ?? 0;
}

type AgentRow = { id: string; state: string; requests: number };
const agentsOf = (r: RunResult) => r.sections?.agents as AgentRow[];

test('two agents run -n 1000 exactly: the server counts 1000, the merged result and histogram hold 1000', { timeout: 60_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  await startAgents(t, nats, 2);
  const plan = resolveBenchPlan({ url: `${target.url}/`, requests: 1000, connections: 10, workers: 2 });
  const intervals: number[] = [];
  const handle = startDistributedRun(plan, { nats: nats.url, agents: 2 });
  handle.on('interval', (row) => intervals.push(row.counters['http_reqs'] ?? 0));
  const r = await handle.done;
  assert.equal(r.stopReason, 'completed', r.error);
  assert.equal(target.requests, 1000);
  assert.equal(r.metrics.counters['http_reqs'], 1000);
  assert.equal(histogramCount(r), 1000);
  assert.equal(intervals.reduce((a, b) => a + b, 0), 1000, 'the live intervals add up to the total');
  const agents = agentsOf(r);
  assert.deepEqual(agents.map((a) => [a.state, a.requests]), [['done', 500], ['done', 500]]);
  assert.equal(r.workers, 2);
});

test('open model 200/s for 2 s across 2 agents: about 400 arrivals in total', { timeout: 60_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  await startAgents(t, nats, 2);
  const plan = resolveBenchPlan({ url: `${target.url}/`, rate: 200, duration: '2s', workers: 2 });
  const r = await startDistributedRun(plan, { nats: nats.url, agents: 2 }).done;
  assert.equal(r.stopReason, 'completed', r.error);
  const n = r.metrics.counters['http_reqs'] ?? 0;
  assert.ok(Math.abs(n - 400) <= 12, `http_reqs ${n}, expected 400 ± 3%`);
  assert.equal(target.requests, n);
  assert.equal(histogramCount(r), n);
  for (const a of agentsOf(r)) assert.ok(Math.abs(a.requests - 200) <= 6, `agent ${a.id}: ${a.requests}, expected 200 ± 3%`);
  assert.ok(r.rate !== undefined && Math.abs(r.rate.intended - 200) <= 6, `intended rate ${r.rate?.intended}`);
});

test('an agent killed mid-run: the run ends in bounded time, names the lost agent and keeps what was collected', { timeout: 60_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  const [, victim] = await startAgents(t, nats, 2);
  const plan = resolveBenchPlan({ url: `${target.url}/`, rate: 100, duration: '20s', workers: 2, interval: '500ms' });
  const handle = startDistributedRun(plan, { nats: nats.url, agents: 2 });
  let killedAt = 0;
  handle.on('interval', (row) => {
    if (row.index === 1 && killedAt === 0) {
      killedAt = performance.now();
      victim!.kill('SIGKILL');
    }
  });
  const r = await handle.done;
  const afterKill = performance.now() - killedAt;
  assert.ok(killedAt > 0, 'the agent was killed');
  assert.ok(afterKill < 10_000, `the run ended ${afterKill.toFixed(0)} ms after the kill`);
  assert.equal(r.stopReason, 'failed');
  assert.match(r.error ?? '', /agent1 .*lost/);
  const agents = agentsOf(r);
  assert.deepEqual(agents.map((a) => [a.id, a.state]), [['agent0', 'done'], ['agent1', 'lost']]);
  const collected = r.metrics.counters['http_reqs'] ?? 0;
  assert.ok(agents[1]!.requests > 0, 'the lost agent\'s intervals before the kill are kept');
  assert.equal(collected, agents[0]!.requests + agents[1]!.requests);
  assert.equal(histogramCount(r), collected);
  assert.ok(collected > 0 && collected <= target.requests, `collected ${collected}, server saw ${target.requests}`);
});

test('no agents: a clear error within the discovery bound; a plan agents cannot build is a usage error', { timeout: 30_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const plan = resolveBenchPlan({ url: 'http://127.0.0.1:9/', requests: 10, workers: 1 });
  await assert.rejects(startDistributedRun(plan, { nats: nats.url, agents: 2, discoverTimeoutMs: 1000 }).done, (e: unknown) => e instanceof GauntletError && /found 0 of 2 idle agents/.test(e.message));
  const unknownKind = { ...plan, parts: [{ ...plan.parts[0]!, scenario: { kind: 'telepathy' } as unknown as ScenarioSpec }] };
  assert.throws(() => startDistributedRun(unknownKind, { nats: nats.url, agents: 2 }), (e: unknown) => e instanceof GauntletError && e.exitCode === 2 && /bench, script and durability plans/.test(e.message));
});

test('CLI: Ctrl-C on the coordinator stops every agent gracefully and still reports (exit 130)', { timeout: 60_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  await startAgents(t, nats, 2);
  const json = join(mkdtempSync(join(tmpdir(), 'gauntlet-dist-')), 'r.json');
  const { child, wait } = spawnCli(['bench', `${target.url}/`, '-r', '100', '-d', '30s', '--agents', '2', '--nats', nats.url, '--json', json], 30_000);
  await new Promise<void>((resolve) => {
    let text = '';
    child.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      if (/req\/s/.test(text)) resolve();
    });
  });
  child.kill('SIGINT');
  const run = await wait;
  assert.equal(run.code, 130, run.stderr);
  assert.match(run.stdout, /Stopped by the user/);
  const r = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
  assert.equal(r.stopReason, 'interrupted');
  assert.deepEqual(agentsOf(r).map((a) => a.state), ['done', 'done']);
  assert.equal(r.metrics.counters['http_reqs'], target.requests);
  assert.ok(r.durationMs < 15_000);
});

test('a script over 2 agents: startup and shutdown once (coordinator), every iteration counted once, the bundle shipped in the plan', { timeout: 60_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  await startAgents(t, nats, 2);
  // The script lives in a folder of its own with no node_modules: the agents write the shipped code out.
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-dist-script-'));
  const file = join(dir, 'marks.ts');
  writeFileSync(
    file,
    `import { TestCase } from 'gauntlet';
export class Marks extends TestCase {
  static async startup(ctx) { await ctx.http.get('/mark/startup'); return { token: 't' }; }
  static async shutdown(ctx) { await ctx.http.get('/mark/shutdown'); }
  async run() {
    const res = await this.http.get('/mark/run');
    this.check('ok', res.status === 200 && this.shared.token === 't');
  }
}
`,
  );
  const prepared = await prepareScriptRun({ file, target: target.url, connections: 4, iterationsPerUser: 5, workers: 1, shipCode: true });
  const handle = await startScriptRun(prepared, { distributed: { agents: 2, nats: nats.url } });
  const r = await handle.done;
  assert.equal(r.stopReason, 'completed', r.error);
  assert.equal(target.byPath.get('/mark/startup'), 1);
  assert.equal(target.byPath.get('/mark/shutdown'), 1);
  assert.equal(target.byPath.get('/mark/run'), 20);
  assert.equal(r.metrics.counters['iterations'], 20);
  assert.equal(r.metrics.counters['checks{result:pass}'], 20);
  assert.deepEqual(agentsOf(r).map((a) => [a.state, a.requests]), [['done', 10], ['done', 10]]);
});

test('a script plan without its code cannot go to agents: a usage error up front', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-dist-script-'));
  const file = join(dir, 'noop.ts');
  writeFileSync(file, `export default async function () {}\n`);
  const prepared = await prepareScriptRun({ file, connections: 1, iterationsPerUser: 1, workers: 1 });
  assert.throws(() => startDistributedRun(prepared.plan, { nats: 'nats://127.0.0.1:1', agents: 1 }), (e: unknown) => e instanceof GauntletError && e.exitCode === 2 && /does not carry its code/.test(e.message));
});

test('open model bounded by count (-r 100 -n 300) across 2 agents: all 300 run (an endless stage survives the trip over NATS)', { timeout: 60_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  await startAgents(t, nats, 2);
  const plan = resolveBenchPlan({ url: `${target.url}/`, rate: 100, requests: 300, workers: 2 });
  const r = await startDistributedRun(plan, { nats: nats.url, agents: 2, log: () => {} }).done;
  assert.equal(r.stopReason, 'completed', r.error);
  assert.equal(target.requests, 300);
  assert.equal(r.metrics.counters['http_reqs'], 300);
  assert.deepEqual(agentsOf(r).map((a) => a.requests), [150, 150]);
});
