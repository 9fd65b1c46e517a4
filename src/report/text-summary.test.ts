import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrendSummary } from '../metrics/histogram.js';
import { TIME_SCALE, VALUE_SCALE } from '../metrics/registry.js';
import type { IntervalRow, RunResult } from '../metrics/run-result.js';
import { MergedMetrics } from '../metrics/merged-metrics.js';
import { ProgressReporter } from './progress.js';
import { renderTextSummary } from './text-summary.js';

const trend = (p50: number): TrendSummary => ({ count: 10, min: p50 / 2, mean: p50, stddev: 1, p50, p75: p50, p90: p50, p95: p50, p99: p50 * 2, p999: p50 * 3, max: p50 * 4 });

/** resultWith builds a small closed-model bench result by hand. */
function resultWith(over: Partial<RunResult> = {}, counters: Record<string, number> = {}): RunResult {
  return {
    format: 'gauntlet.run',
    version: 2,
    label: 'GET http://127.0.0.1/',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 2074,
    stopReason: 'completed',
    model: 'closed',
    workers: 1,
    intervalMs: 1000,
    metrics: { counters: { http_reqs: 10, http_req_failed: 0, iterations: 10, data_received: 500, data_sent: 400, ...counters }, trends: { http_req_duration: { scale: TIME_SCALE, data: '' }, db_time_s: { scale: VALUE_SCALE, data: '' } } as unknown as RunResult['metrics']['trends'] },
    summary: { http_req_duration: trend(7) },
    intervals: [],
    errors: [],
    ...over,
  };
}

test('thresholds print their actual values with units: ms for durations, % for rates, plain counts, per second, custom values plain', () => {
  const text = renderTextSummary(
    resultWith({
      thresholds: [
        { metric: 'http_req_duration', expression: 'p(95)<50', actual: 67.007, ok: false },
        { metric: 'http_req_failed', expression: 'rate<1%', actual: 0.0123, ok: false },
        { metric: 'checks', expression: 'rate>0.99', actual: 1, ok: true },
        { metric: 'iterations', expression: 'count>100', actual: 1234, ok: false },
        { metric: 'http_reqs', expression: 'rate>1', actual: 4.8216, ok: true },
        { metric: 'db_time_s', expression: 'avg<2', actual: 0.25, ok: true },
      ],
    }),
  );
  assert.match(text, /^ {2}FAIL {2}http_req_duration p\(95\)<50 {2}\(actual 67\.0ms\)$/m);
  assert.match(text, /^ {2}FAIL {2}http_req_failed rate<1% {2}\(actual 1\.23%\)$/m);
  assert.match(text, /^ {2}PASS {2}checks rate>0\.99 {2}\(actual 100\.00%\)$/m);
  assert.match(text, /^ {2}FAIL {2}iterations count>100 {2}\(actual 1,234\)$/m);
  assert.match(text, /^ {2}PASS {2}http_reqs rate>1 {2}\(actual 4\.82\/s\)$/m);
  assert.match(text, /^ {2}PASS {2}db_time_s avg<2 {2}\(actual 0\.250\)$/m);
});

test('a custom metric with no data says so by name', () => {
  const text = renderTextSummary(resultWith({ thresholds: [{ metric: 'login_time{name:x}', expression: 'p(95)<200', actual: NaN, ok: false }] }));
  assert.match(text, /FAIL {2}login_time\{name:x\} p\(95\)<200 {2}\(actual no data: metric login_time\{name:x\} was never recorded\)/);
});

test('the verdict comes last: the front door sections, then the thresholds, then one closing line saying a threshold failed', () => {
  const text = renderTextSummary(resultWith({ thresholds: [{ metric: 'http_req_duration', expression: 'p(95)<50', actual: 67, ok: false }] }), ['Tests:\n  T  10 iterations\n']);
  const lines = text.trimEnd().split('\n');
  const tests = lines.indexOf('Tests:');
  const thresholds = lines.indexOf('Thresholds:');
  assert.ok(lines.findIndex((l) => l.startsWith('Workers:')) < tests && tests < thresholds, text);
  assert.equal(lines.at(-1), 'NOT OK: 1 of 1 thresholds failed (exit 99): http_req_duration p(95)<50.');
});

test('the closing line: OK when all went well, OK with failures below half, NOT OK from half the requests failed or 10 % of arrivals dropped', () => {
  const last = (r: RunResult) => renderTextSummary(r).trimEnd().split('\n').at(-1);
  assert.equal(last(resultWith()), 'OK: every request returned OK.');
  assert.equal(last(resultWith({}, { http_req_failed: 2 })), 'OK, with failures: 2 of 10 requests failed.');
  assert.equal(last(resultWith({}, { http_req_failed: 5 })), 'NOT OK: 50 % of requests failed (5 of 10).');
  assert.equal(last(resultWith({}, { http_req_failed: 10 })), 'NOT OK: every request failed (10 of 10).');
  assert.equal(last(resultWith({ model: 'open' }, { dropped_iterations: 1 })), 'OK, with failures: 1 of 11 arrivals dropped.');
  assert.match(last(resultWith({ model: 'open' }, { dropped_iterations: 90 }))!, /^NOT OK: 90 % of arrivals were dropped \(90 of 100\): the target or the generator could not keep up/);
  assert.equal(last(resultWith({}, { http_reqs: 0, iterations: 0 })), 'NOT OK: nothing ran: no request and no iteration completed.');
});

test('Data: bytes per second are whole bytes', () => {
  assert.match(renderTextSummary(resultWith()), /^Data: 500 B received \(241 B\/s\), 400 B sent$/m);
});

test('the live line shows p99 – while nothing has completed, and counts dropped arrivals and failed iterations as failed', () => {
  let written = '';
  const p = new ProgressReporter({ write: (t) => (written += t), tty: false, now: () => 500, plannedMs: 1000 });
  p.onStart({ intervalMs: 1000 } as never, 0);
  const empty: IntervalRow = { index: 0, startMs: 0, durationMs: 1000, counters: {}, trends: {} };
  p.onInterval(empty, new MergedMetrics());
  assert.match(written, /p99 – /);
  assert.doesNotMatch(written, /0µs/);
  const totals = new MergedMetrics();
  totals.counters['http_reqs'] = 5;
  totals.counters['iterations'] = 5;
  totals.counters['iterations_failed'] = 5;
  totals.counters['dropped_iterations'] = 7;
  p.onInterval({ ...empty, index: 1, counters: { http_reqs: 5 }, trends: { http_req_duration: trend(3) } }, totals);
  assert.match(written.split('\n')[1]!, /p99 6\.00ms {2}12 failed/);
});

test('the live display says the run is starting before the workers are up; on a TTY the first frame replaces it', () => {
  let plain = '';
  new ProgressReporter({ write: (t) => (plain += t), tty: false, now: () => 0, starting: 'starting 2 worker threads…' });
  assert.equal(plain, 'starting 2 worker threads…\n', 'shown at once, before any interval');
  let tty = '';
  const p = new ProgressReporter({ write: (t) => (tty += t), tty: true, now: () => 0, plannedMs: 1000, starting: 'starting 1 worker thread…' });
  assert.equal(tty, '\r\x1b[Kstarting 1 worker thread…');
  p.onEnd();
  assert.ok(tty.endsWith('\r\x1b[K'), 'the line is cleared at the end');
});
