import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wholeSegment } from '../core/segments.js';
import type { Plan } from '../load/plan.js';
import { MergedMetrics } from '../metrics/merged-metrics.js';
import { OTHER_MESSAGES } from '../metrics/failure-samples.js';
import { buildDistributedResult, type AgentOutcome } from './coordinator-result.js';

const plan = {
  version: 1,
  parts: [{ name: 'bench', scenario: { kind: 'bench', url: 'http://127.0.0.1:9/', method: 'GET', headers: {}, timeoutMs: 1000, expectStatus: '2xx,3xx', http2: false, insecure: false }, executor: { kind: 'closed', steps: [{ users: 2, iterationsPerUser: 5 }], rampUpMs: 0, thinkMs: 0 }, userOffset: 0 }],
  workers: 1,
  intervalMs: 1000,
  graceMs: 1000,
  rawRows: false,
  label: 'x',
} as unknown as Plan;

function agent(id: string, failures: AgentOutcome['failures']): AgentOutcome {
  return { agentId: id, host: 'h', workers: 1, segment: wholeSegment, state: 'done', counters: {}, durationMs: 1000, ...(failures !== undefined ? { failures } : {}) };
}

test("buildDistributedResult merges the agents' failure messages exactly, bounds them again and hints anew", () => {
  const refused = 'connect ECONNREFUSED 127.0.0.1:9';
  const a = agent('a', [
    { kind: 'refused', message: refused, count: 7, hint: 'stale hint from the agent' },
    { kind: 'protocol', message: 'm1', count: 3 },
    { kind: 'protocol', message: 'm2', count: 1 },
    { kind: 'protocol', message: 'm3', count: 1 },
  ]);
  const b = agent('b', [
    { kind: 'refused', message: refused, count: 5 },
    { kind: 'protocol', message: 'm4', count: 2 },
    { kind: 'protocol', message: 'm5', count: 2 },
    { kind: 'protocol', message: 'm6', count: 2 },
    { kind: 'protocol', message: OTHER_MESSAGES, count: 4 },
  ]);
  const old = agent('c', undefined); // an agent of an older version sends none
  const r = buildDistributedResult({ plan, startEpochMs: 0, fallbackDurationMs: 1000, totals: new MergedMetrics(), intervals: [], agents: [a, b, old], stopReason: 'completed' });
  assert.deepEqual(r.failures, [
    { kind: 'refused', message: refused, count: 12, hint: 'nothing listens on 127.0.0.1:9: is the server up, and are the host and port right?' },
    { kind: 'protocol', message: 'm1', count: 3 },
    { kind: 'protocol', message: 'm4', count: 2 },
    { kind: 'protocol', message: 'm5', count: 2 },
    { kind: 'protocol', message: 'm6', count: 2 },
    { kind: 'protocol', message: 'm2', count: 1 },
    { kind: 'protocol', message: OTHER_MESSAGES, count: 4 + 1 },
  ]);
});

test('a distributed result without failures has no failures field', () => {
  const r = buildDistributedResult({ plan, startEpochMs: 0, fallbackDurationMs: 1000, totals: new MergedMetrics(), intervals: [], agents: [agent('a', [])], stopReason: 'completed' });
  assert.equal('failures' in r, false);
});
