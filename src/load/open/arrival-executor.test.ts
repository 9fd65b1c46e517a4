import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetricsRegistry } from '../../metrics/registry.js';
import type { Clock } from '../../core/clock.js';
import { ManualClock } from '../../core/manual-clock.js';
import type { Scenario, VirtualUser } from '../scenario.js';
import { ArrivalExecutor } from './arrival-executor.js';

/** A scenario whose users take `serviceMs` on the manual clock and log their scheduled times. */
function slowScenario(clock: ManualClock, serviceMs: number, log: { scheduled: number; started: number }[]): Scenario {
  return {
    createUser(): VirtualUser {
      let cancel: (() => void) | undefined;
      let finish: (() => void) | undefined;
      return {
        run(scheduledAt, done) {
          log.push({ scheduled: scheduledAt, started: clock.now() });
          finish = done;
          cancel = clock.setTimer(() => done(), serviceMs);
        },
        abort() {
          cancel?.();
          finish?.();
        },
        close() {},
      };
    },
  };
}

const flush = () => new Promise((r) => setImmediate(r));

test('open model: arrivals wait for a free connection and keep their intended time; past the queue they are dropped', async () => {
  const clock = new ManualClock();
  const metrics = new MetricsRegistry();
  const log: { scheduled: number; started: number }[] = [];
  // 100/s for 1 s = 100 arrivals, one connection, each takes 20 ms: the user can serve only 50.
  const ex = new ArrivalExecutor(
    { kind: 'open', startRate: 100, stages: [{ durationMs: 1000, target: 100 }], connections: 1, maxQueue: 10 },
    { scenario: slowScenario(clock, 20, log), segment: { index: 0, count: 1 }, clock, t0: 0, metrics, graceMs: 10_000 },
  );
  const done = ex.run();
  for (let t = 0; t < 3000; t += 1) {
    clock.advance(1);
    await flush();
  }
  await done;
  const snap = metrics.snapshot();
  const iterations = snap.counters['iterations'] ?? 0;
  const dropped = snap.counters['dropped_iterations'] ?? 0;
  assert.equal(iterations + dropped, 100, 'every arrival is run or counted as dropped');
  assert.ok(dropped > 30, `dropped ${dropped}`);
  // Queued arrivals started late but report their intended time.
  const late = log.filter((l) => l.started - l.scheduled >= 10);
  assert.ok(late.length > 5, `late starts ${late.length}`);
  for (const l of log) assert.equal(l.scheduled % 10, 0, 'intended times are multiples of 10 ms');
});

test('open model: two workers take interleaved arrivals that add up to the whole', async () => {
  const totals: number[] = [];
  for (const index of [0, 1]) {
    const clock = new ManualClock();
    const metrics = new MetricsRegistry();
    const log: { scheduled: number; started: number }[] = [];
    const ex = new ArrivalExecutor(
      { kind: 'open', startRate: 50, stages: [{ durationMs: 1000, target: 50 }], connections: 10, maxQueue: 100 },
      { scenario: slowScenario(clock, 1, log), segment: { index, count: 2 }, clock, t0: 0, metrics, graceMs: 1000 },
    );
    const done = ex.run();
    for (let t = 0; t < 1100; t += 5) {
      clock.advance(5);
      await flush();
    }
    await done;
    totals.push(metrics.snapshot().counters['iterations'] ?? 0);
    assert.equal(log[0]!.scheduled, index * 20);
  }
  assert.deepEqual(totals, [25, 25]);
});

test('open model: how late each arrival was dispatched is the generator\'s lateness (generator_lateness), on a precise timer', async () => {
  const manual = new ManualClock();
  const precise: boolean[] = [];
  // A loop busy elsewhere: every timer fires 150 ms after it was due.
  const clock: Clock = {
    now: () => manual.now(),
    setTimer: (fn, ms, p) => {
      precise.push(p === true);
      return manual.setTimer(fn, ms + 150);
    },
    defer: (fn) => manual.defer(fn),
  };
  const metrics = new MetricsRegistry();
  // 10/s for 1 s: arrivals due every 100 ms, at 0, 100, …, 900.
  const ex = new ArrivalExecutor(
    { kind: 'open', startRate: 10, stages: [{ durationMs: 1000, target: 10 }], connections: 5, maxQueue: 10 },
    { scenario: slowScenario(manual, 1, []), segment: { index: 0, count: 1 }, clock, t0: 0, metrics, graceMs: 1000 },
  );
  const done = ex.run();
  for (let t = 0; t < 3000; t += 10) {
    manual.advance(10);
    await flush();
  }
  await done;
  const late = metrics.trend('generator_lateness').histogram;
  // The first arrival is dispatched at once (0); each firing, 150 ms late, then dispatches two: the one
  // due 150 ms ago and the one due 50 ms ago.
  assert.equal(late.totalCount, 10, 'one value per arrival');
  assert.equal(late.maxValue, 150_000, 'in µs');
  assert.equal(late.minNonZeroValue, 50_000);
  assert.ok(Math.abs(late.mean * late.totalCount - (5 * 150 + 4 * 50) * 1000) < 1000, `${late.mean * late.totalCount} µs in all`);
  assert.ok(precise.filter(Boolean).length >= 4, `the schedule's timers are precise: ${precise.join(' ')}`);
  const snap = metrics.snapshot();
  assert.equal((snap.counters['iterations'] ?? 0) + (snap.counters['dropped_iterations'] ?? 0), 10, 'every arrival is still run or counted');
});
