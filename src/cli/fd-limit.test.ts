import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Plan } from '../load/plan.js';
import { resolveBenchPlan } from '../scenarios/bench/bench-plan.js';
import { fdLimitWarning, openFileLimit } from './fd-limit.js';

function closedPlan(users: number): Plan {
  return { parts: [{ name: 'bench', scenario: {}, executor: { kind: 'closed', steps: [{ users, iterations: 1 }], rampUpMs: 0, thinkMs: 0 }, userOffset: 0 }] } as unknown as Plan;
}

test('fdLimitWarning names -c, the limit and a limit to raise it to', () => {
  assert.equal(fdLimitWarning(closedPlan(2000), 1024), 'warning: 2000 connections need about 2000 file descriptors but the limit is 1024; raise it with ulimit -n 4096, or let users share fewer connections (bench -u USERS -c CONNECTIONS)\n');
  assert.equal(fdLimitWarning(closedPlan(100), 1024), undefined);
  assert.equal(fdLimitWarning(closedPlan(2000), undefined), undefined, 'unlimited or unknown: no warning');
});

test('openFileLimit reads this process limit', () => {
  const n = openFileLimit();
  assert.ok(n === undefined || (Number.isInteger(n) && n > 0));
});

test('fdLimitWarning counts the sockets bench users hold: one each, one per -p group, or the shared pool', () => {
  const url = 'http://127.0.0.1:9/';
  const plan = (o: { connections: number; pipelining?: number; sharedConnections?: number }) => resolveBenchPlan({ url, requests: 1, ...o });
  assert.match(fdLimitWarning(plan({ connections: 2000 }), 1024) ?? '', /^warning: 2000 connections /);
  // -c 200 -p 10: 2,000 users in flight on 200 sockets, which fit; -c 2000 -p 10 needs 2,000, not 20,000.
  assert.equal(fdLimitWarning(plan({ connections: 200, pipelining: 10 }), 1024), undefined);
  assert.match(fdLimitWarning(plan({ connections: 2000, pipelining: 10 }), 1024) ?? '', /^warning: 2000 connections /);
  assert.match(fdLimitWarning(plan({ connections: 100000, sharedConnections: 5000 }), 1024) ?? '', /^warning: 5000 connections /);
});
