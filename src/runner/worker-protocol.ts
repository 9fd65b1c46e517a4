import type { Segment } from '../core/segments.js';
import type { Plan } from '../load/plan.js';
import type { ErrorSample } from '../load/scenario.js';
import type { FailureSample } from '../metrics/failure-samples.js';
import type { BucketTrend } from '../metrics/histogram.js';
import type { MetricsSnapshot } from '../metrics/registry.js';

/** WorkerInit is a worker's workerData: its plan and its exact share of it. */
export interface WorkerInit {
  readonly plan: Plan;
  readonly segment: Segment;
  readonly workerIndex: number;
}

/** ToWorker is every message the runner sends a worker (and, later, a coordinator an agent). */
export type ToWorker =
  | { readonly type: 'start'; readonly startEpochMs: number }
  | { readonly type: 'stop' }
  | { readonly type: 'abort' };

/**
 * FromWorker is every message a worker sends. Metrics travel only as interval snapshots: interval k
 * covers [t0 + k·interval, t0 + (k+1)·interval); the final snapshot covers the partial last one.
 */
export type FromWorker =
  /** ready: set up, waiting for the start; threads are the kernel ids of its threads that keep time (Linux). */
  | { readonly type: 'ready'; readonly threads?: readonly number[] }
  | { readonly type: 'snapshot'; readonly index: number; readonly snapshot: MetricsSnapshot<BucketTrend>; readonly final: boolean; readonly endMs: number }
  | { readonly type: 'rows'; readonly rows: Float64Array }
  | { readonly type: 'errors'; readonly samples: ErrorSample[] }
  /** failures: what the worker's failed requests said (sent once, beside the final snapshot). */
  | { readonly type: 'failures'; readonly samples: FailureSample[] }
  /** data: plain data the scenario posted for the main thread (ScenarioContext.post). */
  | { readonly type: 'data'; readonly data: unknown }
  | { readonly type: 'done' }
  | { readonly type: 'failed'; readonly message: string; readonly code?: string; readonly hint?: string; readonly exitCode?: number };
