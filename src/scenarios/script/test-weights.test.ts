import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestWeights } from './test-weights.js';

test('TestWeights interleaves smoothly and holds the weights on every prefix within one user per test', () => {
  const w = new TestWeights([3, 1]);
  assert.deepEqual(Array.from({ length: 8 }, (_, u) => w.pick(u)), [0, 0, 1, 0, 0, 0, 1, 0]);
  const x = new TestWeights([5, 2, 0.5]);
  const counts = [0, 0, 0];
  for (let u = 0; u < 1000; u++) {
    counts[x.pick(u)]!++;
    const total = u + 1;
    [5, 2, 0.5].forEach((wt, i) => assert.ok(Math.abs(counts[i]! - (total * wt) / 7.5) <= 1, `prefix ${total}: ${counts}`));
  }
  assert.equal(new TestWeights([1]).pick(12345), 0);
  assert.throws(() => new TestWeights([1, 0]));
});
