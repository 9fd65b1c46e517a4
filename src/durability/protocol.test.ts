import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BEHAVIOUR_NAMES, parseBehaviourRequest } from './protocol.js';

describe('parseBehaviourRequest', () => {
  it('reads the behaviour from the first path segment, empty meaning the index', () => {
    assert.deepEqual(parseBehaviourRequest('/'), { kind: 'index' });
    assert.deepEqual(parseBehaviourRequest(''), { kind: 'index' });
    assert.deepEqual(parseBehaviourRequest('/plain'), { kind: 'ok', name: 'plain', params: { length: undefined, status: 200 } });
    assert.deepEqual(parseBehaviourRequest('/sleep?seconds=0.5'), { kind: 'ok', name: 'sleep', params: { seconds: 0.5 } });
    assert.deepEqual(parseBehaviourRequest('/wedge'), { kind: 'ok', name: 'wedge', params: { seconds: undefined } });
    assert.deepEqual(parseBehaviourRequest('/io?file=%2Fetc%2Fhostname'), { kind: 'ok', name: 'io', params: { length: 1048576, file: '/etc/hostname' } });
  });

  it('applies every default', () => {
    for (const name of BEHAVIOUR_NAMES) assert.equal(parseBehaviourRequest(`/${name}`).kind, 'ok', name);
    assert.deepEqual(parseBehaviourRequest('/trickle'), { kind: 'ok', name: 'trickle', params: { bytes: 1024, chunks: 10, interval: 0.1 } });
    assert.deepEqual(parseBehaviourRequest('/huge'), { kind: 'ok', name: 'huge', params: { bytes: 10 * 1024 * 1024 } });
    assert.deepEqual(parseBehaviourRequest('/crash'), { kind: 'ok', name: 'crash', params: { code: 1 } });
  });

  it('answers not-found for unknown behaviours and bad-request for bad parameters', () => {
    assert.deepEqual(parseBehaviourRequest('/PLAIN'), { kind: 'not-found', name: 'PLAIN' });
    assert.deepEqual(parseBehaviourRequest('/toString'), { kind: 'not-found', name: 'toString' });
    assert.equal(parseBehaviourRequest('/plain?length=1e3').kind, 'bad-request');
    assert.equal(parseBehaviourRequest('/plain?length=-1').kind, 'bad-request');
    assert.equal(parseBehaviourRequest('/plain?status=600').kind, 'bad-request');
    assert.equal(parseBehaviourRequest('/sleep?seconds=Infinity').kind, 'bad-request');
    assert.equal(parseBehaviourRequest('/sleep?seconds=').kind, 'bad-request');
    assert.equal(parseBehaviourRequest('/hang?x=1').kind, 'bad-request');
    assert.equal(parseBehaviourRequest('/%E0%A4%A').kind, 'bad-request');
    assert.deepEqual(parseBehaviourRequest('/sleep?seconds=.25'), { kind: 'ok', name: 'sleep', params: { seconds: 0.25 } });
  });
});
