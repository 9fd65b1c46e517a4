import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linearFit } from './linear-fit.js';

const near = (actual: number, expected: number, tolerance: number, what: string) => assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected} ± ${tolerance}`);

describe('linearFit', () => {
  it('fits a textbook example: slope, intercept and standard error as computed by hand', () => {
    // x 1..5, y 2 4 5 4 5: slope 0.6, intercept 2.2, residuals -0.8 0.6 1.0 -0.6 -0.2, Σr² 2.4, Σ(x−x̄)² 10.
    const f = linearFit([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])!;
    near(f.slope, 0.6, 1e-12, 'slope');
    near(f.intercept, 2.2, 1e-12, 'intercept');
    near(f.standardError, Math.sqrt(2.4 / 3 / 10), 1e-12, 'standard error');
    // Lag-1 autocorrelation of the residuals: (−0.48 + 0.6 − 0.6 + 0.12) / 2.4 = −0.15; negative counts as none.
    near(f.lag1, -0.15, 1e-12, 'lag-1 autocorrelation');
    assert.equal(f.effectiveSamples, 5);
    near(f.adjustedStandardError, f.standardError, 1e-12, 'adjusted standard error');
    near(f.residualSd, Math.sqrt(2.4 / 5), 1e-12, 'residual sd');
  });

  it('fits an exact line exactly, without losing precision to a day of milliseconds and gigabytes', () => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 432_000; i++) {
      xs.push(i * 200);
      ys.push(3e9 + 0.25 * i * 200); // 0.25 bytes per ms = 900,000 bytes per hour on top of 3 GB
    }
    const f = linearFit(xs, ys)!;
    near(f.slope, 0.25, 1e-9, 'slope');
    near(f.intercept, 3e9, 1e-2, 'intercept');
    assert.ok(f.standardError < 1e-9, `standard error ${f.standardError}`);
  });

  it('widens the standard error for a garbage-collection sawtooth: its slope is within the adjusted band, though not within the naive one', () => {
    // 300 samples 200 ms apart of a flat heap that climbs 4 MB and drops back every 12 s (five cycles).
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 300; i++) {
      xs.push(i * 200);
      ys.push(50e6 + 4e6 * ((i % 60) / 60));
    }
    const f = linearFit(xs, ys)!;
    assert.ok(f.lag1 > 0.8, `lag-1 autocorrelation ${f.lag1}`);
    assert.ok(f.effectiveSamples < 30, `effective samples ${f.effectiveSamples}`);
    assert.ok(Math.abs(f.slope) > 2 * f.standardError, 'the naive band would call it a slope');
    assert.ok(Math.abs(f.slope) <= 2 * f.adjustedStandardError, 'the adjusted band does not');
  });

  it('finds a leak under the sawtooth: 1 MB a second stands out of the adjusted band', () => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 300; i++) {
      xs.push(i * 200);
      ys.push(50e6 + 4e6 * ((i % 60) / 60) + 1000 * i * 200);
    }
    const f = linearFit(xs, ys)!;
    near(f.slope, 1000, 20, 'slope (bytes per ms)');
    assert.ok(f.slope > 2 * f.adjustedStandardError);
  });

  it('gives no fit for fewer than three samples or a single instant', () => {
    assert.equal(linearFit([1, 2], [1, 2]), undefined);
    assert.equal(linearFit([5, 5, 5], [1, 2, 3]), undefined);
  });

  it('gives an unbounded band when the samples hold fewer than three independent ones', () => {
    // A hump: residuals −1.5 −0.5 0.5 1.5 1.5 0.5 −0.5 −1.5, lag-1 autocorrelation 4.75 / 10, 8·0.525/1.475 ≈ 2.85 samples.
    const f = linearFit([0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 3, 3, 2, 1, 0])!;
    near(f.lag1, 0.475, 1e-12, 'lag-1 autocorrelation');
    near(f.effectiveSamples, (8 * 0.525) / 1.475, 1e-12, 'effective samples');
    assert.equal(f.adjustedStandardError, Infinity);
  });
});
