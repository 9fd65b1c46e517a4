import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { behaviours, parseBehaviour } from './behaviours.js';
import { expectationBehindProxy } from './proxy-expectations.js';

const nginx = { name: 'nginx', readTimeoutMs: 2000 };
const behind = (text: string): unknown => expectationBehindProxy(nginx, parseBehaviour(text));

describe('expectationBehindProxy', () => {
  it('turns a dead, crashed or reset upstream into a 502 from the proxy', () => {
    for (const text of ['crash', 'crash(code=3)', 'segfault', 'reset']) assert.deepEqual(behind(text), { kind: 'response', status: 502 }, text);
  });

  it('wants a gateway error for a wedged or hanging upstream', () => {
    for (const text of ['wedge', 'wedge(seconds=8)', 'hang']) assert.deepEqual(behind(text), { kind: 'gateway-error' }, text);
  });

  it('wants a cut response when a started body pauses longer than the read timeout', () => {
    assert.deepEqual(behind('sleep(seconds=3)'), { kind: 'reset' });
    assert.deepEqual(behind('sleep(seconds=1)'), behaviours.sleep({ seconds: 1 }).expectation);
    assert.deepEqual(expectationBehindProxy({ name: 'nginx', readTimeoutMs: 500 }, behaviours.sleep()), { kind: 'reset' }, 'the default 1 s sleep');
    assert.deepEqual(behind('trickle(interval=2.5)'), { kind: 'reset' });
    assert.deepEqual(behind('trickle(interval=2.5,chunks=1)'), behaviours.trickle({ interval: 2.5, chunks: 1 }).expectation, 'one chunk never pauses');
    assert.deepEqual(behind('trickle'), behaviours.trickle().expectation);
  });

  it('passes every other expectation through', () => {
    for (const text of ['plain', 'plain(status=404)', 'io', 'leak', 'huge', 'throw']) {
      assert.deepEqual(behind(text), parseBehaviour(text).expectation, text);
    }
  });
});
