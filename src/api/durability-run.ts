import { startRun, type RunHandle, type StartRunOptions } from './start-run.js';
import type { Plan } from '../load/plan.js';
import type { Reporter } from '../report/reporter.js';
import type { Threshold } from '../metrics/thresholds.js';
import { durabilityFigures, type DurabilityNames } from '../scenarios/durability/durability-figures.js';
import type { DurabilityScenarioSpec } from '../scenarios/durability/durability-scenario.js';
import { ServerWatch } from '../durability/server-watch.js';
import type { RunningServer } from '../durability/servers/server-adapter.js';

/** DEFAULT_SAMPLE_EVERY_MS is how often a watched server's process tree is read during a run. */
export const DEFAULT_SAMPLE_EVERY_MS = 200;

/** DurabilityRunOptions attach a server to watch, reporters and names to a durability run. */
export interface DurabilityRunOptions {
  /** server is sampled during the run (peak RSS, growth, restarts); the caller starts and stops it. */
  server?: RunningServer;
  reporters?: readonly Reporter[];
  /** thresholds are judged on the result as in every run (verdicts in `result.thresholds`; abortOnFail ones every interval). */
  thresholds?: readonly Threshold[];
  names?: DurabilityNames;
  /** sampleEveryMs: how often the server is sampled; default 200 ms (the JSON keeps one point per interval). */
  sampleEveryMs?: number;
  /**
   * start runs the plan: `startRun` (this machine's worker threads) by default; a run on agents passes
   * `startDistributedRun` bound to them. The server's watch, the figures and the thresholds stay here,
   * on the merged result, whichever runs the requests.
   */
  start?: (plan: Plan, options: StartRunOptions) => RunHandle;
}

/**
 * startDurabilityRun runs a durability plan through the engine (`startRun`, or `options.start`), sampling the server with
 * a ServerWatch when one is given; its `finalize` puts the durability figures (what the workers
 * recorded and the server's stats) into `sections.durability`, so `done`, the JSON file and every
 * reporter's onEnd see the same result.
 */
export function startDurabilityRun(plan: Plan, options: DurabilityRunOptions = {}): RunHandle {
  const spec = plan.parts[0]!.scenario as DurabilityScenarioSpec;
  const watch = options.server !== undefined ? new ServerWatch(options.server, options.sampleEveryMs ?? DEFAULT_SAMPLE_EVERY_MS, plan.intervalMs) : undefined;
  return (options.start ?? startRun)(plan, {
    reporters: [...(watch !== undefined ? [watch] : []), ...(options.reporters ?? [])],
    ...(options.thresholds !== undefined ? { thresholds: options.thresholds } : {}),
    finalize: async (result) => ({
      ...result,
      sections: { ...result.sections, durability: durabilityFigures(result, spec, options.names, await watch?.finish()) },
    }),
  });
}
