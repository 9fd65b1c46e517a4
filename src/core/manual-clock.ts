import type { Clock } from './clock.js';

interface Timer {
  readonly at: number;
  readonly id: number;
  readonly fn: () => void;
}

interface Deferred {
  readonly fn: () => void;
  cancelled: boolean;
}

/**
 * ManualClock is a Clock that only moves when told to, for tests and simulations: a scheduler's
 * logic runs in full without waiting on real time, and every instant it sees is exact. `advance`
 * fires due timers in time order (ties in the order they were set). Deferred callbacks fire at the
 * current time at the start of the next `advance` (also `advance(0)`); what they, or the timers of
 * that advance, defer waits for the advance after, so a loop that keeps deferring cannot spin
 * forever at one instant.
 */
export class ManualClock implements Clock {
  private t: number;
  /** timers is kept sorted by (at, id). */
  private timers: Timer[] = [];
  private deferred: Deferred[] = [];
  private seq = 0;

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const timer: Timer = { at: this.t + Math.max(0, ms), id: ++this.seq, fn };
    // Insert after every timer due at the same time or earlier.
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timers[mid]!.at <= timer.at) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, timer);
    return () => {
      const i = this.timers.indexOf(timer);
      if (i >= 0) this.timers.splice(i, 1);
    };
  }

  defer(fn: () => void): () => void {
    const d: Deferred = { fn, cancelled: false };
    this.deferred.push(d);
    return () => {
      d.cancelled = true;
    };
  }

  /** advance fires the pending deferred callbacks, then moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance needs a duration of 0 or more, got ${ms}`);
    const end = this.t + ms;
    const batch = this.deferred;
    this.deferred = [];
    for (const d of batch) if (!d.cancelled) d.fn();
    for (;;) {
      const next = this.timers[0];
      if (next === undefined || next.at > end) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }

  /** nextEventAt is when the next callback is due: now when one is deferred, else the first timer's time; undefined when nothing is pending. */
  nextEventAt(): number | undefined {
    if (this.deferred.some((d) => !d.cancelled)) return this.t;
    return this.timers[0]?.at;
  }

  /** pending counts the timers and deferred callbacks still to fire (a finished scheduler leaves none). */
  pending(): number {
    return this.timers.length + this.deferred.filter((d) => !d.cancelled).length;
  }
}
