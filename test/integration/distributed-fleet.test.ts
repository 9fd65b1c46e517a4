import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { resolveBenchPlan } from '../../src/api/bench.js';
import { startDistributedRun } from '../../src/api/distributed-run.js';
import { GauntletError } from '../../src/core/errors.js';
import { loadSigningKey } from '../../src/distributed/plan-signing.js';
import type { RunResult } from '../../src/metrics/run-result.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { startCountingTarget } from '../helpers/counting-target.js';
import { startAgents, startNatsOrSkip, type Nats } from '../helpers/nats.js';

// Agent identity on a shared NATS server: only agents whose key the coordinator trusts count (a fake
// agent on the same server cannot add results), and `gauntlet agents` lists them all, untrusted ones
// marked. Real nats-server, real agent processes (sharing by prefix, tags, claims: distributed-sharing).

// Keys live in a fresh config dir, inherited by the spawned agents: the test never touches ~.
process.env['GAUNTLET_CONFIG_DIR'] = join(mkdtempSync(join(tmpdir(), 'gauntlet-fleet-')), 'config');

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const dec = (d: Uint8Array) => JSON.parse(new TextDecoder().decode(d)) as Record<string, unknown>;
const opened = (d: Uint8Array) => {
  const body = dec(d);
  return typeof body['payload'] === 'string' ? (JSON.parse(body['payload']) as Record<string, unknown>) : body;
};

type AgentRow = { id: string; state: string; requests: number };
const agentsOf = (r: RunResult) => r.sections?.agents as AgentRow[];

/** signedByStranger wraps a message in a well-formed envelope signed by a key nobody trusts. */
function signedByStranger(msg: unknown): Uint8Array {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const payload = JSON.stringify(msg);
  const key = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
  return enc({ payload, sig: sign(null, Buffer.from(payload), privateKey).toString('base64'), key });
}

async function client(t: TestContext, nats: Nats): Promise<NatsConnection> {
  const nc = await connect({ servers: nats.url });
  t.after(() => nc.close());
  return nc;
}

/** otherUser is the environment of another user: a config dir of its own, so a key of its own. */
function otherUser(): NodeJS.ProcessEnv {
  return { ...process.env, GAUNTLET_CONFIG_DIR: join(mkdtempSync(join(tmpdir(), 'gauntlet-other-')), 'config') };
}

/**
 * fakeAgents plays agents on a raw NATS client, ids sorting before the real ones: one answers
 * discovery unsigned, one signed by a stranger's key. Should either be claimed or assigned, it takes
 * the run and publishes a snapshot of 1,000,000 requests and a done with the token it was given.
 */
function fakeAgents(nc: NatsConnection): { assigned: () => number } {
  let assigned = 0;
  const fakes = [
    { id: 'aaa-fake', wrap: enc },
    { id: 'aab-fake', wrap: signedByStranger },
  ];
  nc.subscribe('gauntlet.agents.discover', {
    callback: (_e, m) => {
      for (const f of fakes) nc.publish(m.reply!, f.wrap({ type: 'hello', agentId: f.id, host: 'evil', workers: 1 }));
    },
  });
  for (const f of fakes) {
    nc.subscribe(`gauntlet.agent.${f.id}`, {
      callback: (_e, m) => {
        const msg = opened(m.data);
        if (msg['type'] === 'claim') return void m.respond(f.wrap({ type: 'claimed', agentId: f.id, runId: msg['runId'] }));
        if (msg['type'] !== 'assign') return;
        assigned++;
        m.respond(f.wrap({ type: 'accepted', agentId: f.id, epochMs: Date.now() }));
        const to = `gauntlet.run.${String(msg['runId'])}.agents`;
        const token = msg['token'];
        const counters = { http_reqs: 1_000_000, iterations: 1_000_000 };
        nc.publish(to, f.wrap({ type: 'ready', agentId: f.id, token }));
        const timer = setInterval(() => nc.publish(to, f.wrap({ type: 'heartbeat', agentId: f.id, token })), 300);
        setTimeout(() => {
          nc.publish(to, f.wrap({ type: 'snapshot', agentId: f.id, token, index: 0, endMs: 1000, snapshot: { counters, trends: {} } }));
          nc.publish(to, f.wrap({ type: 'done', agentId: f.id, token, durationMs: 1000, stopReason: 'completed', errors: [] }));
          clearInterval(timer);
        }, 1000);
      },
    });
  }
  return { assigned: () => assigned };
}

test('fake agents that sort first (unsigned, or signed by an untrusted key) are never picked or counted; the real agents run, exit 0', { timeout: 60_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  await startAgents(t, nats, 2);
  const nc = await client(t, nats);
  const fake = fakeAgents(nc);
  await nc.flush();
  const json = join(mkdtempSync(join(tmpdir(), 'gauntlet-fleet-')), 'r.json');
  const run = await runCli(['bench', `${target.url}/`, '-n', '400', '-c', '4', '--agents', '2', '--nats', nats.url, '--json', json, '-q'], 40_000);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(fake.assigned(), 0, 'no fake agent was assigned the run');
  const r = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
  assert.equal(r.stopReason, 'completed', r.error);
  assert.equal(target.requests, 400);
  assert.equal(r.metrics.counters['http_reqs'], 400, "only the real agents' requests are counted");
  assert.deepEqual(agentsOf(r).map((a) => [a.id, a.state, a.requests]), [['agent0', 'done', 200], ['agent1', 'done', 200]]);
  // Each untrusted hello is logged once, with why.
  assert.match(run.stderr, /dropped a discovery answer: unsigned message/);
  assert.match(run.stderr, /dropped the hello of agent aab-fake on evil: signed by an untrusted key SHA256:[0-9a-f]{16}/);
});

test('an agent of another user is listed untrusted and counts only with --trust-agent KEY', { timeout: 60_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  // The other user's agent trusts this user's plans (--trust); does this user's coordinator trust it?
  await startAgents(t, nats, 1, 'other', ['--trust', loadSigningKey().publicKey], otherUser());
  const listed = await runCli(['agents', '--nats', nats.url, '--json'], 20_000);
  assert.equal(listed.code, 0, listed.stderr);
  const [entry] = JSON.parse(listed.stdout) as { id: string; key: string; trusted: boolean }[];
  assert.equal(entry?.id, 'other0');
  assert.equal(entry.trusted, false, 'another user\'s agent is listed as untrusted');
  const plan = resolveBenchPlan({ url: `${target.url}/`, requests: 100, connections: 2, workers: 1 });
  const logs: string[] = [];
  await assert.rejects(startDistributedRun(plan, { nats: nats.url, agents: 1, discoverTimeoutMs: 1500, log: (l) => logs.push(l) }).done, (e: unknown) => e instanceof GauntletError && /found 0 of 1 idle agents/.test(e.message));
  assert.ok(logs.some((l) => l.includes(`--trust-agent ${entry.key}`)), logs.join('\n'));
  assert.equal(target.requests, 0);
  const r = await startDistributedRun(plan, { nats: nats.url, agents: 1, discoverTimeoutMs: 5000, trustAgents: [entry.key], log: () => {} }).done;
  assert.equal(r.stopReason, 'completed', r.error);
  assert.equal(target.requests, 100);
  assert.equal(r.metrics.counters['http_reqs'], 100);
});

test('the agent prints its public key at start; `gauntlet key --help` names --trust-agent', { timeout: 30_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const key = (await runCli(['key'])).stdout.trim();
  const { child } = spawnCli(['agent', '--nats', nats.url, '-w', '1', '--id', 'keyed0'], 20_000);
  t.after(() => void child.kill('SIGKILL'));
  const text = await new Promise<string>((resolve) => {
    let s = '';
    child.stderr!.on('data', (d: Buffer) => {
      s += d.toString();
      if (s.includes('waiting for runs')) resolve(s);
    });
  });
  assert.ok(text.includes(`public key ${key}`), text);
  const help = await runCli(['key', '--help']);
  assert.match(help.stdout, /--trust-agent/);
});

test('gauntlet agents lists every agent: idle and running (with its run), version, tags, key fingerprint, trusted or not', { timeout: 120_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  await Promise.all([startAgents(t, nats, 1, 'busy', ['--tag', 'role=busy']), startAgents(t, nats, 1, 'idle'), startAgents(t, nats, 1, 'zz-other', [], otherUser())]);
  const plan = resolveBenchPlan({ url: `${target.url}/`, rate: 20, duration: '20s', workers: 1 });
  const handle = startDistributedRun(plan, { nats: nats.url, agents: 1, agentTags: { role: 'busy' }, log: () => {} });
  const started = new Promise<void>((resolve) => handle.on('started', () => resolve()));
  await started;
  const version = (await runCli(['--version'])).stdout.trim();
  const listed = await runCli(['agents', '--nats', nats.url, '--json']);
  handle.stop();
  await handle.done;
  assert.equal(listed.code, 0, listed.stderr);
  type Listing = { id: string; state: string; workers: number; version: string; tags: Record<string, string>; runId?: string; fingerprint: string; trusted: boolean };
  const agents = JSON.parse(listed.stdout) as Listing[];
  assert.deepEqual(agents.map((a) => [a.id, a.state, a.trusted]), [['busy0', 'running', true], ['idle0', 'idle', true], ['zz-other0', 'idle', false]]);
  assert.match(agents[0]!.runId ?? '', /^[0-9a-f]{12}$/);
  assert.deepEqual(agents[0]!.tags, { role: 'busy' });
  for (const a of agents) {
    assert.equal(a.version, version);
    assert.equal(a.workers, 1);
    assert.match(a.fingerprint, /^SHA256:[0-9a-f]{16}$/);
  }
  assert.equal(agents[0]!.fingerprint, agents[1]!.fingerprint, 'one user, one key');
  assert.notEqual(agents[2]!.fingerprint, agents[0]!.fingerprint);
  const text = await runCli(['agents', '--nats', nats.url]);
  assert.match(text.stdout, /^ID +HOST +STATE +WORKERS +VERSION +TAGS +RUN +KEY/m);
  assert.match(text.stdout, /zz-other0 .* idle .* SHA256:[0-9a-f]{16} \(untrusted\)/);
  assert.match(text.stdout, /1 untrusted/);
});
