import type { MergedMetrics } from '../metrics/merged-metrics.js';
import type { IntervalRow, RunResult } from '../metrics/run-result.js';

/** PlanInfo is what a reporter may read of the plan at the start (kept loose: report sits below load). */
export interface PlanInfo {
  readonly label: string;
  readonly intervalMs: number;
  readonly workers: number;
}

/**
 * Reporter is an optional hook set over one run: live progress, raw files, summaries. Every hook is
 * optional; `onEnd` may be async and is awaited, so a file reporter closes its file there.
 */
export interface Reporter {
  onStart?(plan: PlanInfo, t0: number): void;
  onInterval?(row: IntervalRow, totals: MergedMetrics): void;
  onRows?(workerIndex: number, rows: Float64Array): void;
  onEnd?(result: RunResult): Promise<void> | void;
  /** onAbort runs when the run could not start (a bad script, say); files are closed whole. */
  onAbort?(err: unknown): Promise<void> | void;
}
