import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { RunResult } from '../../src/metrics/run-result.js';
import { spawnCli } from '../helpers/cli.js';
import { startCountingTarget } from '../helpers/counting-target.js';
import { startAgents, startNatsOrSkip, waitFor } from '../helpers/nats.js';

// Snapshots and dones travel through a JetStream stream (per-run subjects) on a real nats-server
// started with -js: nothing lost in a NATS outage, and a run rebuilt from it by `gauntlet attach`.

type AgentRow = { id: string; state: string; requests: number };
const agentsOf = (r: RunResult) => r.sections?.agents as AgentRow[];

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gauntlet-js-'));
}

test('a NATS restart mid-run (kill -9, back on the same port and store after 2 s): the run completes, no interval missing, every request counted', { timeout: 120_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  await startAgents(t, nats, 2);
  const dir = tempDir();
  const json = join(dir, 'r.json');
  const { child, wait } = spawnCli(['bench', `${target.url}/`, '-r', '100', '-d', '8s', '--agents', '2', '--nats', nats.url, '-q', '--json', json], 90_000);
  t.after(() => void child.kill('SIGKILL'));
  await waitFor(() => target.requests >= 150, 20_000, 'the target saw requests');
  await nats.kill();
  await sleep(2000);
  await nats.restart();
  const run = await wait;
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const r = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
  assert.equal(r.stopReason, 'completed', r.error);
  assert.deepEqual(agentsOf(r).map((a) => a.state), ['done', 'done']);
  assert.equal(r.metrics.counters['http_reqs'], target.requests, 'every request the target saw was counted');
  assert.ok(r.intervals.length >= 8, `${r.intervals.length} intervals`);
  assert.deepEqual(r.intervals.map((i) => i.index), r.intervals.map((_, k) => k), 'no interval missing');
  assert.equal(r.intervals.reduce((s, i) => s + (i.counters['http_reqs'] ?? 0), 0), target.requests, 'the intervals add up to the whole');
});
