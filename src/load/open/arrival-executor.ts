import { globalIndex, shareOf } from '../../core/segments.js';
import type { Counter } from '../../metrics/registry.js';
import type { Executor, ExecutorContext } from '../executor.js';
import type { OpenSpec } from '../plan.js';
import type { VirtualUser } from '../scenario.js';
import { ArrivalSchedule } from './arrival-schedule.js';

/**
 * ArrivalExecutor runs the open model. This worker owns the arrivals of its segment (i ≡ index mod
 * count), each due at t0 + schedule.timeOf(i). A due arrival goes to an idle user (users are created
 * on demand up to the worker's share of `connections`); when none is free it waits in a queue and
 * its latency still counts from its due time; past the queue's bound it is dropped and counted in
 * `dropped_iterations`. One timer, rescheduled to the next due arrival, drives everything.
 */
export class ArrivalExecutor implements Executor {
  private readonly spec: OpenSpec;
  private readonly ctx: ExecutorContext;
  private readonly schedule: ArrivalSchedule;
  private readonly maxUsers: number;
  private readonly maxQueue: number;
  private readonly users: VirtualUser[] = [];
  private readonly idle: VirtualUser[] = [];
  private readonly busy = new Set<VirtualUser>();
  private creating = 0;
  private queue: number[] = [];
  private queueHead = 0;
  private local = 0;
  private nextDue: number;
  private cancelTimer: (() => void) | undefined;
  private scheduling = true;
  private stopped = false;
  private readonly iterations: Counter;
  private readonly dropped: Counter;
  private finished: (() => void) | undefined;
  private failure: unknown;

  constructor(spec: OpenSpec, ctx: ExecutorContext) {
    this.spec = spec;
    this.ctx = ctx;
    this.schedule = new ArrivalSchedule(spec.startRate, spec.stages, spec.maxArrivals);
    this.maxUsers = Math.max(1, shareOf(spec.connections, ctx.segment));
    this.maxQueue = Math.max(0, shareOf(spec.maxQueue, ctx.segment));
    this.iterations = ctx.metrics.counter('iterations');
    this.dropped = ctx.metrics.counter('dropped_iterations');
    this.nextDue = this.dueOf(0);
  }

  async run(): Promise<void> {
    const ended = new Promise<void>((resolve) => (this.finished = resolve));
    this.tick();
    await ended;
    // After the schedule (or a stop), in-flight and queued arrivals get the grace period.
    await this.drain();
    await Promise.all(this.users.map((u) => u.close()));
    await this.ctx.scenario.close?.();
    if (this.failure !== undefined) throw this.failure;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    // Arrivals that were due but never sent are dropped, not lost.
    this.dropped.value += this.queue.length - this.queueHead;
    this.queue = [];
    this.queueHead = 0;
    this.endScheduling();
    this.checkDrained?.();
  }

  abort(): void {
    this.stop();
    for (const u of this.busy) u.abort();
  }

  private dueOf(local: number): number {
    return this.ctx.t0 + this.schedule.timeOf(globalIndex(local, this.ctx.segment));
  }

  private readonly tick = (): void => {
    this.cancelTimer = undefined;
    if (!this.scheduling) return;
    const now = this.ctx.clock.now();
    while (this.nextDue <= now) {
      this.dispatch(this.nextDue);
      this.nextDue = this.dueOf(++this.local);
    }
    if (this.nextDue === Infinity) return this.endScheduling();
    this.cancelTimer = this.ctx.clock.setTimer(this.tick, this.nextDue - now);
  };

  private endScheduling(): void {
    if (!this.scheduling) return;
    this.scheduling = false;
    this.cancelTimer?.();
    this.finished?.();
  }

  private dispatch(due: number): void {
    const u = this.idle.pop();
    if (u !== undefined) return this.start(u, due);
    if (this.users.length + this.creating < this.maxUsers) return this.create(due);
    if (this.queue.length - this.queueHead < this.maxQueue) this.queue.push(due);
    else this.dropped.value++;
  }

  private create(due: number): void {
    this.creating++;
    Promise.resolve(this.ctx.scenario.createUser(globalIndex(this.users.length + this.creating - 1, this.ctx.segment))).then(
      (u) => {
        this.creating--;
        this.users.push(u);
        this.start(u, due);
      },
      (err: unknown) => {
        this.creating--;
        this.failure ??= err;
        this.stop();
      },
    );
  }

  private start(u: VirtualUser, due: number): void {
    this.busy.add(u);
    u.run(due, () => this.done(u));
  }

  private done(u: VirtualUser): void {
    this.busy.delete(u);
    this.iterations.value++;
    if (this.queueHead < this.queue.length) {
      const due = this.queue[this.queueHead++]!;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      return this.start(u, due);
    }
    this.idle.push(u);
    this.checkDrained?.();
  }

  private checkDrained: (() => void) | undefined;

  private drain(): Promise<void> {
    return new Promise<void>((resolve) => {
      const cancel = this.ctx.clock.setTimer(() => {
        // Grace is over: what is still queued is dropped, what is in flight is aborted.
        this.stop();
        for (const u of this.busy) u.abort();
      }, this.ctx.graceMs);
      this.checkDrained = () => {
        if (this.busy.size === 0 && this.creating === 0 && this.queueHead >= this.queue.length) {
          cancel();
          this.checkDrained = undefined;
          resolve();
        }
      };
      this.checkDrained();
    });
  }
}
