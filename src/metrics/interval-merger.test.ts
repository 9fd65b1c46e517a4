import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IntervalMerger } from './interval-merger.js';
import { MergedMetrics } from './merged-metrics.js';
import { MetricsRegistry } from './registry.js';

test('registry: a gauge snapshot carries its value at the end and its most within the interval; the most starts again from the value', () => {
  const r = new MetricsRegistry();
  const g = r.gauge('vus');
  g.add(3);
  g.add(2);
  g.add(-4);
  assert.deepEqual(r.snapshot().gauges, { vus: { value: 1, max: 5 } });
  assert.deepEqual(r.snapshot().gauges, { vus: { value: 1, max: 1 } }, 'a quiet interval keeps the level');
  g.add(1);
  g.add(-2);
  assert.deepEqual(r.snapshot().gauges, { vus: { value: 0, max: 2 } });
});

test('interval merger: gauges of one interval add over workers; the totals keep the most, never a sum over intervals', () => {
  const m = new IntervalMerger(1000);
  // Two workers, each with its own share of the users: interval 0 ramps to 2 + 3, interval 1 holds 2 + 2.
  m.add(0, { counters: { iterations: 4 }, trends: {}, gauges: { vus: { value: 2, max: 2 } } }, 1000);
  m.add(0, { counters: { iterations: 6 }, trends: {}, gauges: { vus: { value: 3, max: 3 }, iterations_queued: { value: 1, max: 4 } } }, 1000);
  m.add(1, { counters: {}, trends: {}, gauges: { vus: { value: 0, max: 2 } } }, 2000);
  m.add(1, { counters: {}, trends: {}, gauges: { vus: { value: 0, max: 2 } } }, 1500);
  const rows = m.flush(() => true).map((x) => x.row);
  assert.deepEqual(
    rows.map((r) => r.gauges),
    [{ vus: { value: 5, max: 5 }, iterations_queued: { value: 1, max: 4 } }, { vus: { value: 0, max: 4 } }],
  );
  assert.equal(m.totals.count('iterations'), 10);
  assert.deepEqual(m.totals.gauges, { vus: { value: 0, max: 5 }, iterations_queued: { value: 1, max: 4 } });
});

test('merged metrics: gauges survive toSnapshot and fromSnapshot (a saved result, an agent\'s interval), and a snapshot without gauges still merges', () => {
  const a = new MergedMetrics();
  a.add({ counters: { iterations: 1 }, trends: {}, gauges: { vus: { value: 7, max: 9 } } });
  const back = MergedMetrics.fromSnapshot(JSON.parse(JSON.stringify(a.toSnapshot())));
  assert.deepEqual(back.gauge('vus'), { value: 7, max: 9 });
  // Two agents' merged intervals (the coordinator's merge) add like two workers'.
  back.add({ counters: {}, trends: {}, gauges: { vus: { value: 1, max: 1 } } });
  assert.deepEqual(back.gauge('vus'), { value: 8, max: 10 });
  const old = MergedMetrics.fromSnapshot({ counters: { iterations: 2 }, trends: {} });
  assert.equal(old.gauge('vus'), undefined);
  assert.equal(old.toSnapshot().gauges, undefined, 'a result without gauges stays without them');
});
