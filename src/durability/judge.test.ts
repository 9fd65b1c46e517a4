import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { behaviours } from './behaviours.js';
import { judge, type TransportOutcome } from './judge.js';

const response = (status: number, bodyBytes: number): TransportOutcome => ({ kind: 'ok', status, bodyBytes });
const failed = (kind: TransportOutcome['kind']): TransportOutcome => ({ kind, status: 0, bodyBytes: 0 });

describe('judge', () => {
  it('wants the status and body length of a response', () => {
    const plain = behaviours.plain().expectation;
    assert.equal(judge(plain, response(200, 6)), 'ok');
    assert.equal(judge(plain, response(500, 6)), 'status');
    assert.equal(judge(plain, response(200, 5)), 'expectation');
    assert.equal(judge(plain, failed('timeout')), 'timeout');
    assert.equal(judge(plain, failed('refused')), 'refused');
    assert.equal(judge(behaviours.plain({ status: 404 }).expectation, response(404, 6)), 'ok');
    assert.equal(judge(behaviours.plain({ status: 500, length: 3 }).expectation, response(500, 3)), 'ok');
    assert.equal(judge(behaviours.leak().expectation, response(200, 12345)), 'ok');
    assert.equal(judge(behaviours.throw().expectation, response(500, 0)), 'ok');
    assert.equal(judge(behaviours.throw().expectation, failed('reset')), 'reset');
  });

  it('takes a 5xx or a dropped connection as the server failing a wedge, hang, crash or segfault', () => {
    for (const b of [behaviours.wedge(), behaviours.hang(), behaviours.crash(), behaviours.segfault()]) {
      assert.equal(judge(b.expectation, response(500, 21)), 'ok', b.label);
      assert.equal(judge(b.expectation, response(502, 0)), 'ok', b.label);
      assert.equal(judge(b.expectation, failed('reset')), 'ok', b.label);
      assert.equal(judge(b.expectation, response(200, 6)), 'expectation', b.label);
      assert.equal(judge(b.expectation, failed('timeout')), 'timeout', b.label);
      assert.equal(judge(b.expectation, failed('refused')), 'refused', b.label);
    }
  });

  it('wants a reset for reset', () => {
    const reset = behaviours.reset().expectation;
    assert.equal(judge(reset, failed('reset')), 'ok');
    assert.equal(judge(reset, response(200, 0)), 'expectation');
    assert.equal(judge(reset, failed('timeout')), 'timeout');
  });

  it('wants a 502, 503 or 504 from the proxy for a gateway error, not a dropped connection', () => {
    const gateway = { kind: 'gateway-error' } as const;
    for (const status of [502, 503, 504]) assert.equal(judge(gateway, response(status, 150)), 'ok', String(status));
    assert.equal(judge(gateway, response(500, 21)), 'status');
    assert.equal(judge(gateway, response(200, 6)), 'status');
    assert.equal(judge(gateway, failed('reset')), 'reset');
    assert.equal(judge(gateway, failed('timeout')), 'timeout');
  });
});
