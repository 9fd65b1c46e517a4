import { performance } from 'node:perf_hooks';

/**
 * Clock is the time source of schedulers and measurements: monotonic milliseconds (fractional).
 * Production code uses `systemClock` (performance.now); tests inject a manual clock.
 */
export interface Clock {
  now(): number;
  /**
   * setTimer calls `fn` once after `ms`; returns a cancel function. `precise` asks for a timer that
   * fires within ~0.1 ms of its time where the clock can (PreciseClock); others treat it as any timer.
   */
  setTimer(fn: () => void, ms: number, precise?: boolean): () => void;
  /**
   * defer calls `fn` soon, at the current time, after pending I/O and timers have had their turn
   * (setImmediate): a busy loop yields with it. Returns a cancel function.
   */
  defer(fn: () => void): () => void;
}

/** systemClock is the real monotonic clock (`performance.now()`) with real timers and setImmediate. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(t);
  },
  defer(fn) {
    const t = setImmediate(fn);
    return () => clearImmediate(t);
  },
};

/**
 * epochToLocal turns a high-resolution epoch time (performance.timeOrigin + performance.now(), as sent
 * between threads) into this thread's performance.now() scale. Threads have different time origins,
 * so shared instants travel as epoch milliseconds; durations never use Date.now().
 */
export function epochToLocal(epochMs: number): number {
  return epochMs - performance.timeOrigin;
}

/** localToEpoch is the inverse of epochToLocal. */
export function localToEpoch(localMs: number): number {
  return localMs + performance.timeOrigin;
}
