import { globalIndex, shareOf, type Segment } from '../../core/segments.js';
import type { Counter, Gauge } from '../../metrics/registry.js';
import type { Executor, ExecutorContext } from '../executor.js';
import type { ClosedSpec, ClosedStep } from '../plan.js';
import type { VirtualUser } from '../scenario.js';

/** YIELD_EVERY makes a user that never waits on I/O let timers and messages run now and then (clock.defer). */
const YIELD_EVERY = 256;

/**
 * stepBudget is a worker's exact share of a step's `iterations`. The step's count is split over the
 * workers that have a user in it (the first min(count, users) segments), so the shares add up to the
 * count and a worker with no user of the step gets none. With fewer users than workers each of those
 * workers has one user and gets that user's share: floor(N/U), one more for the first N mod U users.
 */
function stepBudget(iterations: number, users: number, segment: Segment): number {
  const holders = Math.min(segment.count, users);
  return segment.index < holders ? shareOf(iterations, { index: segment.index, count: holders }) : 0;
}

interface Slot {
  user: VirtualUser | undefined;
  busy: boolean;
  sinceYield: number;
  cancelTimer: (() => void) | undefined;
  count: number;
  active: boolean;
  /** inVus: the user is counted in the `vus` gauge (it began the step and has not left it). */
  inVus: boolean;
  readonly globalIndex: number;
}

/**
 * UserLoopExecutor runs the closed model: in each step (a cycle such as 10:20:30 has three) its share
 * of the users loop — iteration, think time, iteration — until the step's iteration budget is spent
 * (exact across workers: a count shared by the worker's users, see stepBudget), its duration is
 * over, or the run is stopped. Users start spread evenly over the ramp-up, by global index, so the
 * workers interleave their starts. Users persist from step to step (a larger step adds users), so
 * at the end of a step before the last one its in-flight iterations are waited for; the end of the
 * last step ends the run like a stop: in-flight iterations get the grace period from that end, then
 * are aborted.
 */
export class UserLoopExecutor implements Executor {
  private readonly spec: ClosedSpec;
  private readonly ctx: ExecutorContext;
  private readonly slots: Slot[] = [];
  private readonly iterations: Counter;
  /** vus counts the users running an iteration or thinking (k6's `vus`), not those waiting for their ramp-up. */
  private readonly vus: Gauge;
  private stopped = false;
  private aborted = false;
  private wake: (() => void) | undefined;
  private inFlight = 0;
  /** endedAt is when the run ended (the last step's planned end, or a stop); the grace period counts from it. */
  private endedAt: number | undefined;

  constructor(spec: ClosedSpec, ctx: ExecutorContext) {
    this.spec = spec;
    this.ctx = ctx;
    this.iterations = ctx.metrics.counter('iterations');
    this.vus = ctx.metrics.gauge('vus');
  }

  async run(): Promise<void> {
    let stepStart = this.ctx.t0;
    try {
      for (const [k, step] of this.spec.steps.entries()) {
        if (this.stopped) break;
        await this.runStep(step, stepStart, k === this.spec.steps.length - 1);
        stepStart = this.ctx.clock.now();
      }
      await this.drain();
    } finally {
      await Promise.all(this.slots.map((s) => s.user?.close()));
      await this.ctx.scenario.close?.();
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.endedAt ??= this.ctx.clock.now();
    this.ctx.scenario.ending?.();
    for (const s of this.slots) {
      s.cancelTimer?.();
      s.cancelTimer = undefined;
    }
    this.wakeStep();
    this.wake?.();
  }

  abort(): void {
    this.stop();
    this.aborted = true;
    for (const s of this.slots) if (s.busy) s.user?.abort();
  }

  private runStep(step: ClosedStep, stepStart: number, last: boolean): Promise<void> {
    const { segment, clock } = this.ctx;
    const localUsers = shareOf(step.users, segment);
    let budget = step.iterations === undefined ? Infinity : stepBudget(step.iterations, step.users, segment);
    const perUser = step.iterationsPerUser ?? Infinity;
    const stepEnd = step.durationMs === undefined ? Infinity : stepStart + step.durationMs;
    let running = 0;

    return new Promise<void>((resolve) => {
      const finishUser = (slot: Slot) => {
        if (!slot.active) return;
        slot.active = false;
        if (slot.inVus) {
          slot.inVus = false;
          this.vus.add(-1);
        }
        if (--running === 0) {
          cancelEnd();
          resolve();
        }
      };
      /** more says whether the user may start another iteration in this step. */
      const more = (slot: Slot) => slot.active && !this.stopped && budget > 0 && slot.count < perUser && clock.now() < stepEnd;
      const next = (slot: Slot) => {
        if (!more(slot)) return finishUser(slot);
        budget--;
        slot.count++;
        slot.busy = true;
        this.inFlight++;
        slot.user!.run(clock.now(), (began = true) => done(slot, began));
      };
      const done = (slot: Slot, began: boolean) => {
        slot.busy = false;
        this.inFlight--;
        if (began) this.iterations.value++;
        if (this.inFlight === 0) this.wake?.();
        // A user that will not start another iteration (the step or the run is over, or its count is
        // spent) leaves at once: think time is a gap between iterations, not a wait after the last.
        if (!more(slot)) return finishUser(slot);
        if (this.spec.thinkMs > 0) {
          slot.cancelTimer = clock.setTimer(() => {
            slot.cancelTimer = undefined;
            next(slot);
          }, this.spec.thinkMs);
        } else if (++slot.sinceYield >= YIELD_EVERY) {
          slot.sinceYield = 0;
          clock.defer(() => next(slot));
        } else next(slot);
      };
      const begin = async (slot: Slot) => {
        slot.cancelTimer = undefined;
        if (this.stopped) return finishUser(slot);
        try {
          slot.user ??= await this.ctx.scenario.createUser(slot.globalIndex);
        } catch (err) {
          finishUser(slot);
          throw err;
        }
        if (slot.active && !slot.inVus) {
          slot.inVus = true;
          this.vus.add(1);
        }
        next(slot);
      };
      // At the step's end, users sleeping in think time (or waiting for their ramp-up) leave at once.
      // Busy ones finish their iteration: before the last step's end they are still users of the next
      // step, so the step waits for them; the last step's end ends the run as a stop does, and leaves
      // them to drain() and its grace period from this end. (A user still being created leaves once
      // it is, so that it is closed with the others.)
      const cancelEnd =
        stepEnd === Infinity
          ? () => {}
          : clock.setTimer(() => {
              if (last) {
                this.endedAt ??= stepEnd;
                this.ctx.scenario.ending?.();
              }
              for (const s of this.slots) {
                if (s.active && (s.cancelTimer !== undefined || (last && s.busy))) {
                  s.cancelTimer?.();
                  s.cancelTimer = undefined;
                  finishUser(s);
                }
              }
            }, stepEnd - clock.now());
      // A stop ends the step at once; in-flight iterations are left to drain() and its grace period.
      this.wakeStep = () => {
        for (const s of this.slots) if (s.active) finishUser(s);
      };

      if (localUsers === 0) return resolve();
      for (let k = 0; k < localUsers; k++) {
        const slot = this.slot(k, globalIndex(k, segment));
        slot.count = 0;
        slot.active = true;
        running++;
        const delay = this.spec.rampUpMs > 0 ? stepStart + (slot.globalIndex / step.users) * this.spec.rampUpMs - clock.now() : 0;
        if (delay > 0) slot.cancelTimer = clock.setTimer(() => void begin(slot).catch(this.fail), delay);
        else void begin(slot).catch(this.fail);
      }
    });
  }

  /** wakeStep lets a stop end the current step at once. */
  private wakeStep: () => void = () => {};

  private readonly fail = (err: unknown): void => {
    this.failure ??= err;
    this.stop();
  };
  private failure: unknown;

  private slot(k: number, g: number): Slot {
    let s = this.slots[k];
    if (s === undefined) {
      s = { user: undefined, busy: false, sinceYield: 0, cancelTimer: undefined, count: 0, active: false, inVus: false, globalIndex: g };
      this.slots[k] = s;
    }
    return s;
  }

  /**
   * drain waits for in-flight iterations after the end or a stop, up to the grace period counted
   * from that end, then aborts them.
   */
  private async drain(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (this.inFlight === 0) return;
    const { clock, graceMs } = this.ctx;
    const graceEnd = (this.endedAt ?? clock.now()) + graceMs;
    await new Promise<void>((resolve) => {
      const cancel = clock.setTimer(() => {
        for (const s of this.slots) if (s.busy) s.user?.abort();
      }, this.aborted ? 0 : Math.max(0, graceEnd - clock.now()));
      this.wake = () => {
        if (this.inFlight === 0) {
          cancel();
          resolve();
        }
      };
      this.wake();
    });
  }
}
