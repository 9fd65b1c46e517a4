import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpMetrics, type HttpExchange } from './http-metrics.js';
import { MergedMetrics } from './merged-metrics.js';
import { MetricsRegistry } from './registry.js';

const exchange = (endAt: number): HttpExchange => ({ status: 0, bytesIn: 10, bytesOut: 20, sentAt: 1, firstByteAt: 2, endAt, connectMs: 1 });

test('HttpMetrics: an aborted request is counted by kind but kept out of every latency trend', () => {
  const registry = new MetricsRegistry();
  const m = new HttpMetrics(registry, { openModel: true, t0: () => 0 });
  const named = m.tagged('name', 'upload', true);
  m.record('ok', { ...exchange(5), status: 200 }, 0, 0, named);
  m.record('ok', { ...exchange(7), status: 200 }, 0, 0, named);
  m.record('aborted', exchange(9000), 0, 0, named); // cut after 9 s: a partial time
  const merged = MergedMetrics.fromSnapshot(registry.snapshot());
  assert.equal(merged.count('http_reqs'), 3);
  assert.equal(merged.count('http_req_failed'), 1);
  assert.equal(merged.count('http_req_failed{kind:aborted}'), 1);
  assert.equal(merged.count('http_reqs{name:upload}'), 3);
  assert.equal(merged.count('data_received'), 30);
  for (const trend of ['http_req_duration', 'http_req_service_time', 'http_req_waiting', 'http_req_connecting', 'http_req_duration{name:upload}']) {
    assert.equal(merged.summary(trend)?.count, 2, `${trend} holds only the two whole requests`);
  }
  assert.ok(merged.summary('http_req_duration')!.max < 100, 'the aborted 9 s is not the maximum');
});

test('HttpMetrics: a run whose every request was aborted has no latency values at all', () => {
  const registry = new MetricsRegistry();
  const m = new HttpMetrics(registry, { openModel: false, t0: () => 0 });
  m.record('aborted', exchange(1000), 0, 0);
  const merged = MergedMetrics.fromSnapshot(registry.snapshot());
  assert.equal(merged.count('http_req_failed{kind:aborted}'), 1);
  assert.equal(merged.summary('http_req_duration')?.count ?? 0, 0);
});
