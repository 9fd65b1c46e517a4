import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from './duration.js';
import { GauntletError } from './errors.js';

function usage(fn: () => unknown): GauntletError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof GauntletError, `not a GauntletError: ${String(e)}`);
    return e;
  }
  assert.fail('no error thrown');
}

test('durations with units are milliseconds', () => {
  assert.equal(parseDuration('100ms'), 100);
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('500us'), 0.5);
});

test('zero needs no unit', () => {
  assert.equal(parseDuration('0', '--think'), 0);
  assert.equal(parseDuration(0, 'think'), 0);
});

test('a short duration without a unit is a usage error offering ms or s', () => {
  const e = usage(() => parseDuration('100', '--think'));
  assert.equal(e.message, '--think 100 has no unit');
  assert.equal(e.hint, 'did you mean 100ms or 100s?');
  assert.equal(usage(() => parseDuration('500', '--timeout')).hint, 'did you mean 500ms or 500s?');
});

test('a run length without a unit is a usage error offering seconds', () => {
  const e = usage(() => parseDuration('10', '--duration'));
  assert.equal(e.message, '--duration 10 has no unit');
  assert.equal(e.hint, 'did you mean 10s?');
  assert.equal(usage(() => parseDuration('5', '--ramp-up')).hint, 'did you mean 5s?');
});

test('a number (from a YAML config or the library) without a unit is a usage error too', () => {
  const e = usage(() => parseDuration(10, 'duration'));
  assert.equal(e.message, 'duration 10 has no unit');
  assert.equal(e.hint, 'did you mean 10s?');
  assert.equal(usage(() => parseDuration(1.5, 'think')).hint, 'did you mean 1.5ms or 1.5s?');
});

test('other text is still not a duration', () => {
  assert.match(usage(() => parseDuration('forever', '--duration')).message, /not a duration/);
  assert.match(usage(() => parseDuration('-1s', '--duration')).message, /not a duration/);
});
