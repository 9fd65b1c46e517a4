import type { RateStage } from '../plan.js';

interface Piece {
  start: number; // ms from t0
  duration: number; // ms (may be Infinity)
  from: number; // arrivals per ms at the start
  to: number; // arrivals per ms at the end
  before: number; // arrivals due before this piece
}

/**
 * ArrivalSchedule says when arrival i is due, in ms from the start: the time at which the integral
 * of a piecewise-linear rate reaches i. Every arrival is placed from t0, so timing errors never add up
 * (no drift), and any worker can compute any arrival's time by itself.
 */
export class ArrivalSchedule {
  private readonly pieces: Piece[] = [];
  /** total is the number of arrivals in the schedule (Infinity for an endless one). */
  readonly total: number;
  /** durationMs is the schedule's length. */
  readonly durationMs: number;
  private cursor = 0;

  constructor(startRate: number, stages: readonly RateStage[], maxArrivals?: number) {
    let t = 0;
    let before = 0;
    let rate = startRate / 1000;
    for (const st of stages) {
      const to = st.target / 1000;
      const area = st.durationMs === Infinity ? Infinity : ((rate + to) / 2) * st.durationMs;
      this.pieces.push({ start: t, duration: st.durationMs, from: rate, to, before });
      t += st.durationMs;
      before += area;
      rate = to;
    }
    this.durationMs = t;
    // Arrival i is due when the integral reaches i, so i runs over 0 .. ceil(integral) - 1.
    const all = before === Infinity ? Infinity : Math.ceil(before - 1e-9);
    this.total = Math.min(maxArrivals ?? Infinity, all);
  }

  /** timeOf returns arrival i's due time in ms from t0, or Infinity when it is past the end. */
  timeOf(i: number): number {
    if (i >= this.total) return Infinity;
    return this.timeAt(i);
  }

  /** timeAt is when the integral of the rate reaches `i` (any real number), Infinity past the end. */
  private timeAt(i: number): number {
    // Arrivals are asked for in increasing order by each worker: walk the pieces forward.
    if (this.cursor > 0 && this.pieces[this.cursor]!.before > i) this.cursor = 0;
    while (this.cursor < this.pieces.length) {
      const p = this.pieces[this.cursor]!;
      const area = p.duration === Infinity ? Infinity : ((p.from + p.to) / 2) * p.duration;
      if (i < p.before + area - 1e-9) {
        const x = i - p.before;
        if (x <= 0) return p.start;
        const k = p.duration === Infinity ? 0 : (p.to - p.from) / (2 * p.duration);
        if (Math.abs(k) < 1e-15) return p.start + x / p.from;
        const disc = p.from * p.from + 4 * k * x;
        return p.start + (2 * x) / (p.from + Math.sqrt(Math.max(0, disc)));
      }
      this.cursor++;
    }
    return Infinity;
  }

  /** areaBefore is the integral of the planned rate from t0 to `t` ms: arrivals due, before rounding to whole ones. */
  areaBefore(t: number): number {
    let area = 0;
    for (const p of this.pieces) {
      if (t <= p.start) break;
      const d = Math.min(t - p.start, p.duration);
      const rateAtD = p.duration === Infinity ? p.from : p.from + ((p.to - p.from) * d) / p.duration;
      area += ((p.from + rateAtD) / 2) * d;
    }
    return area;
  }

  /**
   * plannedRate is the rate the plan intends over its first `untilMs` ms, per second: the planned
   * arrivals (the integral of the rate) over the span, which ends early when `maxArrivals` is reached
   * — so `-r 50 -n 100` intends 50/s, whatever the run's elapsed time. It returns the span too, for
   * adding several schedules up.
   */
  plannedRate(untilMs: number): { area: number; spanMs: number } {
    let end = Math.min(untilMs, this.durationMs);
    if (this.total !== Infinity && this.areaBefore(end) > this.total) end = this.timeAt(this.total);
    return { area: this.areaBefore(end), spanMs: end };
  }

  /** dueBefore counts the arrivals due before `t` ms from t0 (the plan's own count, whatever ran). */
  dueBefore(t: number): number {
    if (t <= 0) return 0;
    // Exponential then binary search over i: timeOf is increasing.
    let hi = 1;
    while (hi < this.total && this.timeOf(hi) < t) hi *= 2;
    let lo = 0;
    hi = Math.min(hi, this.total);
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.timeOf(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    this.cursor = 0;
    return lo;
  }
}
