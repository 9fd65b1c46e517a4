import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MergedMetrics } from './merged-metrics.js';
import { MetricsRegistry } from './registry.js';
import { evaluateGate, parseRegressionGate } from './regression-gate.js';

function run(latencies: number[], requests: number): MergedMetrics {
  const r = new MetricsRegistry();
  for (const v of latencies) r.trend('http_req_duration').record(v);
  r.counter('http_reqs').value = requests;
  return MergedMetrics.fromSnapshot(r.snapshot());
}

test('parseRegressionGate reads factors, offsets with units and tags through the threshold parser', () => {
  const g = parseRegressionGate('http_req_duration{name:upload} p(99) > base*1.10');
  assert.equal(g.threshold.name, 'http_req_duration');
  assert.deepEqual(g.threshold.tags, { name: 'upload' });
  assert.deepEqual(g.threshold.aggregation, { kind: 'p', p: 99 });
  assert.equal(g.threshold.op, '>');
  assert.equal(g.factor, 1.1);
  assert.equal(g.offset, 0);
  assert.equal(parseRegressionGate('http_req_duration p(95) > base+0.5s').offset, 500);
  assert.equal(parseRegressionGate('http_reqs rate < base-10').offset, -10);
  assert.equal(parseRegressionGate('http_reqs rate<base').factor, 1);
});

test('parseRegressionGate: mistakes are usage errors with a hint', () => {
  for (const text of ['http_req_duration p(99) > 200ms', 'http_req_duration p(99) > base/2', 'http_req_duration p(101) > base', 'http_req_failed rate > base+5ms']) {
    assert.throws(() => parseRegressionGate(text), (e: Error & { exitCode?: number; hint?: string }) => e.exitCode === 2 && e.message.startsWith(`--fail-on '${text}'`) && typeof e.hint === 'string', text);
  }
});

test('evaluateGate: the bound is base × factor + offset; the gate fails when its expression holds', () => {
  const base = run([10, 10, 10, 10], 100);
  const same = run([10, 10, 10, 10.5], 100);
  const slower = run([20, 20, 20, 20], 50);
  const p99 = parseRegressionGate('http_req_duration p(99) > base*1.10');
  assert.equal(evaluateGate(p99, base, 1000, same, 1000).failed, false);
  const v = evaluateGate(p99, base, 1000, slower, 1000);
  assert.equal(v.failed, true);
  // HDR reports a value as the top of its bucket (3 significant digits).
  assert.ok(Math.abs(v.base - 10) < 0.01, String(v.base));
  assert.ok(Math.abs(v.bound - v.base * 1.1) < 1e-9);
  assert.ok(Math.abs(v.actual - 20) < 0.02, String(v.actual));
  const rate = parseRegressionGate('http_reqs rate < base*0.95');
  assert.equal(evaluateGate(rate, base, 1000, slower, 1000).failed, true, '50/s < 95/s');
  assert.equal(evaluateGate(rate, base, 1000, same, 1000).failed, false);
});

test('evaluateGate: a metric without data on either side fails the gate', () => {
  const base = run([10], 1);
  const g = parseRegressionGate('iteration_duration p(99) > base*2');
  const v = evaluateGate(g, base, 1000, base, 1000);
  assert.equal(v.failed, true);
  assert.ok(Number.isNaN(v.base));
});
