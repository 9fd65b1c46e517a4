import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitSegment, wholeSegment } from '../core/segments.js';
import type { PlanPart } from '../load/plan.js';
import { segmentRows } from './plan-objects.js';

const closed = (users: number, userOffset = 0): PlanPart => ({ name: 'p', scenario: { kind: 'bench' } as unknown as PlanPart['scenario'], executor: { kind: 'closed', steps: [{ users, iterations: 10 }], rampUpMs: 0, thinkMs: 0 }, userOffset });

test('segmentRows: over 3 agents the rows of 10 users split 4/3/3, each row in one segment only, offsets of later parts applied', () => {
  const segments = splitSegment(wholeSegment, 3);
  const rows = segments.map((s) => segmentRows([closed(10)], s, 1000));
  assert.deepEqual(rows, [
    [0, 3, 6, 9],
    [1, 4, 7],
    [2, 5, 8],
  ]);
  // Two parts, the second's 3 users after the first's 4 (userOffset 4): segment 1 runs user 1 of each.
  assert.deepEqual(segmentRows([closed(4), closed(3, 4)], segments[1]!, 1000), [1, 5]);
  // Never past the table's end.
  assert.deepEqual(segmentRows([closed(10)], segments[0]!, 5), [0, 3]);
});
