import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from './manual-clock.js';

test('timers fire in time order, ties in the order they were set, each at its own time', () => {
  const clock = new ManualClock(100);
  const log: string[] = [];
  clock.setTimer(() => log.push(`b@${clock.now()}`), 20);
  clock.setTimer(() => log.push(`a@${clock.now()}`), 10);
  clock.setTimer(() => log.push(`c@${clock.now()}`), 20);
  clock.advance(15);
  assert.deepEqual(log, ['a@110']);
  assert.equal(clock.now(), 115);
  clock.advance(5);
  assert.deepEqual(log, ['a@110', 'b@120', 'c@120']);
});

test('a timer set by a timer fires in the same advance when it falls inside it', () => {
  const clock = new ManualClock();
  const log: number[] = [];
  clock.setTimer(() => {
    log.push(clock.now());
    clock.setTimer(() => log.push(clock.now()), 5);
  }, 10);
  clock.advance(15);
  assert.deepEqual(log, [10, 15]);
});

test('a cancelled timer never fires', () => {
  const clock = new ManualClock();
  let fired = false;
  const cancel = clock.setTimer(() => (fired = true), 10);
  cancel();
  clock.advance(100);
  assert.equal(fired, false);
  assert.equal(clock.pending(), 0);
});

test('deferred callbacks fire at the current time on the next advance, also advance(0)', () => {
  const clock = new ManualClock(50);
  const log: string[] = [];
  clock.defer(() => log.push(`d@${clock.now()}`));
  clock.setTimer(() => log.push(`t@${clock.now()}`), 0);
  assert.deepEqual(log, []);
  assert.equal(clock.nextEventAt(), 50);
  clock.advance(0);
  assert.deepEqual(log, ['d@50', 't@50']);
  assert.equal(clock.nextEventAt(), undefined);
});

test('what a deferred callback defers waits for the next advance, so a deferring loop cannot spin', () => {
  const clock = new ManualClock();
  let runs = 0;
  const loop = () => {
    runs++;
    clock.defer(loop);
  };
  clock.defer(loop);
  clock.advance(0);
  clock.advance(0);
  clock.advance(10);
  assert.equal(runs, 3);
  assert.equal(clock.now(), 10);
});

test('a cancelled deferred callback never fires, even when cancelled by one of its batch', () => {
  const clock = new ManualClock();
  let fired = false;
  clock.defer(() => cancel());
  const cancel = clock.defer(() => (fired = true));
  clock.advance(0);
  assert.equal(fired, false);
  assert.equal(clock.pending(), 0);
});

test('nextEventAt points at the first timer, and advance refuses to go back', () => {
  const clock = new ManualClock();
  clock.setTimer(() => {}, 30);
  clock.setTimer(() => {}, 20);
  assert.equal(clock.nextEventAt(), 20);
  assert.equal(clock.pending(), 2);
  assert.throws(() => clock.advance(-1), RangeError);
});
