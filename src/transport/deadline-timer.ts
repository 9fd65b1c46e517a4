/**
 * DeadlineTimer is a connection's one timer for per-request timeouts. `start(deadline)` records the
 * in-flight request's deadline and arms a timer only when none is armed for an earlier instant; when
 * the timer fires early (it carried an older deadline) it re-arms itself for what is left. So a
 * request moves no timer on the hot path, and `expired` runs once the current deadline has passed
 * while `active()` still says a request is in flight.
 */
export class DeadlineTimer {
  /** deadline is the in-flight request's deadline (performance.now() ms). */
  deadline = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = 0;
  private readonly active: () => boolean;
  private readonly expired: () => void;

  constructor(active: () => boolean, expired: () => void) {
    this.active = active;
    this.expired = expired;
  }

  /** start sets the deadline of a request sent now with `timeoutMs`. */
  start(now: number, timeoutMs: number): void {
    const deadline = now + timeoutMs;
    this.deadline = deadline;
    if (this.timer === null || this.timerAt > deadline) this.arm(timeoutMs, deadline);
  }

  /** clear stops the timer (the connection is closed). */
  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private readonly fire = (): void => {
    this.timer = null;
    if (!this.active()) return;
    const left = this.deadline - performance.now();
    if (left > 1) return this.arm(Math.ceil(left), this.deadline);
    this.expired();
  };

  private arm(ms: number, at: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(this.fire, ms);
    this.timer.unref();
    this.timerAt = at;
  }
}
