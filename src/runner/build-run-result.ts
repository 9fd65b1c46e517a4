import { planDurationMs, planModel, plannedIterations, type Plan } from '../load/plan.js';
import { ArrivalSchedule } from '../load/open/arrival-schedule.js';
import { runShapeOf } from '../load/run-shape-of.js';
import { stepFigures } from '../metrics/run-shape.js';
import { generatorLoadOf } from '../metrics/generator-load.js';
import type { MergedMetrics } from '../metrics/merged-metrics.js';
import type { ErrorSampleSummary, IntervalRow, RunResult } from '../metrics/run-result.js';
import { RESULT_FORMAT, RESULT_VERSION } from '../metrics/run-result.js';
import { mergeFailureSamples, type FailureSample } from '../metrics/failure-samples.js';
import { withFailureHints } from '../report/failure-hints.js';

/** RunResultInput is what a runner (local or distributed) knows at the end of a run. */
export interface RunResultInput {
  readonly plan: Plan;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly stopReason: RunResult['stopReason'];
  readonly error?: string | undefined;
  readonly workers: number;
  readonly totals: MergedMetrics;
  readonly intervals: readonly IntervalRow[];
  readonly errors: readonly ErrorSampleSummary[];
  /** failures: the failure messages of each worker or agent, merged (and bounded) here. */
  readonly failures?: readonly (readonly FailureSample[])[];
  readonly sections?: RunResult['sections'];
}

/**
 * openRate is the open model's intended and achieved rate per second. Intended comes from the plan
 * alone: the planned arrivals (the integral of each schedule's rate) up to the end of the schedule
 * — or of the run, if it stopped early, or the arrival `-n` caps it at — per second of that span; so
 * `-r 50 -n 100` intends 50/s, and a lost agent or a slow finish does not change it. Achieved is the
 * iterations run per second of the whole run.
 */
export function openRate(plan: Plan, durationMs: number, iterations: number): RunResult['rate'] {
  let area = 0;
  let spanMs = 0;
  for (const p of plan.parts) {
    if (p.executor.kind !== 'open') continue;
    const e = p.executor;
    const planned = new ArrivalSchedule(e.startRate, e.stages, e.maxArrivals).plannedRate(Math.max(durationMs, 1));
    area += planned.area;
    spanMs = Math.max(spanMs, planned.spanMs);
  }
  return { intended: spanMs > 0 ? area / (spanMs / 1000) : 0, achieved: iterations / (Math.max(durationMs, 1) / 1000) };
}

/** buildRunResult assembles the RunResult every runner returns (the same rates and planned figures). */
export function buildRunResult(input: RunResultInput): RunResult {
  const { plan, totals, durationMs } = input;
  const model = planModel(plan);
  const rate = model === 'open' ? openRate(plan, durationMs, totals.counters['iterations'] ?? 0) : undefined;
  const plannedD = planDurationMs(plan);
  const plannedN = plannedIterations(plan);
  const failures = withFailureHints(mergeFailureSamples(input.failures ?? []));
  const shape = runShapeOf(plan);
  const generator = generatorLoadOf(totals);
  return {
    format: RESULT_FORMAT,
    version: RESULT_VERSION,
    label: plan.label,
    startedAt: input.startedAt,
    durationMs,
    stopReason: input.stopReason,
    ...(input.error !== undefined ? { error: input.error } : {}),
    model,
    workers: input.workers,
    intervalMs: plan.intervalMs,
    ...(plannedD !== undefined ? { plannedDurationMs: plannedD } : {}),
    ...(plannedN !== undefined ? { plannedIterations: plannedN } : {}),
    ...(rate ? { rate } : {}),
    metrics: totals.toSnapshot(),
    summary: totals.summaries(),
    intervals: input.intervals,
    errors: input.errors,
    ...(failures.length > 0 ? { failures } : {}),
    shape,
    ...(shape.steps.length >= 2 ? { steps: stepFigures(shape, input.intervals) } : {}),
    ...(generator !== undefined ? { generator } : {}),
    ...(input.sections !== undefined ? { sections: input.sections } : {}),
  };
}
