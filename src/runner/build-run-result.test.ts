import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveExecutor } from '../load/load-options.js';
import type { Plan } from '../load/plan.js';
import { openRate } from './build-run-result.js';

const planOf = (o: Parameters<typeof resolveExecutor>[0]): Plan => ({
  version: 1,
  parts: [{ name: 'p', scenario: {} as never, executor: resolveExecutor(o), userOffset: 0 }],
  workers: 1,
  intervalMs: 1000,
  graceMs: 5000,
  rawRows: false,
  label: 'p',
});

test('the intended rate of -r 50 -n 100 is 50/s, however long the run took', () => {
  for (const elapsed of [1990, 2013, 2600, 9000]) {
    const rate = openRate(planOf({ rate: 50, requests: 100 }), elapsed, 100)!;
    assert.equal(Number(rate.intended.toFixed(2)), 50, `after ${elapsed} ms`);
  }
});

test('the intended rate of -r 50 -d 2s is 50/s, and stays 50/s after an early stop', () => {
  assert.equal(Number(openRate(planOf({ rate: 50, duration: '2s' }), 2100, 100)!.intended.toFixed(2)), 50);
  assert.equal(Number(openRate(planOf({ rate: 50, duration: '2s' }), 700, 35)!.intended.toFixed(2)), 50);
});
