import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHistogram, decodeHistogram, encodeHistogram, summarizeHistogram } from './histogram.js';

test('the one-pass summary agrees with hdr-histogram-js figure by figure', () => {
  const h = createHistogram();
  let x = 12345;
  for (let i = 0; i < 50_000; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    h.recordValue(1 + (x % 100_000) * (i % 7 === 0 ? 30 : 1));
  }
  const s = summarizeHistogram(h, 1);
  assert.equal(s.count, 50_000);
  assert.equal(s.p50, h.getValueAtPercentile(50));
  assert.equal(s.p90, h.getValueAtPercentile(90));
  assert.equal(s.p99, h.getValueAtPercentile(99));
  assert.equal(s.p999, Math.min(h.getValueAtPercentile(99.9), h.maxValue));
  assert.equal(s.max, h.maxValue);
  assert.ok(Math.abs(s.mean - h.mean) / h.mean < 1e-9);
  assert.ok(Math.abs(s.stddev - h.stdDeviation) / h.stdDeviation < 1e-6);
});

test('histograms survive encoding and add exactly', () => {
  const a = createHistogram();
  const b = createHistogram();
  for (let i = 1; i <= 1000; i++) (i % 2 ? a : b).recordValue(i * 1000);
  const merged = decodeHistogram(encodeHistogram(a, 1000));
  merged.add(decodeHistogram(encodeHistogram(b, 1000)));
  assert.equal(merged.totalCount, 1000);
  const s = summarizeHistogram(merged, 1000);
  // Values 1000..1,000,000 (µs) recorded half in each: the median is about 500 ms either way.
  assert.equal(s.p50, merged.getValueAtPercentile(50) / 1000);
  assert.ok(Math.abs(s.p50 - 500) < 1, `p50 ${s.p50}`);
  assert.ok(Math.abs(s.max - 1000) < 1, `max ${s.max}`);
});
