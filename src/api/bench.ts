import { resolveBenchPlan, type BenchOptions } from '../scenarios/bench/bench-plan.js';
export { resolveBenchPlan, type BenchOptions };
import { startRun, type RunHandle, type StartRunOptions } from './start-run.js';

/**
 * bench starts `gauntlet bench` from code: it validates the options (throwing GauntletError on bad
 * input), runs the plan on worker threads and returns the run handle.
 */
export function bench(options: BenchOptions, runOptions: StartRunOptions = {}): RunHandle {
  return startRun(resolveBenchPlan(options), runOptions);
}
