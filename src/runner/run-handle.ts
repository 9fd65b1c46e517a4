import type { Plan } from '../load/plan.js';
import { MergedMetrics } from '../metrics/merged-metrics.js';
import type { MetricsSnapshot } from '../metrics/registry.js';
import type { IntervalRow, RunResult } from '../metrics/run-result.js';
import { evaluateThresholds, type Threshold } from '../metrics/thresholds.js';
import type { Reporter } from '../report/reporter.js';

/** RunEvents are the typed events of a run, whatever runs it (worker threads or agents). */
export interface RunEvents {
  /** interval: one merged interval, and the totals so far. */
  interval: [row: IntervalRow, totals: MergedMetrics];
  /** rows: a batch of raw request rows from one worker (see RequestLog). */
  rows: [workerIndex: number, rows: Float64Array];
  /** started: every worker is ready and the run starts now (t0, this thread's clock). */
  started: [t0: number];
  /**
   * snapshot: one merged interval's raw metrics (encoded, exact), emitted with its row; only
   * encoded when someone listens (an agent forwarding intervals to its coordinator).
   */
  snapshot: [row: IntervalRow, snapshot: MetricsSnapshot];
  /** data: plain data a worker's scenario posted (ScenarioContext.post); local worker threads only. */
  data: [workerIndex: number, data: unknown];
}

/**
 * RunHandle is a run in progress: typed events (`interval`, `rows`, `started`, `snapshot`), `stop()`
 * (graceful: in-flight iterations get the grace period), `abort()` (at once) and `done`, the result.
 * Stopping never loses what was recorded: `done` still resolves to a complete result.
 */
export interface RunHandle {
  on<K extends keyof RunEvents>(event: K, listener: (...args: RunEvents[K]) => void): this;
  stop(): void;
  abort(): void;
  readonly done: Promise<RunResult>;
  readonly plan: Plan;
}

/** StartRunOptions attach reporters (live progress, files), thresholds and a finishing step to a run. */
export interface StartRunOptions {
  reporters?: readonly Reporter[];
  /**
   * thresholds are judged on the final result (their verdicts go into `result.thresholds`); those
   * marked abortOnFail are also judged every interval and stop the run when they fail.
   */
  thresholds?: readonly Threshold[];
  /**
   * finalize completes the result before thresholds are judged and the reporters see it (a script's
   * shutdown, a server's figures); it runs once, after the workers are done.
   */
  finalize?: (result: RunResult) => RunResult | Promise<RunResult>;
  /**
   * dedicated: this process exists to run this one load (the CLI's bench and run set it). Its
   * threads that keep no time yield the CPU to the workers', and V8's memory reducer is off: see
   * LocalRunnerOptions.dedicated. Off by default, since it changes the calling process for good. A
   * distributed run ignores it.
   */
  dedicated?: boolean;
}

/** Runner is what a RunHandle drives: LocalRunner (threads) or Coordinator (agents). */
export interface Runner {
  on<K extends keyof RunEvents>(event: K, listener: (...args: RunEvents[K]) => void): unknown;
  stop(): void;
  abort(): void;
}

/** applyThresholds evaluates thresholds over a result and attaches their verdicts. */
export function applyThresholds(result: RunResult, thresholds: readonly Threshold[]): RunResult {
  if (thresholds.length === 0) return result;
  const merged = MergedMetrics.fromSnapshot(result.metrics);
  const outcomes = evaluateThresholds(thresholds, merged, result.durationMs).map((t) => ({ metric: t.metric, expression: t.expression, actual: t.actual, ok: t.ok }));
  return { ...result, thresholds: outcomes };
}

/**
 * runHandle wires reporters, thresholds and `finalize` to a runner and returns its RunHandle; `run`
 * starts it. Every front door and both runners go through here, so a threshold means the same thing
 * everywhere.
 */
export function runHandle(runner: Runner, plan: Plan, options: StartRunOptions, run: () => Promise<RunResult>): RunHandle {
  const reporters = options.reporters ?? [];
  const thresholds = options.thresholds ?? [];
  let abortedBy: string | undefined;
  runner.on('started', (t0) => {
    for (const r of reporters) r.onStart?.(plan, t0);
  });
  const watched = thresholds.filter((t) => t.abortOnFail);
  runner.on('interval', (row, totals) => {
    if (watched.length > 0 && abortedBy === undefined) {
      const failed = evaluateThresholds(watched, totals, row.startMs + row.durationMs).find((t) => !t.ok && !Number.isNaN(t.actual));
      if (failed) {
        abortedBy = `${failed.metric} ${failed.expression}`;
        runner.stop();
      }
    }
    for (const r of reporters) r.onInterval?.(row, totals);
  });
  runner.on('rows', (worker, rows) => {
    for (const r of reporters) r.onRows?.(worker, rows);
  });
  const done = run().then(
    async (raw) => {
      let result = options.finalize ? await options.finalize(raw) : raw;
      result = applyThresholds(result, thresholds);
      if (abortedBy !== undefined && result.stopReason === 'interrupted') result = { ...result, stopReason: 'threshold', abortedBy };
      for (const r of reporters) await r.onEnd?.(result);
      return result;
    },
    async (err: unknown) => {
      for (const r of reporters) await r.onAbort?.(err);
      throw err;
    },
  );
  const handle: RunHandle = {
    plan,
    done,
    on(event, listener) {
      (runner.on as (e: string, l: (...args: unknown[]) => void) => unknown).call(runner, event, listener as (...args: unknown[]) => void);
      return handle;
    },
    stop: () => runner.stop(),
    abort: () => runner.abort(),
  };
  return handle;
}
