import { availableParallelism } from 'node:os';
import type { Plan } from '../load/plan.js';
import { LocalRunner, type RunEvents } from '../runner/local-runner.js';
import type { RunResult } from '../metrics/run-result.js';
import type { Reporter } from '../report/reporter.js';

/**
 * RunHandle is a run in progress: typed events (`interval`, `rows`, `started`), `stop()` (graceful:
 * in-flight iterations get the grace period), `abort()` (at once) and `done`, the result. Stopping
 * never loses what was recorded: `done` still resolves to a complete result.
 */
export interface RunHandle {
  on<K extends keyof RunEvents>(event: K, listener: (...args: RunEvents[K]) => void): this;
  stop(): void;
  abort(): void;
  readonly done: Promise<RunResult>;
  readonly plan: Plan;
}

/** StartRunOptions attach reporters (live progress, files) to a run. */
export interface StartRunOptions {
  reporters?: readonly Reporter[];
  /**
   * finalize completes the result before the reporters see it (thresholds, a script's shutdown,
   * a server's figures); it runs once, after the workers are done.
   */
  finalize?: (result: RunResult) => RunResult | Promise<RunResult>;
}

/** defaultWorkers is one worker thread per core. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/**
 * startRun runs a Plan on this machine's worker threads and reports to the given reporters:
 * `onStart` before the first interval, `onInterval` per merged interval, `onRows` per raw batch,
 * `onEnd` with the result (awaited before `done` resolves, so files are whole when it does).
 */
export function startRun(plan: Plan, options: StartRunOptions = {}): RunHandle {
  const runner = new LocalRunner(plan);
  return runHandle(runner, plan, options, () => runner.run());
}

/** Runner is what a RunHandle drives: LocalRunner (threads) or Coordinator (agents). */
export interface Runner {
  on<K extends keyof RunEvents>(event: K, listener: (...args: RunEvents[K]) => void): unknown;
  stop(): void;
  abort(): void;
}

/** runHandle wires reporters and `finalize` to a runner and returns its RunHandle; `run` starts it. */
export function runHandle(runner: Runner, plan: Plan, options: StartRunOptions, run: () => Promise<RunResult>): RunHandle {
  const reporters = options.reporters ?? [];
  runner.on('started', (t0) => {
    for (const r of reporters) r.onStart?.(plan, t0);
  });
  runner.on('interval', (row, totals) => {
    for (const r of reporters) r.onInterval?.(row, totals);
  });
  runner.on('rows', (worker, rows) => {
    for (const r of reporters) r.onRows?.(worker, rows);
  });
  const done = run().then(
    async (raw) => {
      const result = options.finalize ? await options.finalize(raw) : raw;
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
