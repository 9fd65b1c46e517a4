import { formatCount } from '../core/units.js';
import type { Segment } from '../core/segments.js';
import type { Plan } from '../load/plan.js';
import type { MergedMetrics } from '../metrics/merged-metrics.js';
import type { ErrorSampleSummary, FailureSummary, IntervalRow, RunResult } from '../metrics/run-result.js';
import { buildRunResult } from '../runner/build-run-result.js';

/** AgentOutcome is what the coordinator knows of one agent: its share, its state and its counts. */
export interface AgentOutcome {
  readonly agentId: string;
  readonly host: string;
  readonly workers: number;
  readonly segment: Segment;
  /** state: `lost` when it went silent, `failed` when it reported a failure, `stopped` when it ended its share early (a stop signal). */
  state: 'running' | 'done' | 'failed' | 'lost' | 'stopped';
  /** counters are the agent's own totals, from the snapshots that arrived. */
  readonly counters: Record<string, number>;
  durationMs?: number;
  error?: string;
  errors?: readonly ErrorSampleSummary[];
  /** failures: what its failed requests said, from its `done` message. */
  failures?: readonly FailureSummary[];
  /** lostAtMs: when a lost agent was last heard from, in ms into the run (set with --on-agent-loss continue). */
  lostAtMs?: number;
}

/** DistributedResultInput is everything buildDistributedResult needs. */
export interface DistributedResultInput {
  readonly plan: Plan;
  readonly startEpochMs: number;
  /** fallbackDurationMs: the coordinator's own measure, used when no agent reported its duration. */
  readonly fallbackDurationMs: number;
  readonly totals: MergedMetrics;
  readonly intervals: readonly IntervalRow[];
  readonly agents: readonly AgentOutcome[];
  readonly stopReason: RunResult['stopReason'];
  readonly error?: string;
}

/**
 * buildDistributedResult builds a distributed run's RunResult the way LocalRunner builds a local
 * one (the same rates and planned figures), with the agents listed in `sections.agents`: id, host,
 * workers, segment, state and their own request counts, so a lost agent is named with what it sent.
 * The agents' failure messages are merged exactly and bounded again (see mergeFailureSamples).
 */
export function buildDistributedResult(input: DistributedResultInput): RunResult {
  const reported = input.agents.filter((a) => a.durationMs !== undefined && a.durationMs > 0).map((a) => a.durationMs!);
  const durationMs = reported.length > 0 ? Math.max(...reported) : Math.max(0, input.fallbackDurationMs);
  const errors = new Map<string, { count: number; stack: string }>();
  for (const a of input.agents)
    for (const e of a.errors ?? []) {
      const cur = errors.get(e.message);
      if (cur) cur.count += e.count;
      else errors.set(e.message, { count: e.count, stack: e.stack });
    }
  const result = buildRunResult({
    plan: input.plan,
    startedAt: new Date(input.startEpochMs).toISOString(),
    durationMs,
    stopReason: input.stopReason,
    error: input.error,
    workers: input.agents.reduce((s, a) => s + a.workers, 0),
    totals: input.totals,
    intervals: input.intervals,
    errors: [...errors].map(([message, s]) => ({ message, count: s.count, stack: s.stack })),
    failures: input.agents.map((a) => a.failures ?? []),
    sections: {
      agents: input.agents.map((a) => ({
        id: a.agentId,
        host: a.host,
        workers: a.workers,
        segment: `${a.segment.index}/${a.segment.count}`,
        state: a.state,
        iterations: a.counters['iterations'] ?? 0,
        requests: a.counters['http_reqs'] ?? 0,
        ...(a.durationMs !== undefined ? { durationMs: a.durationMs } : {}),
        ...(a.error !== undefined ? { error: a.error } : {}),
        ...(a.lostAtMs !== undefined ? { lostAtS: Math.round(a.lostAtMs / 100) / 10 } : {}),
      })),
    },
  });
  return withLosses(result, input.agents);
}

/**
 * withLosses marks a run that went on after losing agents (--on-agent-loss continue): each lost
 * agent's line says when it was lost and what did not run (its segment from then on; for a run bounded
 * by count, how many iterations were not done), and `incomplete` says it in words, so the summary
 * never calls such a run plainly complete. Thresholds were judged on what ran.
 */
function withLosses(result: RunResult, agents: readonly AgentOutcome[]): RunResult {
  const lost = agents.filter((a) => a.state === 'lost' && a.lostAtMs !== undefined);
  if (lost.length === 0 || result.stopReason === 'failed') return result;
  const planned = result.plannedIterations;
  const done = result.metrics.counters['iterations'] ?? 0;
  const notDone = planned !== undefined ? Math.max(0, planned - done) : undefined;
  const lines = result.sections!.agents!;
  for (const line of lines) {
    if (line.state !== 'lost' || line.lostAtS === undefined) continue;
    line.notRun = `segment ${line.segment} from ${line.lostAtS.toFixed(1)} s on`;
    if (notDone !== undefined && lost.length === 1) line.notDone = notDone;
  }
  const names = lost.map((a) => `${a.agentId} on ${a.host} (${((a.lostAtMs ?? 0) / 1000).toFixed(1)} s into the run, segment ${a.segment.index}/${a.segment.count})`).join(', ');
  const count = notDone !== undefined ? `; ${formatCount(notDone)} of ${formatCount(planned!)} planned iterations did not run` : '';
  return { ...result, incomplete: `lost ${lost.length === 1 ? 'agent' : 'agents'} ${names}; the run went on without ${lost.length === 1 ? 'it' : 'them'} (--on-agent-loss continue)${count}. The figures and thresholds cover what ran.` };
}
