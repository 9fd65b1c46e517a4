/**
 * Plan is everything a run needs, as plain serializable data: the same Plan drives a local run
 * (worker threads) and a distributed one (agents). Durations are milliseconds.
 */
export interface Plan {
  readonly version: 1;
  /**
   * parts run side by side, each a scenario under its own load model (one for `bench`; one per test
   * with its own rate in `run`). Every worker runs its segment of every part.
   */
  readonly parts: readonly PlanPart[];
  /** workers is the number of worker threads (one per core by default). */
  readonly workers: number;
  /** intervalMs is the length of a metrics interval (time series row, progress update). */
  readonly intervalMs: number;
  /** graceMs is how long in-flight iterations may finish after a stop before they are aborted. */
  readonly graceMs: number;
  /** rawRows asks workers to send one row per request (for the raw CSV). */
  readonly rawRows: boolean;
  /** label names the run in reports (e.g. the URL or the script). */
  readonly label: string;
}

/** PlanPart is one scenario under one load model. */
export interface PlanPart {
  /** name labels the part in reports (a test name; `bench` for bench). */
  readonly name: string;
  /** scenario says what a user does; built in each worker by the plugin its kind names (runner/scenario-registry.ts). */
  readonly scenario: ScenarioSpec;
  readonly executor: ExecutorSpec;
  /** userOffset is added to the part's user indexes so users are unique across parts (data rows). */
  readonly userOffset: number;
}

/** singlePart builds the parts of a plan with one scenario. */
export function singlePart(name: string, scenario: ScenarioSpec, executor: ExecutorSpec): PlanPart[] {
  return [{ name, scenario, executor, userOffset: 0 }];
}

/**
 * ScenarioSpecs maps each scenario kind to its serializable spec. It is empty here: each scenario
 * plugin (src/scenarios/<kind>/) adds its own entry by declaration merging, so the load layer knows
 * no scenario and `ScenarioSpec` is still a closed, discriminated union on `kind`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ScenarioSpecs {}

/** ScenarioSpec is any registered scenario's serializable description; `kind` selects its plugin. */
export type ScenarioSpec = ScenarioSpecs[keyof ScenarioSpecs];

/** ScenarioKind is the name of a registered scenario plugin (`bench`, `script`, `durability`). */
export type ScenarioKind = keyof ScenarioSpecs;

/** ClosedStep is one step of a closed model: a user count for a number of iterations or a duration. */
export interface ClosedStep {
  readonly users: number;
  /** iterations in total over all users of the step (exact across workers). */
  readonly iterations?: number;
  /** iterationsPerUser: every user runs exactly this many (Loads' hits). */
  readonly iterationsPerUser?: number;
  readonly durationMs?: number;
}

/** ClosedSpec runs users in loops: steps in turn (cycles 10:20:30), each with a ramp-up. */
export interface ClosedSpec {
  readonly kind: 'closed';
  readonly steps: readonly ClosedStep[];
  readonly rampUpMs: number;
  readonly thinkMs: number;
}

/** RateStage moves the arrival rate linearly to `target` per second over `durationMs` (k6 stages). */
export interface RateStage {
  readonly durationMs: number;
  readonly target: number;
}

/**
 * OpenSpec schedules arrivals: arrival i is due when the integral of the rate reaches i, from the
 * start (no drift). `connections` bounds concurrent users; an arrival that finds none free waits in
 * a queue (its latency counts from its due time) and past `maxQueue` it is dropped and counted.
 */
export interface OpenSpec {
  readonly kind: 'open';
  readonly startRate: number;
  readonly stages: readonly RateStage[];
  /** maxArrivals stops the schedule after exactly this many arrivals (`-n` with `--rate`). */
  readonly maxArrivals?: number;
  readonly connections: number;
  readonly maxQueue: number;
}

/** ExecutorSpec is a load model. */
export type ExecutorSpec = ClosedSpec | OpenSpec;

/** planModel is `open` when any part schedules arrivals, else `closed`. */
export function planModel(plan: Plan): 'open' | 'closed' {
  return plan.parts.some((p) => p.executor.kind === 'open') ? 'open' : 'closed';
}

/** planDurationMs is the planned length of a run (its longest part), or undefined when a part ends by count. */
export function planDurationMs(plan: Plan): number | undefined {
  let max = 0;
  for (const p of plan.parts) {
    const d = executorDurationMs(p.executor);
    if (d === undefined) return undefined;
    max = Math.max(max, d);
  }
  return max;
}

/** plannedIterations is the planned number of iterations over all parts, or undefined when one ends by time. */
export function plannedIterations(plan: Plan): number | undefined {
  let total = 0;
  for (const p of plan.parts) {
    const n = executorIterations(p.executor);
    if (n === undefined) return undefined;
    total += n;
  }
  return total;
}

/** executorDurationMs is the planned length of one load model, or undefined when it ends by count. */
export function executorDurationMs(e: ExecutorSpec): number | undefined {
  if (e.kind === 'open') {
    const d = e.stages.reduce((s, st) => s + st.durationMs, 0);
    return e.maxArrivals !== undefined ? undefined : d;
  }
  let total = 0;
  for (const s of e.steps) {
    if (s.durationMs === undefined) return undefined;
    total += s.durationMs;
  }
  return total;
}

/** executorIterations is the planned number of iterations of one load model, or undefined when it ends by time. */
export function executorIterations(e: ExecutorSpec): number | undefined {
  if (e.kind === 'open') return e.maxArrivals;
  let total = 0;
  for (const s of e.steps) {
    if (s.iterations !== undefined) total += s.iterations;
    else if (s.iterationsPerUser !== undefined) total += s.iterationsPerUser * s.users;
    else return undefined;
  }
  return total;
}
