import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Plan } from '../load/plan.js';
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
