import type { FailureKind } from '../core/failure-kinds.js';
import type { GeneratorLoad } from './generator-load.js';
import type { TrendSummary } from './histogram.js';
import type { GaugeValue, MetricsSnapshot } from './registry.js';
import type { RunShape, StepFigures } from './run-shape.js';

/** RESULT_FORMAT names the JSON result format; RESULT_VERSION changes when a field changes meaning. */
export const RESULT_FORMAT = 'gauntlet.run';
export const RESULT_VERSION = 2;

/** IntervalRow is one interval of the time series, merged over every worker. */
export interface IntervalRow {
  readonly index: number;
  /** startMs from the run's start. */
  readonly startMs: number;
  readonly durationMs: number;
  readonly counters: Record<string, number>;
  /** summaries of the untagged trends (http_req_duration, ...) over this interval alone. */
  readonly trends: Record<string, TrendSummary>;
  /**
   * gauges over this interval, added over every worker and agent: `vus` (closed: users in an
   * iteration or thinking; open: iterations in flight) and `iterations_queued` (open model), each
   * its value at the interval's end and the most within it.
   */
  readonly gauges?: Record<string, GaugeValue>;
}

/** ErrorSampleSummary is one kind of exception from user code, counted over the run. */
export interface ErrorSampleSummary {
  readonly message: string;
  readonly count: number;
  readonly stack: string;
}

/**
 * FailureSummary is one underlying message of one failure kind over the run (`refused`,
 * `connect ECONNREFUSED 127.0.0.1:9`, 120), with a hint when the cause is recognisable. A kind's
 * counts add up to its `http_req_failed{kind:K}`; past a few messages per kind the rest are counted
 * under `(other messages)`.
 */
export interface FailureSummary {
  readonly kind: FailureKind;
  readonly message: string;
  readonly count: number;
  readonly hint?: string;
}

/** ThresholdOutcome is one threshold's verdict. */
export interface ThresholdOutcome {
  readonly metric: string;
  readonly expression: string;
  readonly actual: number;
  readonly ok: boolean;
}

/**
 * RunResult is everything a run produced, serializable and versioned: the whole merged metrics
 * (counters and encoded HDR histograms, so a report can be re-rendered or merged later), the
 * interval series and what the plan was. Every renderer is a pure function of it.
 */
export interface RunResult {
  readonly format: typeof RESULT_FORMAT;
  readonly version: typeof RESULT_VERSION;
  readonly label: string;
  /** startedAt is the wall-clock start (ISO 8601), for people; durations never come from it. */
  readonly startedAt: string;
  readonly durationMs: number;
  /**
   * stopReason: `threshold` means a threshold marked abortOnFail failed and stopped the run early;
   * `failures` that the run stopped at the number of unexpected results it was told to wait for
   * (a durability run's `--until-failures N`).
   */
  readonly stopReason: 'completed' | 'interrupted' | 'aborted' | 'failed' | 'threshold' | 'failures';
  /** error says why a run failed (stopReason 'failed'). */
  readonly error?: string;
  /** incomplete says why a run that went on to its end did not run all of its plan (an agent lost with --on-agent-loss continue). */
  readonly incomplete?: string;
  readonly model: 'closed' | 'open';
  readonly workers: number;
  readonly intervalMs: number;
  readonly plannedDurationMs?: number;
  readonly plannedIterations?: number;
  /** rate is the open model's intended and achieved arrival rate, per second. */
  readonly rate?: { readonly intended: number; readonly achieved: number };
  /** metrics are the run's totals: counters and encoded histograms, exactly merged. */
  readonly metrics: MetricsSnapshot;
  /** summary holds every trend's summary, derived from `metrics` for readers of the JSON. */
  readonly summary: Record<string, TrendSummary>;
  readonly intervals: readonly IntervalRow[];
  readonly errors: readonly ErrorSampleSummary[];
  /** failures: what failed requests said, per failure kind (absent in results of older versions). */
  readonly failures?: readonly FailureSummary[];
  readonly thresholds?: readonly ThresholdOutcome[];
  /** abortedBy names the threshold that stopped the run early (stopReason `threshold`). */
  readonly abortedBy?: string;
  /** shape is the planned shape (users, connections, steps); steps measure each planned step (interval-based). */
  readonly shape?: RunShape;
  readonly steps?: readonly StepFigures[];
  /**
   * generator is what the generator measured of its own load (generator_* metrics, merged over
   * workers and agents) and whether it was saturated; absent in results written before it existed.
   */
  readonly generator?: GeneratorLoad;
  /** sections hold each front door's own typed data (a script's shutdown, durability figures, agents). */
  readonly sections?: Partial<ResultSections>;
}

/**
 * ResultSections maps a section name to its typed data. It is empty here: the layer that produces a
 * section (a scenario plugin, the distributed coordinator) adds it by declaration merging, so results
 * stay typed without this layer knowing its front doors. Renderers of a section live beside it.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ResultSections {}
