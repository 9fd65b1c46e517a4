import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/manual-clock.js';
import { DeadlineTimer } from './deadline-timer.js';

/** harness: one connection's in-flight flag and the lateness of every expiry. */
function harness() {
  const clock = new ManualClock(0);
  const state = { inFlight: false, expiries: [] as number[] };
  const timer = new DeadlineTimer(
    () => state.inFlight,
    (late) => {
      state.inFlight = false;
      state.expiries.push(late);
    },
    clock,
  );
  return { clock, state, timer };
}

test('a request still in flight at its deadline expires once, 0 ms late', () => {
  const { clock, state, timer } = harness();
  state.inFlight = true;
  timer.start(clock.now(), 100);
  clock.advance(99);
  assert.deepEqual(state.expiries, []);
  clock.advance(1); // due: the expiry waits for the I/O of this turn
  clock.advance(0);
  assert.deepEqual(state.expiries, [0]);
  clock.advance(1000);
  assert.deepEqual(state.expiries, [0]);
});

test('an answer read in the I/O after a due timer is not a timeout', () => {
  const { clock, state, timer } = harness();
  state.inFlight = true;
  timer.start(clock.now(), 100);
  clock.advance(100); // the timer is due; the response is waiting in the socket buffer
  state.inFlight = false; // ... and is read before the deferred check
  clock.advance(0);
  clock.advance(1000);
  assert.deepEqual(state.expiries, []);
});

test('the timer carries an older deadline and re-arms for the new request, not expiring it early', () => {
  const { clock, state, timer } = harness();
  state.inFlight = true;
  timer.start(clock.now(), 100); // request A, deadline 100
  clock.advance(30);
  state.inFlight = false; // A answered
  state.inFlight = true;
  timer.start(clock.now(), 100); // request B, deadline 130: the armed timer (100) is kept
  clock.advance(70); // fires at 100 for B: 30 ms left, re-arms
  clock.advance(0);
  assert.deepEqual(state.expiries, []);
  clock.advance(29);
  clock.advance(0);
  assert.deepEqual(state.expiries, []);
  clock.advance(1);
  clock.advance(0);
  assert.deepEqual(state.expiries, [0]);
});

test('a request started while the expiry was deferred gets its own deadline', () => {
  const { clock, state, timer } = harness();
  state.inFlight = true;
  timer.start(clock.now(), 100);
  clock.advance(100); // due, deferred
  // The I/O of this turn completed A and the user sent B at once.
  timer.start(clock.now(), 100);
  clock.advance(0);
  assert.deepEqual(state.expiries, []);
  clock.advance(100);
  clock.advance(0);
  assert.deepEqual(state.expiries, [0]);
});

test('an expiry seen late reports how late', () => {
  const { clock, state, timer } = harness();
  state.inFlight = true;
  timer.start(clock.now(), 100);
  clock.advance(2260); // a starved loop runs the timer 2.16 s after its due time
  clock.advance(0);
  assert.deepEqual(state.expiries, [2160]);
});

test('clear stops the timer', () => {
  const { clock, state, timer } = harness();
  state.inFlight = true;
  timer.start(clock.now(), 100);
  timer.clear();
  clock.advance(1000);
  clock.advance(0);
  assert.deepEqual(state.expiries, []);
});
