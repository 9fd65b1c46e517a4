import { globalIndex, shareOf } from '../../core/segments.js';
import type { Counter, Gauge, Trend } from '../../metrics/registry.js';
import type { Executor, ExecutorContext } from '../executor.js';
import type { OpenSpec } from '../plan.js';
import type { VirtualUser } from '../scenario.js';
import { ArrivalSchedule } from './arrival-schedule.js';

/**
 * ArrivalExecutor runs the open model. This worker owns the arrivals of its segment (i ≡ index mod
 * count), each due at t0 + schedule.timeOf(i). A due arrival goes to an idle user (users are created
 * on demand up to the worker's share of `connections`); when none is free it waits in a queue and
 * its latency still counts from its due time; past the queue's bound it is dropped and counted in
 * `dropped_iterations`. One timer, rescheduled to the next due arrival, drives everything. After the
 * end, in-flight and queued arrivals get the grace period, counted from the schedule's planned end
 * (t0 + its length) when it ends by time, from the last arrival when a count ends it, or from a stop.
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
  /** vus counts the iterations in flight (k6's `vus` of an arrival-rate executor); queued those waiting for a free user. */
  private readonly vus: Gauge;
  private readonly queued: Gauge;
  /** lateness: how late each arrival was dispatched against its intended time (generator_lateness). */
  private readonly lateness: Trend;
  private finished: (() => void) | undefined;
  private failure: unknown;
  /** plannedEnd is t0 + the schedule's length when the schedule ends by time, not by a count. */
  private readonly plannedEnd: number | undefined;
  /** endedAt is when the schedule ended (its planned end, or the last arrival, or a stop); the grace period counts from it. */
  private endedAt = Infinity;
  /** armGrace (re)sets the grace timer of drain() to endedAt + graceMs. */
  private armGrace: (() => void) | undefined;

  constructor(spec: OpenSpec, ctx: ExecutorContext) {
    this.spec = spec;
    this.ctx = ctx;
    this.schedule = new ArrivalSchedule(spec.startRate, spec.stages, spec.maxArrivals);
    this.maxUsers = Math.max(1, shareOf(spec.connections, ctx.segment));
    this.maxQueue = Math.max(0, shareOf(spec.maxQueue, ctx.segment));
    this.iterations = ctx.metrics.counter('iterations');
    this.dropped = ctx.metrics.counter('dropped_iterations');
    this.vus = ctx.metrics.gauge('vus');
    this.queued = ctx.metrics.gauge('iterations_queued');
    this.lateness = ctx.metrics.trend('generator_lateness');
    this.nextDue = this.dueOf(0);
    const byTime = spec.maxArrivals === undefined || this.schedule.total < spec.maxArrivals;
    this.plannedEnd = byTime && this.schedule.durationMs < Infinity ? ctx.t0 + this.schedule.durationMs : undefined;
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
    // A stop while in-flight iterations wait for the planned end moves the start of their grace period to now.
    const now = this.ctx.clock.now();
    if (now < this.endedAt) {
      this.endedAt = now;
      this.armGrace?.();
    }
    // Arrivals that were due but never sent are dropped, not lost.
    this.dropped.value += this.queue.length - this.queueHead;
    this.queued.add(-(this.queue.length - this.queueHead));
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
      this.lateness.record(now - this.nextDue);
      this.dispatch(this.nextDue);
      this.nextDue = this.dueOf(++this.local);
    }
    if (this.nextDue === Infinity) return this.endScheduling();
    this.cancelTimer = this.ctx.clock.setTimer(this.tick, this.nextDue - now, true);
  };

  private endScheduling(): void {
    if (!this.scheduling) return;
    this.scheduling = false;
    if (!this.stopped) this.endedAt = this.plannedEnd ?? this.ctx.clock.now();
    this.cancelTimer?.();
    this.finished?.();
  }

  private dispatch(due: number): void {
    const u = this.idle.pop();
    if (u !== undefined) return this.start(u, due);
    if (this.users.length + this.creating < this.maxUsers) return this.create(due);
    if (this.queue.length - this.queueHead < this.maxQueue) {
      this.queue.push(due);
      this.queued.add(1);
    } else this.dropped.value++;
  }

  private create(due: number): void {
    this.creating++;
    // An arrival whose user is still being created is in flight already: its latency counts from now.
    this.vus.add(1);
    Promise.resolve(this.ctx.scenario.createUser(globalIndex(this.users.length + this.creating - 1, this.ctx.segment))).then(
      (u) => {
        this.creating--;
        this.vus.add(-1);
        this.users.push(u);
        this.start(u, due);
      },
      (err: unknown) => {
        this.creating--;
        this.vus.add(-1);
        this.failure ??= err;
        this.stop();
      },
    );
  }

  private start(u: VirtualUser, due: number): void {
    this.busy.add(u);
    this.vus.add(1);
    u.run(due, (began = true) => this.done(u, began));
  }

  private done(u: VirtualUser, began: boolean): void {
    this.busy.delete(u);
    this.vus.add(-1);
    if (began) this.iterations.value++;
    if (this.queueHead < this.queue.length) {
      const due = this.queue[this.queueHead++]!;
      this.queued.add(-1);
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
    const { clock, graceMs } = this.ctx;
    return new Promise<void>((resolve) => {
      let cancel = () => {};
      const graceOver = () => {
        // Grace is over: what is still queued is dropped, what is in flight is aborted.
        this.stop();
        for (const u of this.busy) u.abort();
      };
      this.armGrace = () => {
        cancel();
        cancel = clock.setTimer(graceOver, Math.max(0, this.endedAt + graceMs - clock.now()));
      };
      this.armGrace();
      this.checkDrained = () => {
        if (this.busy.size === 0 && this.creating === 0 && this.queueHead >= this.queue.length) {
          cancel();
          this.checkDrained = undefined;
          this.armGrace = undefined;
          resolve();
        }
      };
      this.checkDrained();
    });
  }
}
