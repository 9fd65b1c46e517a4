import type { IntervalRow } from './run-result.js';

/** ShapePart is one part of the plan as the reports need it: its users (closed) or its connections (open). */
export type ShapePart =
  | { readonly name: string; readonly kind: 'closed'; readonly users: readonly number[]; readonly rampUpMs: number }
  | { readonly name: string; readonly kind: 'open'; readonly connections: number };

/**
 * ShapeStep is one step of a cycle, the ramp-up or the steady part after it, or one stage of an
 * open schedule, as planned: its span from the run's start and its users or its target rate.
 */
export interface ShapeStep {
  readonly part: string;
  readonly label: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly users?: number;
  /** rate: arrivals per second at the step's start and end (open model). */
  readonly rate?: { readonly from: number; readonly to: number };
}

/** RunShape is the run's planned shape: the parts and, when the plan has them on a clock, its steps. */
export interface RunShape {
  readonly parts: readonly ShapePart[];
  readonly steps: readonly ShapeStep[];
}

/**
 * StepFigures are one step's measured figures, computed from the interval series over the step's
 * span (an interval belongs to the step its middle falls in). The latency figures are interval-based:
 * p50 is the request-weighted mean of the intervals' p50s and p99 the highest interval p99, not a
 * percentile over the step's requests (the intervals keep summaries, not histograms).
 */
export interface StepFigures extends ShapeStep {
  /** requests: HTTP requests (or iterations, in a run without HTTP) in the step's intervals. */
  readonly requests: number;
  readonly failed: number;
  readonly perSecond: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  /** vusMax: the most users (open: iterations in flight) in the step's intervals. */
  readonly vusMax?: number;
}

/** stepFigures measures every planned step over the intervals whose middle falls in its span. */
export function stepFigures(shape: RunShape, intervals: readonly IntervalRow[]): StepFigures[] {
  const http = intervals.some((r) => r.counters['http_reqs'] !== undefined);
  const countKey = http ? 'http_reqs' : 'iterations';
  const failKey = http ? 'http_req_failed' : 'iteration_errors';
  const trendKey = http ? 'http_req_duration' : 'iteration_duration';
  return shape.steps.map((step) => {
    let requests = 0;
    let failed = 0;
    let ms = 0;
    let p50Sum = 0;
    let p50Weight = 0;
    let p99: number | undefined;
    let vusMax: number | undefined;
    for (const r of intervals) {
      const mid = r.startMs + r.durationMs / 2;
      if (mid < step.startMs || mid >= step.endMs) continue;
      requests += r.counters[countKey] ?? 0;
      failed += r.counters[failKey] ?? 0;
      ms += r.durationMs;
      const t = r.trends[trendKey];
      if (t !== undefined && t.count > 0) {
        p50Sum += t.p50 * t.count;
        p50Weight += t.count;
        p99 = Math.max(p99 ?? 0, t.p99);
      }
      const g = r.gauges?.['vus'];
      if (g !== undefined) vusMax = Math.max(vusMax ?? 0, g.max);
    }
    return {
      ...step,
      requests,
      failed,
      perSecond: ms > 0 ? requests / (ms / 1000) : 0,
      ...(p50Weight > 0 ? { p50Ms: p50Sum / p50Weight } : {}),
      ...(p99 !== undefined ? { p99Ms: p99 } : {}),
      ...(vusMax !== undefined ? { vusMax } : {}),
    };
  });
}
