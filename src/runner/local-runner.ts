import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { epochToLocal, localToEpoch, systemClock } from '../core/clock.js';
import { GauntletError, type GauntletErrorCode, type ExitCode } from '../core/errors.js';
import { splitSegment, wholeSegment, type Segment } from '../core/segments.js';
import { planDurationMs, type Plan } from '../load/plan.js';
import type { ErrorSample } from '../load/scenario.js';
import { IntervalMerger } from '../metrics/interval-merger.js';
import type { BucketTrend } from '../metrics/histogram.js';
import type { MetricsSnapshot } from '../metrics/registry.js';
import type { FailureSample } from '../metrics/failure-samples.js';
import type { RunResult } from '../metrics/run-result.js';
import { buildRunResult } from './build-run-result.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.js';
import type { RunEvents } from './run-handle.js';
import { dedicateToLoad, lowerOtherThreads } from './thread-priority.js';

/** START_DELAY_MS leaves the workers time to receive the start before t0. */
const START_DELAY_MS = 30;

/**
 * WRAP_UP_MS is how long past its deadline (the grace after a stop or after the planned end) a
 * worker may take to send its final snapshot before the runner deems it stuck and terminates it.
 */
export const WRAP_UP_MS = 2000;

/** LocalRunnerOptions tune a LocalRunner. */
export interface LocalRunnerOptions {
  /**
   * startEpochMs gives the start instant (epoch ms, high resolution) instead of choosing one: a
   * function is called once every worker is ready (an agent waits there for its coordinator's start).
   */
  readonly startEpochMs?: number | (() => Promise<number>);
  /**
   * dedicated: this process exists to run this one load (the CLI's bench and run). Its threads that
   * keep no time (this one, V8's and libuv's helpers) then yield the CPU to the workers' and V8's
   * memory reducer is off (thread-priority.ts). Off by default: it changes the calling process for
   * good, and a thread inherits the nice value of the thread that starts it, so the workers of a
   * later run in the same process would start lowered too (why an agent, which runs many, leaves it off).
   */
  readonly dedicated?: boolean;
}

interface WorkerState {
  worker: Worker;
  index: number;
  ready: boolean;
  /** threads: the kernel ids of the worker's threads that keep time (from its ready). */
  threads: readonly number[];
  lastIndex: number;
  finished: boolean;
  done: boolean;
  /** gotDone: the worker said `done` (its thread then exits normally). */
  gotDone: boolean;
  /** crashed: the thread reported an uncaught error ('error' event). */
  crashed: boolean;
  /** stuck: the runner terminated the thread (it did not finish in time). */
  stuck: boolean;
  /** heardAt: when the worker last sent a message (a live worker sends a snapshot every interval). */
  heardAt: number;
}

/**
 * LocalRunner runs a Plan on worker threads: each worker gets its exact segment, they all start at
 * one instant, and their interval snapshots are merged exactly into one series and one total. It
 * is the seam a distributed coordinator replaces (agents in place of threads, the same messages).
 */
export class LocalRunner extends EventEmitter<RunEvents> {
  readonly plan: Plan;
  private readonly workers: WorkerState[] = [];
  private readonly merger: IntervalMerger;
  private readonly errorSamples = new Map<string, { count: number; stack: string }>();
  private readonly failureSamples: FailureSample[][] = [];
  private t0 = 0;
  private startedAt = '';
  private stopReason: RunResult['stopReason'] = 'completed';
  private failure: { message: string; code?: string; hint?: string; exitCode?: number } | undefined;
  private requested: 'stop' | 'abort' | undefined;
  private started = false;
  private watchdog: { at: number; timer: NodeJS.Timeout } | undefined;

  constructor(plan: Plan, segment: Segment = wholeSegment, options: LocalRunnerOptions = {}) {
    super();
    this.plan = plan;
    this.options = options;
    this.merger = new IntervalMerger(plan.intervalMs);
    this.segments = splitSegment(segment, plan.workers);
  }
  private readonly segments: Segment[];
  private readonly options: LocalRunnerOptions;

  /** run starts the workers and resolves with the result once all are done. */
  async run(): Promise<RunResult> {
    let readyAll!: () => void;
    const allReady = new Promise<void>((r) => (readyAll = r));
    const checkReady = () => {
      if (this.workers.length === this.plan.workers && this.workers.every((w) => w.ready || w.done)) readyAll();
    };
    if (this.options.dedicated) dedicateToLoad();
    const finished = Array.from({ length: this.plan.workers }, (_, i) => this.spawn(i, checkReady));
    await allReady;
    if (this.options.dedicated) lowerOtherThreads(new Set(this.workers.flatMap((w) => w.threads)));
    if (this.failure !== undefined && !this.started) {
      this.broadcast({ type: 'abort' });
      await Promise.all(finished);
      const f = this.failure;
      throw new GauntletError((f.code as GauntletErrorCode | undefined) ?? 'GAUNTLET_WORKER_FAILED', f.message, {
        ...(f.hint ? { hint: f.hint } : {}),
        ...(f.exitCode !== undefined ? { exitCode: f.exitCode as ExitCode } : {}),
      });
    }
    const given = this.options.startEpochMs;
    const startEpochMs = typeof given === 'function' ? await given() : given;
    this.t0 = startEpochMs !== undefined ? epochToLocal(startEpochMs) : systemClock.now() + START_DELAY_MS;
    this.startedAt = new Date(localToEpoch(this.t0)).toISOString();
    this.started = true;
    // A stop that came before the start is sent instead of the start: a worker that got the start
    // late (t0 already past) would otherwise begin iterations before it read the stop behind it.
    if (this.requested !== undefined) this.broadcast({ type: this.requested });
    else this.broadcast({ type: 'start', startEpochMs: localToEpoch(this.t0) });
    this.emit('started', this.t0);
    const plannedMs = planDurationMs(this.plan);
    if (plannedMs !== undefined) this.armWatchdog(this.t0 + plannedMs + this.plan.graceMs - systemClock.now(), `within the grace period (${this.plan.graceMs / 1000}s) after the planned end`);
    await Promise.all(finished);
    if (this.watchdog !== undefined) clearTimeout(this.watchdog.timer);
    this.flushIntervals(true);
    return this.result(systemClock.now() - this.t0);
  }

  /**
   * spawn starts worker i; the promise resolves when its thread has exited. A worker that exits
   * without its final snapshot (a crash) is closed off with an empty one, so the merge goes on.
   */
  private spawn(i: number, checkReady: () => void): Promise<void> {
    const segment = this.segments[i]!;
    const init: WorkerInit = { plan: this.plan, segment, workerIndex: segment.index };
    const worker = new Worker(new URL('./worker-main.js', import.meta.url), { workerData: init });
    const st: WorkerState = { worker, index: i, ready: false, threads: [], lastIndex: -1, finished: false, done: false, gotDone: false, crashed: false, stuck: false, heardAt: systemClock.now() };
    this.workers.push(st);
    return new Promise<void>((resolve) => {
      worker.on('message', (msg: FromWorker) => {
        st.heardAt = systemClock.now();
        this.onMessage(st, msg);
        if (msg.type === 'ready') checkReady();
        if (msg.type === 'done') {
          st.gotDone = true;
          void worker.terminate();
        }
      });
      worker.on('error', (err) => {
        st.crashed = true;
        this.fail({ message: `worker ${i} crashed: ${err.stack ?? err.message}` });
      });
      worker.on('exit', (code) => {
        // An exit without `done`, neither a crash nor our termination, is user code calling process.exit.
        if (!st.gotDone && !st.crashed && !st.stuck) this.fail({ message: `user code called process.exit(${code}) in worker ${i}` });
        st.done = true;
        if (!st.finished) this.addSnapshot(st, Math.max(0, st.lastIndex + 1), { counters: {}, trends: {} }, true, 0);
        resolve();
        checkReady();
      });
    });
  }

  /** stop ends the run early: no new iterations, in-flight ones get the grace period. */
  stop(): void {
    if (this.requested !== undefined) return;
    this.requested = 'stop';
    if (this.stopReason === 'completed') this.stopReason = 'interrupted';
    if (this.started) this.broadcast({ type: 'stop' });
    this.armWatchdog(this.plan.graceMs, `within the grace period (${this.plan.graceMs / 1000}s) after the stop`);
  }

  /** abort ends in-flight iterations at once; what was recorded is kept. */
  abort(): void {
    this.requested = 'abort';
    if (this.stopReason === 'completed' || this.stopReason === 'interrupted') this.stopReason = 'aborted';
    if (this.started) this.broadcast({ type: 'abort' });
    this.armWatchdog(0, 'after the abort');
  }

  /**
   * armWatchdog gives the workers until `inMs` from now to finish, unless an earlier deadline
   * stands. Past it, a worker that has said nothing for an interval plus WRAP_UP_MS is stuck — user
   * code that never yields its thread (a synchronous loop) and so cannot even hear a stop, nor send
   * its interval snapshots — and is terminated: what it reported so far is kept, and the run fails
   * naming it. A worker still talking is only slow (an iteration finishing) and is left alone.
   */
  private armWatchdog(inMs: number, why: string): void {
    const at = systemClock.now() + Math.max(0, inMs);
    if (this.watchdog !== undefined) {
      if (this.watchdog.at <= at) return;
      clearTimeout(this.watchdog.timer);
    }
    this.watchdog = { at, timer: this.watch(at - systemClock.now(), why) };
  }

  private watch(inMs: number, why: string): NodeJS.Timeout {
    const timer = setTimeout(() => {
      const now = systemClock.now();
      const silentMs = this.plan.intervalMs + WRAP_UP_MS;
      const running = this.workers.filter((w) => !w.done && !w.gotDone);
      const stuck = running.filter((w) => now - w.heardAt >= silentMs);
      if (stuck.length > 0) this.terminateStuck(stuck, why);
      if (running.length > stuck.length && this.watchdog !== undefined) this.watchdog.timer = this.watch(Math.min(silentMs, 1000), why);
    }, Math.max(0, inMs));
    timer.unref();
    return timer;
  }

  private terminateStuck(stuck: WorkerState[], why: string): void {
    const one = stuck.length === 1;
    const names = `${one ? 'worker' : 'workers'} ${stuck.map((w) => w.index).join(', ')}`;
    this.fail({ message: `${names} did not finish ${why}: ${one ? 'its' : 'their'} user code kept the thread busy (a loop that never awaits?), so ${one ? 'it was' : 'they were'} terminated; what ${one ? 'it' : 'they'} reported before is kept` });
    for (const w of stuck) {
      w.stuck = true;
      void w.worker.terminate();
    }
  }

  private broadcast(msg: ToWorker): void {
    for (const w of this.workers) if (!w.done) w.worker.postMessage(msg);
  }

  private fail(f: { message: string; code?: string; hint?: string; exitCode?: number }): void {
    this.failure ??= f;
    this.stopReason = 'failed';
    this.requested = 'stop';
    if (this.started) this.broadcast({ type: 'stop' });
    this.armWatchdog(this.plan.graceMs, `within the grace period (${this.plan.graceMs / 1000}s) after the stop`);
  }

  private onMessage(st: WorkerState, msg: FromWorker): void {
    switch (msg.type) {
      case 'ready':
        st.ready = true;
        st.threads = msg.threads ?? [];
        return;
      case 'rows':
        this.emit('rows', this.segments[st.index]!.index, msg.rows);
        return;
      case 'errors':
        for (const s of msg.samples) this.addSample(s);
        return;
      case 'failures':
        this.failureSamples.push(msg.samples);
        return;
      case 'data':
        this.emit('data', this.segments[st.index]!.index, msg.data);
        return;
      case 'failed':
        this.fail(msg);
        return;
      case 'done':
        return;
      case 'snapshot':
        this.addSnapshot(st, msg.index, msg.snapshot, msg.final, msg.endMs);
        return;
    }
  }

  private addSample(s: ErrorSample): void {
    const cur = this.errorSamples.get(s.message);
    if (cur) cur.count += s.count;
    else this.errorSamples.set(s.message, { count: s.count, stack: s.stack });
  }

  private addSnapshot(st: WorkerState, index: number, snap: MetricsSnapshot<BucketTrend>, final: boolean, endMs: number): void {
    this.merger.add(index, snap, endMs);
    if (final) st.finished = true;
    else st.lastIndex = index;
    this.flushIntervals(false);
  }

  /** flushIntervals emits every interval that all workers have reported, in order. */
  private flushIntervals(all: boolean): void {
    for (const { row, metrics } of this.merger.flush((k) => this.workers.every((w) => w.finished || w.lastIndex >= k), all)) {
      this.emit('interval', row, this.merger.totals);
      if (this.listenerCount('snapshot') > 0) this.emit('snapshot', row, metrics.toSnapshot());
    }
  }

  private result(durationMs: number): RunResult {
    return buildRunResult({
      plan: this.plan,
      startedAt: this.startedAt,
      durationMs,
      stopReason: this.stopReason,
      error: this.failure?.message,
      workers: this.plan.workers,
      totals: this.merger.totals,
      intervals: this.merger.rows,
      errors: [...this.errorSamples].map(([message, s]) => ({ message, count: s.count, stack: s.stack })),
      failures: this.failureSamples,
    });
  }
}
