import type { Clock } from '../core/clock.js';
import type { Segment } from '../core/segments.js';
import type { MetricsRegistry } from '../metrics/registry.js';
import type { Scenario } from './scenario.js';

/** ExecutorContext is what an executor needs from its worker. */
export interface ExecutorContext {
  readonly scenario: Scenario;
  readonly segment: Segment;
  readonly clock: Clock;
  /** t0 is the run's common start on this thread's clock. */
  readonly t0: number;
  readonly metrics: MetricsRegistry;
  /** graceMs bounds how long in-flight iterations may finish after the end or a stop. */
  readonly graceMs: number;
}

/**
 * Executor runs one load model over a segment of the plan. `run` resolves when every user has
 * finished and closed; `stop` ends it early (no new iterations; in-flight ones get the grace period);
 * `abort` ends in-flight iterations at once. Both keep everything recorded so far.
 */
export interface Executor {
  run(): Promise<void>;
  stop(): void;
  abort(): void;
}
