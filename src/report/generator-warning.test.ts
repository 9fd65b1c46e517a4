import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GeneratorLoad } from '../metrics/generator-load.js';
import type { TrendSummary } from '../metrics/histogram.js';
import type { IntervalRow, RunResult } from '../metrics/run-result.js';
import { GeneratorWatch, generatorWarningLines } from './generator-warning.js';
import { ProgressReporter } from './progress.js';
import { renderTextSummary } from './text-summary.js';
import { MergedMetrics } from '../metrics/merged-metrics.js';

const calm: GeneratorLoad = { samples: 10, elu: { mean: 0.1, p80: 0.12, max: 0.2 }, busyShare: 0, cpu: { mean: 0.08, max: 0.1 }, lateness: { p99: 1.2, max: 3 }, saturated: false, late: false };

function result(generator: GeneratorLoad | undefined, workers = 1): RunResult {
  return {
    format: 'gauntlet.run',
    version: 2,
    label: 'GET http://127.0.0.1/',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 2000,
    stopReason: 'completed',
    model: 'closed',
    workers,
    intervalMs: 1000,
    metrics: { counters: { http_reqs: 10, http_req_failed: 0, iterations: 10 }, trends: {} },
    summary: {},
    intervals: [],
    errors: [],
    ...(generator !== undefined ? { generator } : {}),
  };
}

test('a saturated generator: the summary warns what the figures then mean and what to do, and the closing line says so', () => {
  const text = renderTextSummary(result({ ...calm, elu: { mean: 0.97, p80: 1, max: 1 }, busyShare: 0.9, cpu: { mean: 0.4, max: 0.5 }, saturated: true }, 2));
  assert.match(text, /^Warning: the generator was saturated: its event loop was at least 90 % busy in 90 % of the worker-intervals \(mean 97 %; CPU 40 % of a core\)\.$/m);
  assert.match(text, /^ {2}Throughput is then the generator's limit/m);
  assert.match(text, /^ {2}Spread the load: more worker threads \(-w N, up to one per free core\) or more machines \(--agents N\); this run had 2 workers\.$/m);
  assert.match(text, /^ {2}Its threads were on a CPU for only part of their busy time/m, 'CPU well under its busy time: a crowded machine');
  assert.match(text.trimEnd().split('\n').at(-1)!, /^OK: every request returned OK \(the generator was saturated: the figures are partly its own, see above\)\.$/);
});

test('late timers without a busy loop: the warning names the wait for a CPU, not saturation', () => {
  const lines = generatorWarningLines(result({ ...calm, lateness: { p99: 26.7, max: 94.1 }, late: true }));
  assert.match(lines[0]!, /^Warning: the generator ran late: its timers fired 26\.7ms late at p99 \(max 94\.1ms\), though its event loop was only 10 % busy; CPU 8 % of a core\.$/);
  assert.doesNotMatch(lines.join('\n'), /saturated/);
  assert.match(renderTextSummary(result({ ...calm, lateness: { p99: 26.7, max: 94.1 }, late: true })), /\nOK: every request returned OK\.\n$/, 'the verdict is left alone: the run did what was asked');
});

test('a generator that kept up: one line of its load, no warning; a result from before the measure: neither', () => {
  const text = renderTextSummary(result(calm));
  assert.match(text, /^Generator load \(per worker and interval\): event loop busy 10 % \(max 20 %\), CPU 8 % of a core \(max 10 %\), timers late by 1\.20ms at p99$/m);
  assert.doesNotMatch(text, /Warning|saturated|ran late/);
  assert.doesNotMatch(renderTextSummary(result(undefined)), /Generator|generator/);
});

const summary = (max: number, p99 = max): TrendSummary => ({ count: 1, min: max, mean: max, stddev: 0, p50: max, p75: max, p90: max, p95: max, p99, p999: max, max });
const row = (index: number, elu: number, lateP99 = 1): IntervalRow => ({ index, startMs: index * 1000, durationMs: 1000, counters: { http_reqs: 100 }, trends: { generator_elu: summary(elu), generator_lateness: summary(lateP99) } });

test('GeneratorWatch: the live line warns once more than a fifth of the intervals so far were saturated (or late)', () => {
  const w = new GeneratorWatch();
  for (let i = 0; i < 5; i++) w.add(row(i, 0.3));
  assert.equal(w.note(), '');
  w.add(row(5, 0.95));
  assert.equal(w.note(), '', '1 of 6 is not more than a fifth');
  w.add(row(6, 0.99));
  assert.equal(w.note(), 'generator saturated (busy 99 %): more -w or --agents');
  const late = new GeneratorWatch();
  late.add(row(0, 0.1, 35));
  assert.equal(late.note(), 'generator late (timers p99 35.0ms)');
  const before = new GeneratorWatch();
  before.add({ index: 0, startMs: 0, durationMs: 1000, counters: {}, trends: {} });
  assert.equal(before.note(), '', 'nothing measured, nothing said');
});

test('the progress line carries the warning', () => {
  const written: string[] = [];
  const p = new ProgressReporter({ write: (t) => written.push(t), tty: false, plannedMs: 10_000, now: () => 1000 });
  p.onStart({} as never, 0);
  p.onInterval(row(0, 1), new MergedMetrics());
  assert.match(written.at(-1)!, /generator saturated \(busy 100 %\): more -w or --agents\n$/);
});
