import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import type { RunResult } from '../../src/metrics/run-result.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { startCountingTarget } from '../helpers/counting-target.js';
import { startAgents, startNatsOrSkip, waitFor } from '../helpers/nats.js';

// Controlling a distributed run from outside: `gauntlet stop RUN_ID` (signed, like Ctrl-C), and the
// fleet flags' checks (the rule for loss: distributed-loss.test.ts).

process.env['GAUNTLET_CONFIG_DIR'] = join(mkdtempSync(join(tmpdir(), 'gauntlet-control-')), 'config');

type AgentRow = { id: string; state: string; requests: number; segment: string; lostAtS?: number; notRun?: string; notDone?: number };
const agentsOf = (r: RunResult) => r.sections?.agents as AgentRow[];


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
