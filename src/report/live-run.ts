import { planDurationMs, planModel, plannedIterations, type Plan } from '../load/plan.js';
import { runShapeOf } from '../load/run-shape-of.js';
import type { MergedMetrics } from '../metrics/merged-metrics.js';
import { RESULT_FORMAT, RESULT_VERSION, type IntervalRow, type RunResult } from '../metrics/run-result.js';
import { evaluateThresholds, type Threshold } from '../metrics/thresholds.js';
import { buildRunView, seriesPoint, type RunViewOptions } from './dashboard-view.js';
import type { PointEvent, RunView } from './page-model.js';
import type { PlanInfo } from './reporter.js';

/**
 * LiveRun is one run as the dashboard follows it: the interval rows so far and the latest totals
 * (the runner's own merge, read when a view is asked for, never copied per interval). Its views are
 * buildRunView's over a result made of what has run so far, with the thresholds judged on the totals.
 */
export class LiveRun {
  readonly id: string;
  private readonly plan: PlanInfo;
  private readonly thresholds: readonly Threshold[];
  private readonly startedAt = new Date().toISOString();
  private readonly rows: IntervalRow[] = [];
  private totals: MergedMetrics | undefined;
  /** final is the run's view once it ended (its RunResult's). */
  final: RunView | undefined;

  constructor(id: string, plan: PlanInfo, thresholds: readonly Threshold[] = []) {
    this.id = id;
    this.plan = plan;
    this.thresholds = thresholds;
  }

  private get fullPlan(): Plan | undefined {
    return 'parts' in this.plan ? (this.plan as Plan) : undefined;
  }

  /** add takes one merged interval and the totals so far; it returns the point event to send. */
  add(row: IntervalRow, totals: MergedMetrics): () => PointEvent {
    this.rows.push(row);
    this.totals = totals;
    return () => {
      const view = this.view();
      const { series: _series, ...rest } = view;
      return { run: this.id, point: seriesPoint(row, totals.counters['http_reqs'] !== undefined, this.model() === 'open'), view: rest };
    };
  }

  private model(): 'open' | 'closed' {
    const plan = this.fullPlan;
    return plan !== undefined ? planModel(plan) : 'closed';
  }

  /** result is what has run so far, as a RunResult (histograms left out: the view reads the totals' own). */
  result(): RunResult {
    const totals = this.totals;
    const last = this.rows[this.rows.length - 1];
    const durationMs = last === undefined ? 0 : last.startMs + last.durationMs;
    const plan = this.fullPlan;
    const trends: RunResult['metrics']['trends'] = {};
    for (const k of totals?.trendKeys() ?? []) trends[k] = { scale: totals!.histogram(k).scale, data: '' };
    const thresholds = totals !== undefined && this.thresholds.length > 0 ? evaluateThresholds(this.thresholds, totals, durationMs).map((t) => ({ metric: t.metric, expression: t.expression, actual: t.actual, ok: t.ok || Number.isNaN(t.actual) })) : undefined;
    const d = plan !== undefined ? planDurationMs(plan) : undefined;
    const n = plan !== undefined ? plannedIterations(plan) : undefined;
    return {
      format: RESULT_FORMAT,
      version: RESULT_VERSION,
      label: this.plan.label,
      startedAt: this.startedAt,
      durationMs,
      stopReason: 'completed',
      model: this.model(),
      workers: this.plan.workers,
      intervalMs: this.plan.intervalMs,
      ...(d !== undefined ? { plannedDurationMs: d } : {}),
      ...(n !== undefined ? { plannedIterations: n } : {}),
      metrics: { counters: { ...(totals?.counters ?? {}) }, trends, gauges: { ...(totals?.gauges ?? {}) } },
      summary: totals?.summaries() ?? {},
      intervals: this.rows,
      errors: [],
      ...(thresholds !== undefined ? { thresholds } : {}),
      ...(plan !== undefined ? { shape: runShapeOf(plan) } : {}),
    };
  }

  /** view is the run's view now: the final one once it ended, else the live one. */
  view(options: Omit<RunViewOptions, 'live' | 'id' | 'histogramOf'> = {}): RunView {
    if (this.final !== undefined) return this.final;
    const totals = this.totals;
    return buildRunView(this.result(), {
      ...options,
      id: this.id,
      live: true,
      histogramOf: (k) => (totals !== undefined && totals.trendKeys().includes(k) ? totals.histogram(k) : undefined),
    });
  }
}
