import assert from 'node:assert/strict';
import { it } from 'node:test';
import { failureCause } from './failure-causes.js';

it('failureCause splits a reset by what the connection did and keeps the other kinds', () => {
  assert.equal(failureCause('reset', 'ECONNRESET'), 'reset');
  assert.equal(failureCause('reset', 'EPIPE'), 'reset');
  assert.equal(failureCause('reset', 'socket hang up'), 'closed');
  assert.equal(failureCause('reset', 'socket closed'), 'closed');
  assert.equal(failureCause('reset', 'connection closed mid-response'), 'cut');
  assert.equal(failureCause('refused', 'ECONNREFUSED'), 'refused');
  assert.equal(failureCause('timeout', ''), 'timeout');
  assert.equal(failureCause('status', ''), 'status');
});
