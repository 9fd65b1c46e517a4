import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GauntletError } from '../core/errors.js';
import { MergedMetrics } from './merged-metrics.js';
import { MetricsRegistry, TIME_SCALE, VALUE_SCALE } from './registry.js';
import { evaluateThresholds, parseThreshold, parseThresholds } from './thresholds.js';

test('parseThreshold reads k6 syntax: aggregations, operators, units, tags', () => {
  const t = parseThreshold('http_req_duration{name:upload, method:"POST"} p(99.9) <= 1.5s');
  assert.equal(t.name, 'http_req_duration');
  assert.deepEqual(t.tags, { name: 'upload', method: 'POST' });
  assert.deepEqual(t.aggregation, { kind: 'p', p: 99.9 });
  assert.equal(t.op, '<=');
  assert.equal(t.value, 1500);
  assert.equal(t.expression, 'p(99.9)<=1.5s');
  assert.equal(parseThreshold('checks rate>0.99').value, 0.99);
  assert.equal(parseThreshold('http_req_failed rate<1%').value, 0.01);
  assert.equal(parseThreshold('iterations count>100').aggregation.kind, 'count');
  assert.equal(parseThreshold('http_req_waiting avg<500us').value, 0.5);
  assert.equal(parseThreshold('db_time_s med!=0').op, '!=');
  for (const op of ['<', '<=', '>', '>=', '==', '!=']) assert.equal(parseThreshold(`x max${op}1`).op, op);
});

test('parseThreshold rejects bad syntax with a usage error and an example', () => {
  for (const bad of ['http_req_duration', 'http_req_duration p95<200', 'http_req_duration p(95)<<200', 'http_req_duration p(95)<fast', 'checks rate>5ms', 'iterations count>10%', 'x p(101)<1', 'x{name} max<1', '9lives max<1']) {
    assert.throws(() => parseThreshold(bad), (e: unknown) => e instanceof GauntletError && e.code === 'GAUNTLET_USAGE' && e.exitCode === 2 && e.message.includes(`'${bad.split(' ')[0]}`) && /p\(95\)<200ms/.test(e.hint ?? ''), bad);
  }
});

test('parseThresholds takes strings, lists and the k6 object form with abortOnFail', () => {
  const ts = parseThresholds({ http_req_duration: ['p(95)<200ms', { threshold: 'max<1s', abortOnFail: true }], 'checks{check:created}': 'rate==1' });
  assert.deepEqual(ts.map((t) => [t.name, t.expression, t.abortOnFail, t.tags]), [
    ['http_req_duration', 'p(95)<200ms', false, {}],
    ['http_req_duration', 'max<1s', true, {}],
    ['checks', 'rate==1', false, { check: 'created' }],
  ]);
  assert.equal(parseThresholds(['a count>1', 'b count>2']).length, 2);
  assert.equal(parseThresholds('a count>1').length, 1);
});

function metrics(): MergedMetrics {
  const r = new MetricsRegistry();
  const d = r.trend('http_req_duration', TIME_SCALE);
  for (let i = 1; i <= 100; i++) d.record(i); // 1..100 ms
  const up = r.trend('http_req_duration{name:upload}', TIME_SCALE);
  up.record(500);
  r.trend('db_time_s', VALUE_SCALE).record(0.25);
  r.counter('http_reqs').value = 200;
  r.counter('http_reqs{name:upload}').value = 10;
  r.counter('http_req_failed').value = 2;
  r.counter('http_req_failed{name:upload}').value = 5;
  r.counter('checks{result:pass}').value = 99;
  r.counter('checks{result:fail}').value = 1;
  r.counter('checks{check:created,result:pass}').value = 10;
  r.counter('iterations').value = 150;
  return MergedMetrics.fromSnapshot(r.snapshot());
}

test('evaluateThresholds: trends, counters, k6 rates, tags, and no data fails', () => {
  const m = metrics();
  const results = evaluateThresholds(
    parseThresholds([
      'http_req_duration p(95)<200ms',
      'http_req_duration p(50)<50',
      'http_req_duration med<=50.1',
      'http_req_duration avg<50',
      'http_req_duration min>=1',
      'http_req_duration max<0.1s',
      'http_req_duration count==100',
      'http_req_duration{name:upload} max<200ms',
      'db_time_s avg<0.3',
      'checks rate>0.98',
      'checks{check:created} rate==1',
      'http_req_failed rate<1%',
      'http_req_failed{name:upload} rate<10%',
      'iterations count>100',
      'iterations rate>=15',
      'http_reqs value==200',
      'dropped_iterations count==0',
      'http_req_duration{name:typo} p(95)<200ms',
    ]),
    m,
    10_000,
  );
  const verdict = Object.fromEntries(results.map((r) => [`${r.metric} ${r.expression}`, r.ok]));
  assert.deepEqual(verdict, {
    'http_req_duration p(95)<200ms': true,
    'http_req_duration p(50)<50': false,
    'http_req_duration med<=50.1': true,
    'http_req_duration avg<50': false,
    'http_req_duration min>=1': true,
    'http_req_duration max<0.1s': false,
    'http_req_duration count==100': true,
    'http_req_duration{name:upload} max<200ms': false,
    'db_time_s avg<0.3': true,
    'checks rate>0.98': true,
    'checks{check:created} rate==1': true,
    'http_req_failed rate<1%': false,
    'http_req_failed{name:upload} rate<10%': false,
    'iterations count>100': true,
    'iterations rate>=15': true,
    'http_reqs value==200': true,
    'dropped_iterations count==0': true,
    'http_req_duration{name:typo} p(95)<200ms': false,
  });
  const byKey = Object.fromEntries(results.map((r) => [`${r.metric} ${r.expression}`, r.actual]));
  assert.ok(Math.abs(byKey['http_req_duration p(95)<200ms']! - 95) < 0.1);
  assert.equal(byKey['checks rate>0.98'], 0.99);
  assert.equal(byKey['http_req_failed rate<1%'], 0.01);
  assert.equal(byKey['http_req_failed{name:upload} rate<10%'], 0.5);
  assert.equal(byKey['iterations rate>=15'], 15);
  assert.ok(Number.isNaN(byKey['http_req_duration{name:typo} p(95)<200ms']), 'no data: NaN, and the threshold fails');
});

test('a name that looks like a built-in metric but is none is a usage error naming the closest built-in; custom names pass', () => {
  for (const [typo, closest] of [
    ['http_req_duraton', 'http_req_duration'],
    ['http_req_fail', 'http_req_failed'],
    ['iteration', 'iterations'],
    ['data_recieved', 'data_received'],
    ['ws_session', 'ws_sessions'],
    ['dropped_iteration', 'dropped_iterations'],
    ['generator_elus', 'generator_elu'],
  ] as const) {
    assert.throws(
      () => parseThreshold(`${typo} p(95)<200ms`),
      (e: unknown) => e instanceof GauntletError && e.message.includes(`'${typo}' is not a metric Gauntlet records`) && e.hint === `did you mean '${closest}'? (a custom metric's name must not start like a built-in one: http_, ws_, generator_, iteration, data_, checks, dropped, vus)`,
      typo,
    );
  }
  assert.throws(() => parseThresholds({ http_req_duraton: ['p(95)<200ms'] }), /not a metric Gauntlet records/);
  assert.equal(parseThreshold('db_time_s p(95)<2').name, 'db_time_s');
  assert.equal(parseThreshold('ws_connecting p(95)<200ms').name, 'ws_connecting');
  assert.equal(parseThreshold('iterations_failed count<1').name, 'iterations_failed');
});
