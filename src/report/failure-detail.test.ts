import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failureDetailLines } from './failure-detail.js';
import { parseRunResult } from './json-result.js';
import type { RunResult } from '../metrics/run-result.js';

const base = { format: 'gauntlet.run', version: 2, label: 'x', startedAt: '', durationMs: 1, stopReason: 'completed', model: 'closed', workers: 1, intervalMs: 1000, metrics: { counters: {}, trends: {} }, summary: {}, intervals: [], errors: [] };

const failures = [
  { kind: 'timeout', message: 'timed out after 2000 ms', count: 2, hint: 'H2' },
  { kind: 'protocol', message: 'ERR_HTTP2_ERROR: Protocol error', count: 1200, hint: 'H2' },
  { kind: 'protocol', message: 'ERR_HTTP2_INVALID_SESSION: The session has been destroyed', count: 4, hint: 'H2' },
  { kind: 'protocol', message: '<b>', count: 1 },
];

test('failureDetailLines: per kind its messages with counts; a hint once per run of equal hints in a kind', () => {
  const lines = failureDetailLines({ ...base, failures } as unknown as RunResult);
  assert.deepEqual(lines, [
    'Failure detail (most common messages per kind):',
    '  timeout               2 × timed out after 2000 ms',
    '                            hint: H2',
    '  protocol          1,200 × ERR_HTTP2_ERROR: Protocol error',
    '                            hint: H2',
    '                        4 × ERR_HTTP2_INVALID_SESSION: The session has been destroyed',
    '                        1 × <b>',
  ]);
  assert.deepEqual(failureDetailLines(base as unknown as RunResult), [], 'an older result without failures renders nothing');
});


test('a result read back checks its failures: a good list passes, a damaged one is one error naming the field', () => {
  assert.equal(parseRunResult(JSON.stringify({ ...base, failures }), 'r.json').failures?.length, 4);
  assert.throws(() => parseRunResult(JSON.stringify({ ...base, failures: [{ kind: 'nope', message: 'm', count: 1 }] }), 'r.json'), /r\.json: failures\[0\]\.kind is not one of/);
  assert.throws(() => parseRunResult(JSON.stringify({ ...base, failures: [{ kind: 'tls', message: 'm', count: '1' }] }), 'r.json'), /failures\[0\]\.count is not a number/);
  assert.throws(() => parseRunResult(JSON.stringify({ ...base, failures: {} }), 'r.json'), /failures is not a list/);
});
