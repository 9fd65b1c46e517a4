import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { epochToLocal, localToEpoch, systemClock } from '../core/clock.js';
import { GauntletError, type GauntletErrorCode, type ExitCode } from '../core/errors.js';
import { splitSegment, wholeSegment, type Segment } from '../core/segments.js';
import type { Plan } from '../load/plan.js';
import type { ErrorSample } from '../load/scenario.js';
import { IntervalMerger } from '../metrics/interval-merger.js';
import type { MetricsSnapshot } from '../metrics/registry.js';
import type { RunResult } from '../metrics/run-result.js';
import { buildRunResult } from './build-run-result.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.js';
import type { RunEvents } from './run-handle.js';

/** START_DELAY_MS leaves the workers time to receive the start before t0. */
const START_DELAY_MS = 30;

/** LocalRunnerOptions tune a LocalRunner. */
export interface LocalRunnerOptions {
  /**
   * startEpochMs gives the start instant (epoch ms, high resolution) instead of choosing one: a
   * function is called once every worker is ready (an agent waits there for its coordinator's start).
   */
  readonly startEpochMs?: number | (() => Promise<number>);
}

interface WorkerState {
  worker: Worker;
  index: number;
  ready: boolean;
  lastIndex: number;
  finished: boolean;
  done: boolean;
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
  private t0 = 0;
  private startedAt = '';
  private stopReason: RunResult['stopReason'] = 'completed';
  private failure: { message: string; code?: string; hint?: string; exitCode?: number } | undefined;
  private requested: 'stop' | 'abort' | undefined;
  private started = false;

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
    const finished = Array.from({ length: this.plan.workers }, (_, i) => this.spawn(i, checkReady));
    await allReady;
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
    this.broadcast({ type: 'start', startEpochMs: localToEpoch(this.t0) });
    if (this.requested !== undefined) this.broadcast({ type: this.requested });
    this.emit('started', this.t0);
    await Promise.all(finished);
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
    const st: WorkerState = { worker, index: i, ready: false, lastIndex: -1, finished: false, done: false };
    this.workers.push(st);
    return new Promise<void>((resolve) => {
      worker.on('message', (msg: FromWorker) => {
        this.onMessage(st, msg);
        if (msg.type === 'ready') checkReady();
        if (msg.type === 'done') void worker.terminate();
      });
      worker.on('error', (err) => this.fail({ message: `worker ${i} crashed: ${err.stack ?? err.message}` }));
      worker.on('exit', () => {
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
  }

  /** abort ends in-flight iterations at once; what was recorded is kept. */
  abort(): void {
    this.requested = 'abort';
    if (this.stopReason === 'completed' || this.stopReason === 'interrupted') this.stopReason = 'aborted';
    if (this.started) this.broadcast({ type: 'abort' });
  }

  private broadcast(msg: ToWorker): void {
    for (const w of this.workers) if (!w.done) w.worker.postMessage(msg);
  }

  private fail(f: { message: string; code?: string; hint?: string; exitCode?: number }): void {
    this.failure ??= f;
    this.stopReason = 'failed';
    this.requested = 'stop';
    if (this.started) this.broadcast({ type: 'stop' });
  }

  private onMessage(st: WorkerState, msg: FromWorker): void {
    switch (msg.type) {
      case 'ready':
        st.ready = true;
        return;
      case 'rows':
        this.emit('rows', this.segments[st.index]!.index, msg.rows);
        return;
      case 'errors':
        for (const s of msg.samples) this.addSample(s);
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

  private addSnapshot(st: WorkerState, index: number, snap: MetricsSnapshot, final: boolean, endMs: number): void {
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
    });
  }
}
