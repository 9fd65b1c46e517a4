/**
 * LinearFit is a least-squares line through samples (x, y): y ≈ intercept + slope·x, with the slope's
 * standard error twice over: `standardError` as for independent samples, and `adjustedStandardError`
 * widened for the samples' lag-1 autocorrelation (a memory series is a sawtooth of garbage
 * collections, not independent noise: consecutive residuals move together, so the plain standard
 * error claims far more certainty than the data holds). `effectiveSamples` is n·(1−r1)/(1+r1)
 * (r1 the residuals' lag-1 autocorrelation, taken as 0 when negative), as climate scientists correct
 * trends of autocorrelated series (Santer et al., 2000).
 */
export interface LinearFit {
  readonly samples: number;
  readonly slope: number;
  readonly intercept: number;
  /** standardError of the slope, for independent samples: sqrt(Σresidual² / (n−2) / Σ(x−x̄)²). */
  readonly standardError: number;
  /** lag1 is the residuals' lag-1 autocorrelation, in [−1, 1]. */
  readonly lag1: number;
  readonly effectiveSamples: number;
  /** adjustedStandardError is the slope's standard error with n−2 degrees of freedom replaced by effectiveSamples−2 (Infinity when that is under 1). */
  readonly adjustedStandardError: number;
  /** residualSd is the residuals' standard deviation (the scatter the line does not explain), in y's unit. */
  readonly residualSd: number;
}

/**
 * linearFit fits a least-squares line through (xs[i], ys[i]); undefined with fewer than 3 samples or
 * when every x is the same. Two passes over the data with centred sums, so large x (milliseconds of a
 * day) and large y (bytes of RSS) lose no precision.
 */
export function linearFit(xs: ArrayLike<number>, ys: ArrayLike<number>): LinearFit | undefined {
  const n = Math.min(xs.length, ys.length);
  if (n < 3) return undefined;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    sxx += dx * dx;
    sxy += dx * (ys[i]! - my);
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  let lagged = 0;
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const r = ys[i]! - (intercept + slope * xs[i]!);
    sse += r * r;
    if (i > 0) lagged += r * previous;
    previous = r;
  }
  const lag1 = sse === 0 ? 0 : Math.max(-1, Math.min(1, lagged / sse));
  const standardError = Math.sqrt(sse / (n - 2) / sxx);
  const r1 = Math.max(0, lag1);
  const effectiveSamples = (n * (1 - r1)) / (1 + r1);
  const adjustedStandardError = effectiveSamples - 2 < 1 ? Infinity : Math.sqrt(sse / (effectiveSamples - 2) / sxx);
  return { samples: n, slope, intercept, standardError, lag1, effectiveSamples, adjustedStandardError, residualSd: Math.sqrt(sse / n) };
}
