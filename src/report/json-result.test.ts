import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRunResult } from './json-result.js';
import { RESULT_VERSION } from '../metrics/run-result.js';

const base = { format: 'gauntlet.run', label: 'x', startedAt: '', durationMs: 1, stopReason: 'threshold', model: 'closed', workers: 1, intervalMs: 1000, metrics: { counters: {}, trends: {} }, summary: {}, intervals: [], errors: [] };

test('a version-1 result is read: its untyped extra becomes typed sections and abortedBy', () => {
  const v1 = { ...base, version: 1, extra: { abortedBy: 'http_req_duration p(99)<5', shutdownFailures: ['shutdown of T failed'], durability: { test: 'plain' }, agents: [{ id: 'a' }] } };
  const r = parseRunResult(JSON.stringify(v1), 'old.json');
  assert.equal(r.version, RESULT_VERSION);
  assert.equal(r.abortedBy, 'http_req_duration p(99)<5');
  assert.deepEqual(r.sections?.script, { shutdownFailures: ['shutdown of T failed'] });
  assert.deepEqual(r.sections?.durability, { test: 'plain' });
  assert.deepEqual(r.sections?.agents, [{ id: 'a' }]);
  assert.equal('extra' in r, false);
});

test('a result from a newer Gauntlet is refused with a hint', () => {
  assert.throws(() => parseRunResult(JSON.stringify({ ...base, version: RESULT_VERSION + 1 }), 'new.json'), /reads versions 1 to/);
});
