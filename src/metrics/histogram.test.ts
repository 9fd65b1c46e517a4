import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../core/seeded-random.js';
import { bucketsOf, createHistogram, decodeHistogram, encodeHistogram, summarizeHistogram, type Histogram } from './histogram.js';

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

/** counts lists a histogram's non-empty buckets as [value, count] (to compare two histograms bucket by bucket). */
function counts(h: Histogram): number[][] {
  const out: number[][] = [];
  const js = h as unknown as { countsArrayLength: number; getCountAtIndex(i: number): number; valueFromIndex(i: number): number };
  for (let i = 0; i < js.countsArrayLength; i++) if (js.getCountAtIndex(i) > 0) out.push([js.valueFromIndex(i), js.getCountAtIndex(i)]);
  return out;
}

test('a histogram crossing a thread as its buckets is the one the portable encoding gives, on random data', () => {
  const rnd = mulberry32(20261202);
  for (let round = 0; round < 60; round++) {
    const h = createHistogram();
    const n = round === 0 ? 0 : Math.floor(rnd() * 5000) + 1;
    const zeros = round % 4 === 1;
    for (let i = 0; i < n; i++) {
      const r = rnd();
      // Mostly sub-millisecond, some tails of seconds, some minutes; zeros in a quarter of the rounds.
      const v = zeros && r < 0.1 ? 0 : Math.floor(r < 0.9 ? rnd() * 2_000 : r < 0.99 ? rnd() * 5_000_000 : rnd() * 600_000_000);
      h.recordValue(v);
    }
    const viaBuckets = decodeHistogram(bucketsOf(h, 1000));
    const viaEncoding = decodeHistogram(encodeHistogram(h, 1000));
    assert.equal(viaBuckets.totalCount, n, `round ${round}: count`);
    assert.deepEqual(counts(viaBuckets), counts(viaEncoding), `round ${round}: buckets`);
    assert.equal(viaBuckets.maxValue, viaEncoding.maxValue, `round ${round}: max`);
    assert.equal(viaBuckets.minNonZeroValue, viaEncoding.minNonZeroValue, `round ${round}: min`);
    assert.deepEqual(summarizeHistogram(viaBuckets, 1000), summarizeHistogram(viaEncoding, 1000), `round ${round}: summary`);
    // Adding the rebuilt histogram to a running total is exact too.
    const total = createHistogram();
    total.add(viaBuckets);
    total.add(decodeHistogram(bucketsOf(h, 1000)));
    assert.equal(total.totalCount, 2 * n);
  }
});

test('bucketsOf lists each non-empty bucket once, lowest first, and none of an empty histogram', () => {
  assert.deepEqual([...bucketsOf(createHistogram(), 1).pairs], []);
  const h = createHistogram();
  h.recordValue(0);
  h.recordValue(0);
  h.recordValue(5);
  h.recordValue(5);
  h.recordValue(5);
  h.recordValue(100_000);
  const p = [...bucketsOf(h, 1).pairs];
  assert.deepEqual(p.filter((_, i) => i % 2 === 1), [2, 3, 1], 'counts');
  assert.deepEqual(p.slice(0, 4), [0, 2, 5, 3], 'zeros first, then the exact small value');
  assert.ok(p[4]! >= 100_000 && p[4]! < 100_100, `the top bucket's highest value: ${p[4]}`);
});
