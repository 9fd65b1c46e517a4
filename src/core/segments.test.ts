import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globalIndex, shareOf, splitSegment } from './segments.js';

test('10 users over 3 workers split 4+3+3, with nothing lost', () => {
  const segs = splitSegment({ index: 0, count: 1 }, 3);
  assert.deepEqual(segs.map((s) => shareOf(10, s)), [4, 3, 3]);
});

test('shares always add up to the total and indexes cover 0..n-1 once', () => {
  for (const workers of [1, 2, 3, 7]) {
    for (const total of [0, 1, 5, 10, 101]) {
      const segs = splitSegment({ index: 0, count: 1 }, workers);
      const seen: number[] = [];
      for (const s of segs) for (let k = 0; k < shareOf(total, s); k++) seen.push(globalIndex(k, s));
      assert.deepEqual(seen.sort((a, b) => a - b), Array.from({ length: total }, (_, i) => i));
    }
  }
});

test('nested segments (agents × workers) still partition exactly', () => {
  const agents = splitSegment({ index: 0, count: 1 }, 2);
  const all = agents.flatMap((a) => splitSegment(a, 3));
  assert.equal(all.reduce((s, seg) => s + shareOf(100, seg), 0), 100);
});
