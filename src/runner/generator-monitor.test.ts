import assert from 'node:assert/strict';
import { test } from 'node:test';
import { systemClock } from '../core/clock.js';
import { MergedMetrics } from '../metrics/merged-metrics.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { GeneratorMonitor, PROBE_MS, threadCpuReader } from './generator-monitor.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** measure runs `during` between a monitor's start and its sample, and returns what it recorded. */
async function measure(during: () => Promise<void>): Promise<MergedMetrics> {
  const metrics = new MetricsRegistry();
  const monitor = new GeneratorMonitor(metrics, systemClock, 1000);
  monitor.start();
  await during();
  monitor.sample();
  monitor.stop();
  return MergedMetrics.fromSnapshot(metrics.snapshot());
}

test('GeneratorMonitor: a loop kept busy reads as busy, and its probe timer as late by at least the time it was blocked', async () => {
  const m = await measure(async () => {
    // Block the loop for 400 ms in one piece (the probe's timer cannot fire), then let the probe run.
    const end = performance.now() + 400;
    while (performance.now() < end);
    await sleep(3 * PROBE_MS);
  });
  const elu = m.summary('generator_elu')!;
  assert.equal(elu.count, 1);
  assert.ok(elu.max > 0.5, `utilization ${elu.max} after blocking 400 ms of about 430`);
  assert.ok(m.summary('generator_lateness')!.max >= 350, `the probe fired ${m.summary('generator_lateness')!.max} ms late`);
});

test('GeneratorMonitor: an idle loop reads as idle; its CPU share is a fraction of one core where the platform tells it', async () => {
  const m = await measure(() => sleep(400));
  const elu = m.summary('generator_elu')!;
  assert.equal(elu.count, 1);
  assert.ok(elu.max < 0.5, `utilization ${elu.max} of a loop that slept`);
  assert.ok(m.summary('generator_lateness')!.count >= 5, 'the probe ran every PROBE_MS meanwhile');
  const cpu = m.summary('generator_cpu');
  if (threadCpuReader() === undefined) assert.equal(cpu, undefined);
  else assert.ok(cpu !== undefined && cpu.count === 1 && cpu.max >= 0 && cpu.max <= 1, JSON.stringify(cpu));
});

test('GeneratorMonitor: a span too short to tell is not sampled; it counts in the next', async () => {
  const metrics = new MetricsRegistry();
  const monitor = new GeneratorMonitor(metrics, systemClock, 1000);
  monitor.start();
  monitor.sample();
  monitor.stop();
  assert.equal(metrics.snapshot().trends['generator_elu'], undefined);
});
