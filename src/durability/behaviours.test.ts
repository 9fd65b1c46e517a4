import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GauntletError } from '../core/errors.js';
import { behaviours, makeBehaviour, parseBehaviour } from './behaviours.js';
import { parseMix } from './parse-mix.js';
import { BEHAVIOUR_NAMES, parseBehaviourRequest } from './protocol.js';

const usage = (fn: () => unknown, message: RegExp): void => {
  assert.throws(fn, (e: unknown) => e instanceof GauntletError && e.exitCode === 2 && message.test(e.message));
};

describe('behaviours', () => {
  it('build the request path, the expectation and the client timeout', () => {
    const sleep = behaviours.sleep({ seconds: 0.5 });
    assert.equal(sleep.path, '/sleep?seconds=0.5');
    assert.equal(sleep.label, 'sleep(seconds=0.5)');
    assert.deepEqual(sleep.expectation, { kind: 'response', status: 200, bodyBytes: 10 });
    assert.equal(sleep.timeoutMs, 30_000);
    assert.deepEqual(behaviours.plain().expectation, { kind: 'response', status: 200, bodyBytes: 6 });
    assert.deepEqual(behaviours.plain({ status: 204, length: 9 }).expectation, { kind: 'response', status: 204, bodyBytes: 0 });
    assert.deepEqual(behaviours.io().expectation, { kind: 'response', status: 200, bodyBytes: 1048576 });
    assert.deepEqual(behaviours.io({ file: '/etc/hostname' }).expectation, { kind: 'response', status: 200 });
    assert.deepEqual(behaviours.huge().expectation, { kind: 'response', status: 200, bodyBytes: 10 * 1024 * 1024 });
    assert.deepEqual(behaviours.trickle({ bytes: 50 }).expectation, { kind: 'response', status: 200, bodyBytes: 50 });
    assert.deepEqual(behaviours.wedge().expectation, { kind: 'server-error' });
    assert.deepEqual(behaviours.reset().expectation, { kind: 'reset' });
    assert.deepEqual(behaviours.throw().expectation, { kind: 'response', status: 500 });
    const hang = behaviours.hang({ timeout: 2 });
    assert.equal(hang.timeoutMs, 2000);
    assert.equal(hang.label, 'hang(timeout=2)');
    assert.equal(behaviours.sleep({ seconds: 1, timeout: 3 }).label, 'sleep(seconds=1,timeout=3)');
  });

  it('make paths the app reads back to the same behaviour and parameters', () => {
    for (const name of BEHAVIOUR_NAMES) {
      const b = makeBehaviour(name);
      assert.deepEqual(parseBehaviourRequest(b.path), parseBehaviourRequest(`/${name}`));
    }
    const io = behaviours.io({ file: '/tmp/a b&c', length: 5 });
    assert.deepEqual(parseBehaviourRequest(io.path), { kind: 'ok', name: 'io', params: { file: '/tmp/a b&c', length: 5 } });
  });

  it('refuse unknown behaviours, parameters and bad values', () => {
    usage(() => makeBehaviour('nap'), /unknown behaviour 'nap'/);
    usage(() => makeBehaviour('sleep', { secs: 1 }), /unknown parameter 'secs' for behaviour sleep/);
    usage(() => makeBehaviour('plain', { status: 99 }), /status must be a whole number in 200..599/);
    usage(() => makeBehaviour('plain', { length: 1.5 }), /whole number/);
    usage(() => makeBehaviour('hang', { timeout: 0 }), /timeout must be a positive number/);
  });
});

describe('parseBehaviour and parseMix', () => {
  it('read behaviours and weighted mixes', () => {
    assert.equal(parseBehaviour('plain').path, '/plain');
    assert.equal(parseBehaviour(' plain( status = 500 , length=3 ) ').path, '/plain?status=500&length=3');
    assert.equal(parseBehaviour('hang(timeout=1.5)').timeoutMs, 1500);
    const mix = parseMix('plain:98,sleep(seconds=0.5):1,plain(status=500):1');
    assert.deepEqual(mix.map((e) => [e.behaviour.label, e.weight]), [['plain', 98], ['sleep(seconds=0.5)', 1], ['plain(status=500)', 1]]);
    assert.deepEqual(parseMix('plain,crash').map((e) => e.weight), [1, 1]);
    assert.deepEqual(parseMix('trickle(bytes=10,chunks=2,interval=0.1):3').map((e) => [e.behaviour.path, e.weight]), [
      ['/trickle?bytes=10&chunks=2&interval=0.1', 3],
    ]);
  });

  it('refuse bad mixes with usage errors', () => {
    usage(() => parseMix(''), /empty/);
    usage(() => parseMix('plain:0'), /weight '0'/);
    usage(() => parseMix('plain:1.5'), /weight '1.5'/);
    usage(() => parseMix('plain:x'), /weight 'x'/);
    usage(() => parseMix('sleep(seconds=1'), /unbalanced/);
    usage(() => parseMix('sleep(seconds)'), /not key=value/);
    usage(() => parseMix('nap:3'), /unknown behaviour 'nap'/);
  });
});
