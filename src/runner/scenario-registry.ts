import { GauntletError } from '../core/errors.js';
import type { ScenarioKind, ScenarioSpec } from '../load/plan.js';
import type { Scenario, ScenarioContext } from '../load/scenario.js';
import type {} from '../scenarios/bench/bench-scenario.js';
import type {} from '../scenarios/durability/durability-scenario.js';
import type {} from '../scenarios/script/script-spec.js';

/** ScenarioPlugin is what a scenario kind's worker module exports: how to build a worker's users. */
export interface ScenarioPlugin<S extends ScenarioSpec = ScenarioSpec> {
  createScenario(spec: S, ctx: ScenarioContext): Promise<Scenario> | Scenario;
}

/** SpecOf is the spec type of one scenario kind. */
export type SpecOf<K extends ScenarioKind> = Extract<ScenarioSpec, { kind: K }>;

/**
 * SCENARIO_PLUGINS maps every scenario kind to its worker module, loaded on demand in each worker.
 * The type requires one entry per kind that a plugin declares (src/scenarios/<kind>/ adds its spec to
 * `ScenarioSpecs`), so a new kind cannot be forgotten here. It is a static table: workers are fresh
 * threads, so a kind registered at run time in the main thread would not reach them.
 */
const SCENARIO_PLUGINS: { readonly [K in ScenarioKind]: () => Promise<ScenarioPlugin<SpecOf<K>>> } = {
  bench: () => import('../scenarios/bench/bench-scenario.js'),
  script: () => import('../scenarios/script/script-scenario.js'),
  durability: () => import('../scenarios/durability/durability-scenario.js'),
};

/** createScenario builds the worker's scenario from the plan's serializable spec. */
export async function createScenario(spec: ScenarioSpec, ctx: ScenarioContext): Promise<Scenario> {
  const load = (SCENARIO_PLUGINS as Record<string, (() => Promise<ScenarioPlugin>) | undefined>)[spec.kind];
  if (load === undefined) throw new GauntletError('GAUNTLET_RUNTIME', `unknown scenario kind '${spec.kind}'`);
  return (await load()).createScenario(spec, ctx);
}
