import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHistogram } from '../../metrics/histogram.js';
import { bucketIndex, exponentialBuckets } from './exponential-buckets.js';

test('bucketIndex: bucket i holds (base^(i-1), base^i], exact at powers of two', () => {
  for (const scale of [0, 3, 8]) {
    const base = 2 ** (2 ** -scale);
    assert.equal(bucketIndex(1, scale), 0);
    assert.equal(bucketIndex(2, scale), 2 ** scale);
    assert.equal(bucketIndex(0.5, scale), -(2 ** scale));
    for (const v of [0.0001, 0.0123, 0.5001, 1.0001, 3.7, 1234.5, 99999]) {
      const i = bucketIndex(v, scale);
      assert.ok(base ** (i - 1) < v && v <= base ** i * (1 + 1e-12), `${v} in bucket ${i} at scale ${scale}`);
    }
  }
});

test('exponentialBuckets keeps every count (zeros in the zero bucket) and puts values in their bucket', () => {
  const h = createHistogram();
  const values = [0, 0, 1, 5, 5, 12, 250, 251, 1000, 30000];
  for (const v of values) h.recordValue(v * 1000); // ms recorded as µs (scale 1000)
  const b = exponentialBuckets(h, 1000, 1000); // in seconds
  assert.equal(b.count, values.length);
  assert.equal(b.zeroCount, 2);
  assert.equal(b.counts.reduce((a, c) => a + c, 0) + b.zeroCount, values.length);
  assert.deepEqual([...b.indexes], [...b.indexes].sort((x, y) => x - y));
  const sum = values.reduce((a, v) => a + v / 1000, 0);
  assert.ok(Math.abs(b.sum - sum) <= sum * 0.001, `sum ${b.sum} vs ${sum}`);
  assert.equal(b.min, 0);
  assert.ok(Math.abs(b.max - 30) < 0.03);
  // 5 ms (0.005 s) twice: the bucket holding 0.005 counts 2.
  const i = b.indexes.indexOf(bucketIndex(0.005, b.scale));
  assert.ok(i >= 0 && b.counts[i] === 2);
});
