import type { Clock } from '../core/clock.js';
import type { Segment } from '../core/segments.js';
import type { MetricsRegistry } from '../metrics/registry.js';
import type { RequestLog } from '../metrics/request-log.js';

/**
 * VirtualUser is one simulated user (a connection in `bench`, a TestCase instance in scripts, a
 * durability client). Executors own timing and call `run`; the user knows what an iteration is.
 */
export interface VirtualUser {
  /**
   * run performs one iteration and calls `done` exactly once when it is over (never synchronously
   * inside `run` for network work). `scheduledAt` is the intended start, performance.now() ms: in
   * open models the arrival's due time, so latency counts from it (coordinated omission).
   * `done(false)` says the iteration never began its work (a user sent home while it waited for a
   * connection at the run's end): it is not counted in `iterations`.
   */
  run(scheduledAt: number, done: (began?: boolean) => void): void;
  /** abort ends in-flight work at once (second Ctrl-C, grace over); `done` is still called. */
  abort(): void;
  /** close releases the user when it retires (its connection, a script's userStop). */
  close(): Promise<void> | void;
}

/** ScenarioContext is what a worker hands the scenario it builds. */
export interface ScenarioContext {
  readonly metrics: MetricsRegistry;
  readonly segment: Segment;
  /** workerIndex is this worker's global index (the CSV's `worker` column). */
  readonly workerIndex: number;
  /** openModel says whether arrivals are scheduled (record service time apart from response time). */
  readonly openModel: boolean;
  readonly clock: Clock;
  /** t0 is the run's start on this thread's clock (performance.now ms). */
  readonly t0: number;
  /** requestLog receives one row per request when the run writes a raw CSV. */
  readonly requestLog: RequestLog | undefined;
  /**
   * stop ends this worker's run as a graceful stop does (no new iterations; in-flight ones get the
   * grace period): a scenario that has seen what it was told to wait for (`--until-failures`).
   */
  readonly stop?: () => void;
  /**
   * post sends plain (structured-cloneable) data to the run's main thread, where the run emits it as
   * a `data` event with the worker's index (runs on agents do not forward it). Sent before the
   * worker's final snapshot when posted from `Scenario.close`.
   */
  readonly post?: (data: unknown) => void;
}

/**
 * Scenario builds the virtual users of one worker. It is created in the worker from the plan's
 * serializable scenario spec by its plugin (src/scenarios/<kind>/, loaded through runner/scenario-registry.ts).
 */
export interface Scenario {
  /** createUser builds the user with this global index (unique across workers and agents). */
  createUser(userIndex: number): VirtualUser | Promise<VirtualUser>;
  /**
   * ending is told that the run is over (its planned end, or a stop): work that has not begun yet
   * (a user in line for a shared connection) ends now, without a request; what is in flight keeps
   * the grace period. Optional.
   */
  ending?(): void;
  /** close runs after the last user closed (release shared resources). */
  close?(): Promise<void> | void;
  /** errorSamples returns exceptions from user code, counted by message, at the end of the run. */
  errorSamples?(): ErrorSample[];
  /**
   * uncaught takes an error that user code let escape every iteration (an unawaited rejection, a
   * throw in a timer callback), which the worker caught: the scenario counts and samples it and the
   * run goes on. `sole` is true when this is the only scenario of the worker that can take it (so
   * the error is its own). A scenario without user code leaves it out: such an error fails the run.
   */
  uncaught?(err: unknown, sole: boolean): void;
}

/** ErrorSample is an exception from user code, counted by message, with one sample stack. */
export interface ErrorSample {
  readonly message: string;
  readonly count: number;
  readonly stack: string;
}
