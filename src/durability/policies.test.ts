import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GauntletError } from '../core/errors.js';
import { parsePolicy, policies, type Picker } from './policies.js';

const take = (pick: Picker, n: number): number[] => Array.from({ length: n }, () => pick());
const counts = (picks: number[], size: number): number[] => {
  const c = new Array<number>(size).fill(0);
  for (const p of picks) c[p]!++;
  return c;
};

describe('policies.sequential', () => {
  it('gives each behaviour exactly its weight per cycle, spread out', () => {
    const pick = policies.sequential().picker([98, 1, 1]);
    const cycle = take(pick, 100);
    assert.deepEqual(counts(cycle, 3), [98, 1, 1]);
    assert.deepEqual(take(pick, 100), cycle, 'the next cycle repeats');
    const odd = cycle.flatMap((b, i) => (b === 0 ? [] : [i]));
    assert.ok(odd[1]! - odd[0]! === 1 || odd[1]! - odd[0]! > 1);
    const mixed = take(policies.sequential().picker([2, 2]), 4);
    assert.deepEqual(mixed, [0, 1, 0, 1], 'smooth: no two of a kind in a row when weights are equal');
    assert.deepEqual(counts(take(policies.sequential().picker([5, 3, 2]), 10), 3), [5, 3, 2]);
    const spread = take(policies.sequential().picker([3, 1]), 4);
    assert.deepEqual(spread, [0, 0, 1, 0]);
  });

  it('starts each worker at its own offset into the cycle', () => {
    const policy = policies.sequential();
    const first = take(policy.picker([1, 1, 1, 1], { index: 0, count: 4 }), 4);
    const second = take(policy.picker([1, 1, 1, 1], { index: 1, count: 4 }), 4);
    assert.deepEqual(first, [0, 1, 2, 3]);
    assert.deepEqual(second, [1, 2, 3, 0]);
    const a = take(policy.picker([98, 2], { index: 0, count: 2 }), 100);
    const b = take(policy.picker([98, 2], { index: 1, count: 2 }), 100);
    assert.notDeepEqual(a.indexOf(1), b.indexOf(1));
    assert.deepEqual(take(policy.picker([4000, 2000]), 3), take(policy.picker([2, 1]), 3), 'weights reduce by their gcd');
  });
});

describe('policies.random', () => {
  it('is reproducible with a seed, per worker, and follows the weights', () => {
    const a = take(policies.random({ seed: 42 }).picker([90, 10]), 1000);
    const b = take(policies.random({ seed: 42 }).picker([90, 10]), 1000);
    assert.deepEqual(a, b);
    assert.notDeepEqual(take(policies.random({ seed: 43 }).picker([90, 10]), 1000), a);
    const w0 = take(policies.random({ seed: 42 }).picker([1, 1], { index: 0, count: 2 }), 64);
    const w1 = take(policies.random({ seed: 42 }).picker([1, 1], { index: 1, count: 2 }), 64);
    assert.notDeepEqual(w0, w1, 'workers draw different streams');
    const c = counts(take(policies.random({ seed: 7 }).picker([90, 9, 1]), 20_000), 3);
    assert.ok(Math.abs(c[0]! / 20_000 - 0.9) < 0.02, JSON.stringify(c));
    assert.ok(Math.abs(c[1]! / 20_000 - 0.09) < 0.02, JSON.stringify(c));
    assert.ok(c[2]! > 100, JSON.stringify(c));
    assert.equal(typeof policies.random().seed, 'number');
  });

  it('parses policy names and refuses bad weights', () => {
    assert.equal(parsePolicy('random', 5).seed, 5);
    assert.equal(parsePolicy('sequential').name, 'sequential');
    assert.throws(() => parsePolicy('roundrobin'), (e: unknown) => e instanceof GauntletError && e.exitCode === 2);
    assert.throws(() => policies.sequential().picker([]), GauntletError);
    assert.throws(() => policies.random().picker([1, 0]), GauntletError);
  });
});
