import { startRun, type RunHandle, type StartRunOptions } from './start-run.js';
import type { Plan } from '../load/plan.js';
import type { Reporter } from '../report/reporter.js';
import type { Threshold } from '../metrics/thresholds.js';
import { durabilityFigures, type DurabilityNames } from '../scenarios/durability/durability-figures.js';
import type { DurabilityScenarioSpec } from '../scenarios/durability/durability-scenario.js';
import { ServerWatch } from '../durability/server-watch.js';
import type { RunningServer } from '../durability/servers/server-adapter.js';
import type { RunResult } from '../metrics/run-result.js';
import { DURABILITY_METRICS } from '../scenarios/durability/durability-scenario.js';
import { buildUnexpectedList, isUnexpectedPost, notCollected, type UnexpectedResult } from '../scenarios/durability/unexpected-results.js';
import { probeRecovery } from '../durability/recovery-probe.js';

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
  const server = options.server;
  const watch = server !== undefined ? new ServerWatch(server, options.sampleEveryMs ?? DEFAULT_SAMPLE_EVERY_MS, plan.intervalMs) : undefined;
  const posts: UnexpectedResult[][] = [];
  let t0: number | undefined;
  let gotData = false;
  let stoppedForFailures = false;
  const limit = spec.untilFailures;
  const finalize = async (result: RunResult): Promise<RunResult> => {
    const stats = await watch?.finish();
    const open = (result.metrics.counters[DURABILITY_METRICS.openOutages] ?? 0) > 0;
    const start = t0 ?? performance.now() - result.durationMs;
    // A run that ended while its requests failed: did the server come back? (Not if its tree is gone.)
    const probe = open && stats?.aliveAtEnd !== false ? await probeRecovery(spec.target, server !== undefined ? { gone: async () => (await server.sample()).processes === 0 } : {}) : undefined;
    const unexpected = result.metrics.counters['http_req_failed'] ?? 0;
    const list = gotData || unexpected === 0 || options.start === undefined ? buildUnexpectedList(posts, unexpected, server?.logLines?.() ?? [], start) : notCollected(unexpected);
    const reached = limit !== undefined && unexpected >= limit && (result.stopReason === 'completed' || (result.stopReason === 'interrupted' && stoppedForFailures));
    return {
      ...result,
      ...(reached ? { stopReason: 'failures' as const } : {}),
      sections: {
        ...result.sections,
        durability: durabilityFigures(result, spec, options.names, stats, {
          ...(probe !== undefined ? { probe: probe.answered ? { answered: true, atMs: probe.answeredAt - start } : { answered: false, atMs: performance.now() - start, lastKind: probe.lastKind } } : {}),
          unexpectedList: list,
          ...(limit !== undefined ? { untilFailures: limit } : {}),
        }),
      },
    };
  };
  const handle = (options.start ?? startRun)(plan, {
    reporters: [...(watch !== undefined ? [watch] : []), ...(options.reporters ?? [])],
    ...(options.thresholds !== undefined ? { thresholds: options.thresholds } : {}),
    finalize,
  });
  handle.on('started', (at) => (t0 = at));
  handle.on('data', (_worker, data) => {
    if (!isUnexpectedPost(data)) return;
    gotData = true;
    posts.push([...data.items]);
  });
  // Each worker stops itself at its N-th unexpected result; this stops the others (agents) once the merged count gets there.
  if (limit !== undefined) {
    handle.on('interval', (_row, totals) => {
      if (!stoppedForFailures && totals.count('http_req_failed') >= limit) {
        stoppedForFailures = true;
        handle.stop();
      }
    });
  }
  return handle;
}
