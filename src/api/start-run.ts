import type { Plan } from '../load/plan.js';
import { LocalRunner } from '../runner/local-runner.js';
import { runHandle, type RunHandle, type StartRunOptions } from '../runner/run-handle.js';

export type { RunHandle, StartRunOptions };

/**
 * startRun runs a Plan on this machine's worker threads and reports to the given reporters:
 * `onStart` before the first interval, `onInterval` per merged interval, `onRows` per raw batch,
 * `onEnd` with the result (awaited before `done` resolves, so files are whole when it does).
 */
export function startRun(plan: Plan, options: StartRunOptions = {}): RunHandle {
  const runner = new LocalRunner(plan, undefined, { dedicated: options.dedicated === true });
  return runHandle(runner, plan, options, () => runner.run());
}

