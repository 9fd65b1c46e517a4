import { percentileOf, shareAtOrAbove } from './histogram.js';
import type { MergedMetrics } from './merged-metrics.js';
import type { IntervalRow } from './run-result.js';

/** BUSY_ELU: a worker whose event loop was busy this share of an interval (or more) was saturated in it. */
export const BUSY_ELU = 0.9;
/**
 * BUSY_SHARE: a run whose workers were saturated in more than this share of their intervals has
 * figures that are the generator's own limits (the warning; `--max-generator-load F` is the same
 * rule with F for BUSY_ELU: `generator_elu p(80)<F`).
 */
export const BUSY_SHARE = 0.2;
/** BUSY_PERCENTILE is the percentile of generator_elu that says it: more than BUSY_SHARE at or above a bound ⇔ p(80) at or above it. */
export const BUSY_PERCENTILE = 100 * (1 - BUSY_SHARE);
/**
 * LATE_P99_MS: the generator's timers firing this late (or later) at p99 means its own delay reaches
 * the p99 latency a user reads, whether its loop was busy or its thread waited for a CPU (`late`).
 */
export const LATE_P99_MS = 20;

/**
 * GeneratorLoad is what the generator measured of itself over a run (the `generator` field of the
 * JSON result): each worker thread records, per interval, its event loop's utilization
 * (`generator_elu`, 0–1) and its thread's CPU time per wall time (`generator_cpu`, a share of one
 * core; absent where the platform cannot tell a thread's CPU), and how late its timers fired
 * against their schedule (`generator_lateness`, ms: a 10 ms probe timer, and in the open model the
 * arrival schedule's own timer). Merged exactly over workers and agents like every trend.
 */
export interface GeneratorLoad {
  /** samples: the worker-intervals measured (one per worker thread per interval). */
  readonly samples: number;
  /** elu: the event loop's utilization per worker-interval: mean, the p(80) the rule reads, and the most. */
  readonly elu: { readonly mean: number; readonly p80: number; readonly max: number };
  /** busyShare: the share of worker-intervals whose utilization was BUSY_ELU or more. */
  readonly busyShare: number;
  /** cpu: the worker thread's CPU per wall time (a share of one core); absent where it cannot be read. */
  readonly cpu?: { readonly mean: number; readonly max: number };
  /** lateness: how late the generator's timers fired, ms. */
  readonly lateness?: { readonly p99: number; readonly max: number };
  /**
   * saturated: more than BUSY_SHARE of the worker-intervals were BUSY_ELU busy (elu.p80 ≥ BUSY_ELU):
   * throughput is then the generator's limit and latency holds the generator's own delay.
   */
  readonly saturated: boolean;
  /**
   * late: the timers fired LATE_P99_MS late or more at p99, so the generator's own delay is in the
   * latency percentiles: a saturated loop, or a thread that waited for a CPU (a busy machine).
   */
  readonly late: boolean;
}

/** generatorLoadOf reads the generator_* trends of a run's merged metrics; undefined when none was recorded. */
export function generatorLoadOf(metrics: MergedMetrics): GeneratorLoad | undefined {
  const elu = metrics.summary('generator_elu');
  if (elu === undefined || elu.count === 0) return undefined;
  const { h, scale } = metrics.histogram('generator_elu');
  const p80 = percentileOf(h, scale, BUSY_PERCENTILE);
  const cpu = metrics.summary('generator_cpu');
  const late = metrics.summary('generator_lateness');
  const lateness = late !== undefined && late.count > 0 ? { p99: late.p99, max: late.max } : undefined;
  return {
    samples: elu.count,
    elu: { mean: elu.mean, p80, max: elu.max },
    busyShare: shareAtOrAbove(h, scale, BUSY_ELU),
    ...(cpu !== undefined && cpu.count > 0 ? { cpu: { mean: cpu.mean, max: cpu.max } } : {}),
    ...(lateness !== undefined ? { lateness } : {}),
    saturated: p80 >= BUSY_ELU,
    late: lateness !== undefined && lateness.p99 >= LATE_P99_MS,
  };
}

/** intervalBusy says whether a worker was saturated in one merged interval (its busiest worker's utilization). */
export function intervalBusy(row: IntervalRow): boolean {
  const elu = row.trends['generator_elu'];
  return elu !== undefined && elu.count > 0 && elu.max >= BUSY_ELU;
}

/** intervalLate says whether the generator's timers were LATE_P99_MS late at p99 in one merged interval. */
export function intervalLate(row: IntervalRow): boolean {
  const late = row.trends['generator_lateness'];
  return late !== undefined && late.count > 0 && late.p99 >= LATE_P99_MS;
}
