import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { resolveBenchPlan } from '../../src/api/bench.js';
import { startDistributedRun } from '../../src/api/distributed-run.js';
import { encodeSigned, GAUNTLET_VERSION, PROTOCOL_VERSION, type AgentMessage } from '../../src/distributed/agent-protocol.js';
import { loadSigningKey } from '../../src/distributed/plan-signing.js';
import { startCountingTarget } from '../helpers/counting-target.js';
import { startAgents, startNatsOrSkip, type Nats } from '../helpers/nats.js';

// Only trusted plans run: forged messages published by a third party on the same nats-server (this
// test's own client) must neither run code on agents nor change the coordinator's result.

// Keys live in a fresh config dir, inherited by the spawned agents: the test never touches ~.
process.env['GAUNTLET_CONFIG_DIR'] = join(mkdtempSync(join(tmpdir(), 'gauntlet-trust-')), 'config');

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const dec = (d: Uint8Array) => JSON.parse(new TextDecoder().decode(d)) as Record<string, unknown>;
/** opened reads an agent's answer: agents sign what they send, so the message is the envelope's payload. */
const opened = (d: Uint8Array) => {
  const body = dec(d);
  return typeof body['payload'] === 'string' ? (JSON.parse(body['payload']) as Record<string, unknown>) : body;
};

/** signedByStranger wraps a message in a well-formed envelope signed by a key no agent trusts. */
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

function stderrOf(child: ChildProcess): { text: string } {
  const out = { text: '' };
  child.stderr!.on('data', (d: Buffer) => (out.text += d.toString()));
  return out;
}

test('an unsigned plan and a plan signed by an untrusted key are refused: nothing runs, the agent logs why', { timeout: 60_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  const [agent] = await startAgents(t, nats, 1);
  const log = stderrOf(agent!);
  const nc = await client(t, nats);
  const plan = { ...resolveBenchPlan({ url: `${target.url}/`, requests: 50, connections: 1, workers: 1 }), workers: 1 };
  const assign = (runId: string) => ({ type: 'assign', runId, token: 'x', plan, segment: { index: 0, count: 1 }, gauntletVersion: '0', protocolVersion: 0 });
  for (const [runId, data] of [['forged1', enc(assign('forged1'))], ['forged2', signedByStranger(assign('forged2'))]] as const) {
    const reply = opened((await nc.request('gauntlet.agent.agent0', data, { timeout: 5000 })).data);
    assert.equal(reply['type'], 'rejected', `run ${runId}: ${JSON.stringify(reply)}`);
    // A start, should the agent have taken the plan anyway.
    nc.publish(`gauntlet.run.${runId}.control`, enc({ type: 'start', startEpochMs: { agent0: Date.now() } }));
  }
  await nc.flush();
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(target.requests, 0, 'no forged plan ran');
  assert.match(log.text, /refused .*unsigned message/);
  assert.match(log.text, /refused .*untrusted key/);
});

test('a forged agent that answers discovery and publishes snapshots (forged, malformed) cannot change the result; the run completes', { timeout: 60_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  await startAgents(t, nats, 2);
  const nc = await client(t, nats);
  nc.subscribe('gauntlet.agents.discover', { callback: (_e, m) => void m.respond(enc({ type: 'hello', agentId: 'zzz-fake', host: 'evil', workers: 1 })) });
  // The forger reads agent0's inbox (NATS without permissions lets it) to learn agent0's token.
  let token = 'unknown';
  nc.subscribe('gauntlet.agent.agent0', {
    callback: (_e, m) => {
      const body = dec(m.data);
      const payload = typeof body['payload'] === 'string' ? (JSON.parse(body['payload']) as Record<string, unknown>) : body;
      if (typeof payload['token'] === 'string') token = payload['token'];
    },
  });
  let forged = false;
  nc.subscribe('gauntlet.run.*.control', {
    callback: (_e, m) => {
      if (forged) return;
      forged = true;
      const to = m.subject.replace(/\.control$/, '.agents');
      const counters = { http_reqs: 1_000_000, iterations: 1_000_000 };
      nc.publish(to, enc({ type: 'snapshot', agentId: 'zzz-fake', token: 'x', index: 0, endMs: 1000, snapshot: { counters, trends: {} } }));
      nc.publish(to, enc({ type: 'snapshot', agentId: 'agent0', token: 'forged', index: 0, endMs: 1000, snapshot: { counters, trends: {} } }));
      nc.publish(to, enc({ type: 'snapshot', agentId: 'agent0', index: 0, endMs: 1000, snapshot: { counters, trends: {} } }));
      // Malformed, with agent0's real token: no metrics, then metrics of the wrong types.
      nc.publish(to, enc({ type: 'snapshot', agentId: 'agent0', token, index: 0, endMs: 1000 }));
      nc.publish(to, enc({ type: 'snapshot', agentId: 'agent0', token, index: 0, endMs: 1000, snapshot: { counters: { http_reqs: 'many' }, trends: {} } }));
      nc.publish(to, enc({ type: 'snapshot', agentId: 'agent0', token, index: 'x', endMs: 1000, snapshot: { counters: {}, trends: {} } }));
      nc.publish(to, enc({ type: 'snapshot', agentId: 'agent0', token, index: 0, endMs: 1000, snapshot: { counters: {}, trends: { http_req_duration: { scale: 1000, data: '!!' } } } }));
      nc.publish(to, new TextEncoder().encode('not json'));
    },
  });
  const plan = resolveBenchPlan({ url: `${target.url}/`, rate: 100, duration: '2s', workers: 2 });
  const r = await startDistributedRun(plan, { nats: nats.url, agents: 2 }).done;
  assert.ok(forged, 'the forger saw the run');
  assert.equal(r.stopReason, 'completed', r.error);
  assert.ok(target.requests > 0);
  assert.equal(r.metrics.counters['http_reqs'], target.requests, 'only the real agents\' requests are counted');
  assert.deepEqual((r.sections?.agents as { id: string }[]).map((a) => a.id), ['agent0', 'agent1']);
});

test('a forged stop (unsigned, signed by an untrusted key, or a signed stop of another run replayed) does not stop the run', { timeout: 60_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  const agents = await startAgents(t, nats, 2);
  const logs = agents.map(stderrOf);
  const nc = await client(t, nats);
  let forged = false;
  nc.subscribe('gauntlet.run.*.control', {
    callback: (_e, m) => {
      if (forged) return;
      forged = true;
      nc.publish(m.subject, enc({ type: 'stop' }));
      nc.publish(m.subject, enc({ type: 'abort' }));
      nc.publish(m.subject, signedByStranger({ type: 'stop' }));
      // A validly signed stop of another run (as if captured earlier), replayed into this one.
      nc.publish(m.subject, encodeSigned({ type: 'stop', runId: 'an-earlier-run' }, loadSigningKey()));
    },
  });
  const plan = resolveBenchPlan({ url: `${target.url}/`, rate: 100, duration: '2s', workers: 2 });
  const r = await startDistributedRun(plan, { nats: nats.url, agents: 2 }).done;
  assert.ok(forged, 'the forger saw the run');
  assert.equal(r.stopReason, 'completed', r.error);
  const n = r.metrics.counters['http_reqs'] ?? 0;
  assert.ok(n >= 190, `the whole run: ${n} of about 200 requests`);
  assert.equal(n, target.requests);
  for (const l of logs) {
    assert.match(l.text, /dropped a control message: unsigned message/);
    assert.match(l.text, /dropped a control message: signed by an untrusted key/);
    assert.match(l.text, /dropped a 'stop' of another run/);
  }
});

test('a plan of another Gauntlet or protocol version, signed by a trusted key, is refused naming both versions', { timeout: 60_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  const [agent] = await startAgents(t, nats, 1);
  const log = stderrOf(agent!);
  const nc = await client(t, nats);
  const plan = { ...resolveBenchPlan({ url: `${target.url}/`, requests: 50, connections: 1, workers: 1 }), workers: 1 };
  const msg = { type: 'assign', runId: 'old1', token: 'x', plan, segment: { index: 0, count: 1 }, gauntletVersion: '0.0.1', protocolVersion: 1 };
  const reply = opened((await nc.request('gauntlet.agent.agent0', encodeSigned(msg as unknown as AgentMessage, loadSigningKey()), { timeout: 5000 })).data);
  assert.equal(reply['type'], 'rejected');
  assert.match(String(reply['reason']), new RegExp(`Gauntlet 0\\.0\\.1 \\(protocol 1\\), this agent Gauntlet ${GAUNTLET_VERSION.replace(/\./g, '\\.')} \\(protocol ${PROTOCOL_VERSION}\\)`));
  // The agent's log line travels through its stderr pipe: it may arrive after the reply.
  for (let i = 0; i < 100 && !/refused run old1: version mismatch/.test(log.text); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(log.text, /refused run old1: version mismatch/);
  assert.equal(target.requests, 0);
});
