import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUSY_ELU, generatorLoadOf, intervalBusy, intervalLate, LATE_P99_MS } from './generator-load.js';
import { MergedMetrics } from './merged-metrics.js';
import { MetricsRegistry, VALUE_SCALE } from './registry.js';
import { summarizeHistogram, createHistogram } from './histogram.js';
import type { IntervalRow } from './run-result.js';

/** merged builds a run's totals from one registry per worker, as the runner merges their snapshots. */
function merged(workers: { elu: number[]; cpu?: number[]; lateMs?: number[] }[]): MergedMetrics {
  const m = new MergedMetrics();
  for (const w of workers) {
    const r = new MetricsRegistry();
    for (const v of w.elu) r.trend('generator_elu', VALUE_SCALE).record(v);
    for (const v of w.cpu ?? []) r.trend('generator_cpu', VALUE_SCALE).record(v);
    for (const v of w.lateMs ?? []) r.trend('generator_lateness').record(v);
    m.add(r.snapshot());
  }
  return m;
}

test('generatorLoadOf: nothing measured, nothing to say', () => {
  assert.equal(generatorLoadOf(new MergedMetrics()), undefined);
});

test('generatorLoadOf: saturated when more than a fifth of the worker-intervals were 90 % busy, over every worker', () => {
  // Two workers, five intervals each: 3 of 10 busy is more than a fifth.
  const busy = generatorLoadOf(merged([{ elu: [0.95, 0.97, 0.3, 0.3, 0.3] }, { elu: [0.99, 0.2, 0.2, 0.2, 0.2] }]))!;
  assert.equal(busy.samples, 10);
  assert.equal(busy.saturated, true);
  assert.ok(Math.abs(busy.busyShare - 0.3) < 1e-9, String(busy.busyShare));
  assert.ok(busy.elu.p80 >= BUSY_ELU);
  assert.ok(Math.abs(busy.elu.max - 0.99) < 0.001);
  // 2 of 10 is a fifth, not more: a busy start-up is not a saturated run.
  const fine = generatorLoadOf(merged([{ elu: [0.95, 0.3, 0.3, 0.3, 0.3] }, { elu: [0.99, 0.2, 0.2, 0.2, 0.2] }]))!;
  assert.equal(fine.saturated, false);
  assert.ok(Math.abs(fine.busyShare - 0.2) < 1e-9);
  assert.equal(fine.late, false);
  assert.equal(fine.cpu, undefined, 'no CPU figure where none was recorded');
});

test('generatorLoadOf: late when the timers were LATE_P99_MS late at p99, whatever the utilization', () => {
  const lateMs = [...Array.from({ length: 95 }, () => 0.5), ...Array.from({ length: 5 }, () => LATE_P99_MS + 5)];
  const g = generatorLoadOf(merged([{ elu: [0.1, 0.1], cpu: [0.05, 0.07], lateMs }]))!;
  assert.equal(g.saturated, false);
  assert.equal(g.late, true);
  assert.ok(g.lateness!.p99 >= LATE_P99_MS);
  assert.ok(Math.abs(g.cpu!.max - 0.07) < 0.001);
  const onTime = generatorLoadOf(merged([{ elu: [0.1, 0.1], lateMs: lateMs.slice(0, 95) }]))!;
  assert.equal(onTime.late, false);
});

test('intervalBusy and intervalLate read one merged interval: its busiest worker, its timers p99', () => {
  const summary = (values: number[], scale: number) => {
    const h = createHistogram();
    for (const v of values) h.recordValue(Math.round(v * scale));
    return summarizeHistogram(h, scale);
  };
  const row = (elu: number[], lateMs: number[]): IntervalRow => ({ index: 0, startMs: 0, durationMs: 1000, counters: {}, trends: { generator_elu: summary(elu, VALUE_SCALE), generator_lateness: summary(lateMs, 1000) } });
  assert.equal(intervalBusy(row([0.2, 0.95], [1])), true, 'one saturated worker of two');
  assert.equal(intervalBusy(row([0.2, 0.5], [1])), false);
  assert.equal(intervalLate(row([0.2], [1, 1, 30])), true);
  assert.equal(intervalLate(row([0.2], [1, 1, 2])), false);
  assert.equal(intervalBusy({ index: 0, startMs: 0, durationMs: 1000, counters: {}, trends: {} }), false, 'a result without the measure');
});

test('generatorLoadOf: the saturated verdict and the busy share read a bucket at the 0.9 edge the same way', () => {
  // 0.8996 shares its histogram bucket (width 512 millionths) with 0.9: p(80), the rule of the
  // verdict and of --max-generator-load, reads that bucket as 0.9001, so the share must count it
  // as busy too, or the warning says "saturated" beside a busy share under a fifth.
  const edge = generatorLoadOf(merged([{ elu: [...Array(79).fill(0.5), ...Array(21).fill(0.8996)] }]))!;
  assert.ok(edge.elu.p80 >= BUSY_ELU, String(edge.elu.p80));
  assert.equal(edge.saturated, true);
  assert.ok(Math.abs(edge.busyShare - 0.21) < 1e-9, String(edge.busyShare));
  // Just under the edge's bucket, neither reads busy.
  const under = generatorLoadOf(merged([{ elu: [...Array(79).fill(0.5), ...Array(21).fill(0.899)] }]))!;
  assert.equal(under.saturated, false);
  assert.equal(under.busyShare, 0);
  // Seeded random runs: saturated exactly when the busy share is more than a fifth.
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let run = 0; run < 200; run++) {
    const elu = Array.from({ length: 5 + Math.floor(rand() * 40) }, () => (rand() < 0.3 ? 0.899 + rand() * 0.002 : rand()));
    const g = generatorLoadOf(merged([{ elu }]))!;
    assert.equal(g.saturated, g.busyShare > 0.2, `run ${run}: p80 ${g.elu.p80}, busy share ${g.busyShare}`);
  }
});
