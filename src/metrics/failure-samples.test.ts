import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureSampler, MESSAGES_PER_KIND, mergeFailureSamples, OTHER_MESSAGES } from './failure-samples.js';

test('FailureSampler counts messages per kind, at most MESSAGES_PER_KIND of them; later ones count as other, so a kind adds up', () => {
  const s = new FailureSampler();
  for (let i = 0; i < 100; i++) s.add('refused', 'connect ECONNREFUSED 127.0.0.1:9');
  for (let m = 0; m < MESSAGES_PER_KIND + 3; m++) for (let i = 0; i <= m; i++) s.add('protocol', `message ${m}`);
  s.add('protocol', 'message 0'); // a message already kept stays counted on its own
  s.add('timeout', '');
  const out = s.samples();
  assert.deepEqual(out.filter((f) => f.kind === 'refused'), [{ kind: 'refused', message: 'connect ECONNREFUSED 127.0.0.1:9', count: 100 }]);
  const protocol = out.filter((f) => f.kind === 'protocol');
  assert.equal(protocol.length, MESSAGES_PER_KIND + 1);
  assert.deepEqual(protocol.at(-1), { kind: 'protocol', message: OTHER_MESSAGES, count: 6 + 7 + 8 });
  assert.deepEqual(protocol.slice(0, 2), [
    { kind: 'protocol', message: 'message 4', count: 5 },
    { kind: 'protocol', message: 'message 3', count: 4 },
  ]);
  assert.equal(protocol.find((f) => f.message === 'message 0')?.count, 2);
  assert.equal(protocol.reduce((a, f) => a + f.count, 0), 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 1);
  assert.deepEqual(out.map((f) => f.kind).filter((k, i, a) => a.indexOf(k) === i), ['timeout', 'refused', 'protocol'], 'kinds in FAILURE_KINDS order');
  assert.deepEqual(out.find((f) => f.kind === 'timeout'), { kind: 'timeout', message: '(no message)', count: 1 });
});

test('FailureSampler clips a long message', () => {
  const s = new FailureSampler();
  s.add('protocol', 'y'.repeat(5000));
  assert.ok(s.samples()[0]!.message.length <= 200);
});

test('mergeFailureSamples adds workers exactly and bounds the merge again, keeping the most frequent', () => {
  const a = [
    { kind: 'reset' as const, message: 'read ECONNRESET', count: 10 },
    { kind: 'reset' as const, message: 'socket hang up', count: 1 },
    { kind: 'reset' as const, message: OTHER_MESSAGES, count: 4 },
  ];
  const b = [
    { kind: 'reset' as const, message: 'read ECONNRESET', count: 5 },
    { kind: 'reset' as const, message: 'other side closed', count: 3 },
    { kind: 'tls' as const, message: 'ERR_SSL_WRONG_VERSION_NUMBER: wrong version number', count: 2 },
  ];
  assert.deepEqual(mergeFailureSamples([a, b], 2), [
    { kind: 'reset', message: 'read ECONNRESET', count: 15 },
    { kind: 'reset', message: 'other side closed', count: 3 },
    { kind: 'reset', message: OTHER_MESSAGES, count: 4 + 1 },
    { kind: 'tls', message: 'ERR_SSL_WRONG_VERSION_NUMBER: wrong version number', count: 2 },
  ]);
  assert.deepEqual(mergeFailureSamples([]), []);
});
