import { systemClock, type Clock } from '../core/clock.js';

/** TIMER_CLOCK is systemClock with unref'd timers: an armed deadline never keeps a thread alive. */
const TIMER_CLOCK: Clock = {
  now: systemClock.now,
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return () => clearTimeout(t);
  },
  defer: systemClock.defer,
};

/**
 * DeadlineTimer is a connection's one timer for per-request timeouts. `start(deadline)` records the
 * in-flight request's deadline and arms a timer only when none is armed for an earlier instant; when
 * the timer fires early (it carried an older deadline) it re-arms itself for what is left. So a
 * request moves no timer on the hot path, and `expired` runs once the current deadline has passed
 * while `active()` still says a request is in flight.
 *
 * A timer runs before the I/O of its loop turn, so a generator too busy to keep up (tens of
 * thousands of connections) may see its timers late, with answers already waiting in the socket
 * buffers. A due timer therefore does not expire the request at once: it defers (setImmediate) to
 * after the pending I/O and expires it only if it is still in flight then, so an answer that had
 * arrived is never counted as a timeout because the generator was starved. `expired` receives how
 * late it runs past the deadline (ms), which the connection reports as the timeout's lateness.
 */
export class DeadlineTimer {
  /** deadline is the in-flight request's deadline (clock ms). */
  deadline = 0;
  private cancel: (() => void) | null = null;
  private timerAt = 0;
  private readonly active: () => boolean;
  private readonly expired: (lateMs: number) => void;
  private readonly clock: Clock;

  constructor(active: () => boolean, expired: (lateMs: number) => void, clock: Clock = TIMER_CLOCK) {
    this.active = active;
    this.expired = expired;
    this.clock = clock;
  }

  /** start sets the deadline of a request sent now with `timeoutMs`. */
  start(now: number, timeoutMs: number): void {
    const deadline = now + timeoutMs;
    this.deadline = deadline;
    if (this.cancel === null || this.timerAt > deadline) this.arm(timeoutMs, deadline);
  }

  /**
   * setDeadline makes `deadline` (clock ms) the in-flight request's deadline: for a pipelined
   * connection, whose oldest request changes as answers arrive.
   */
  setDeadline(deadline: number): void {
    this.deadline = deadline;
    if (this.cancel === null || this.timerAt > deadline) this.arm(Math.max(0, deadline - this.clock.now()), deadline);
  }

  /** clear stops the timer (the connection is closed). */
  clear(): void {
    if (this.cancel !== null) this.cancel();
    this.cancel = null;
  }

  private readonly fire = (): void => {
    this.cancel = null;
    if (!this.active()) return;
    const left = this.deadline - this.clock.now();
    if (left > 1) return this.arm(Math.ceil(left), this.deadline);
    // Let the I/O that is already waiting be read first (see the class comment).
    this.cancel = this.clock.defer(this.settle);
    this.timerAt = this.deadline;
  };

  private readonly settle = (): void => {
    this.cancel = null;
    if (!this.active()) return;
    const now = this.clock.now();
    const left = this.deadline - now;
    // A new request started while we deferred: wait for its own deadline.
    if (left > 1) return this.arm(Math.ceil(left), this.deadline);
    this.expired(Math.max(0, now - this.deadline));
  };

  private arm(ms: number, at: number): void {
    if (this.cancel !== null) this.cancel();
    this.cancel = this.clock.setTimer(this.fire, ms);
    this.timerAt = at;
  }
}
