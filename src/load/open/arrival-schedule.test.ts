import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArrivalSchedule } from './arrival-schedule.js';

test('a constant rate places arrival i at i/rate from the start, with no drift', () => {
  const s = new ArrivalSchedule(200, [{ durationMs: 3000, target: 200 }]);
  assert.equal(s.total, 600);
  assert.equal(s.timeOf(0), 0);
  assert.equal(s.timeOf(1), 5);
  assert.ok(Math.abs(s.timeOf(599) - 2995) < 1e-6);
  assert.equal(s.timeOf(600), Infinity);
});

test('a linear ramp from 0 to 100/s over 10s holds 500 arrivals, denser at the end', () => {
  const s = new ArrivalSchedule(0, [{ durationMs: 10_000, target: 100 }]);
  assert.equal(s.total, 500);
  // A(t) = 5 t² (t in s): arrival 125 at t = 5 s.
  assert.ok(Math.abs(s.timeOf(125) - 5000) < 1e-6);
  assert.ok(s.timeOf(499) < 10_000);
});

test('stages chain: ramp, hold, ramp down', () => {
  const s = new ArrivalSchedule(0, [
    { durationMs: 1000, target: 100 },
    { durationMs: 2000, target: 100 },
    { durationMs: 1000, target: 0 },
  ]);
  assert.equal(s.total, 50 + 200 + 50);
  assert.ok(Math.abs(s.timeOf(50) - 1000) < 1e-6);
  assert.ok(Math.abs(s.timeOf(250) - 3000) < 1e-6);
  let prev = -1;
  for (let i = 0; i < s.total; i++) {
    const t = s.timeOf(i);
    assert.ok(t >= prev, `monotone at ${i}`);
    prev = t;
  }
});

test('maxArrivals caps an endless schedule', () => {
  const s = new ArrivalSchedule(10, [{ durationMs: Infinity, target: 10 }], 25);
  assert.equal(s.total, 25);
  assert.equal(s.timeOf(24), 2400);
  assert.equal(s.timeOf(25), Infinity);
});

test('dueBefore counts the arrivals a schedule puts before a time', () => {
  const s = new ArrivalSchedule(200, [{ durationMs: 3000, target: 200 }]);
  assert.equal(s.dueBefore(0), 0);
  assert.equal(s.dueBefore(1000), 200);
  assert.equal(s.dueBefore(1000.1), 201);
  assert.equal(s.dueBefore(3000), 600);
  assert.equal(s.dueBefore(10_000), 600);
  const ramp = new ArrivalSchedule(0, [{ durationMs: 10_000, target: 100 }]);
  assert.equal(ramp.dueBefore(5000), 125);
  const endless = new ArrivalSchedule(10, [{ durationMs: Infinity, target: 10 }]);
  assert.equal(endless.dueBefore(2500), 25);
});

test('plannedRate is the rate the plan intends, not a count over elapsed time: -r 50 -n 100 intends 50/s', () => {
  const s = new ArrivalSchedule(50, [{ durationMs: Infinity, target: 50 }], 100);
  const { area, spanMs } = s.plannedRate(2013);
  assert.ok(Math.abs(area - 100) < 1e-6);
  assert.ok(Math.abs(spanMs - 2000) < 1e-6);
  // A ramp from 0 to 100/s over 10 s stopped at 5 s intended 125 arrivals in 5 s: 25/s.
  const ramp = new ArrivalSchedule(0, [{ durationMs: 10_000, target: 100 }]);
  const r = ramp.plannedRate(5000);
  assert.ok(Math.abs(r.area / (r.spanMs / 1000) - 25) < 1e-6);
});
