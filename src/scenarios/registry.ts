import { GauntletError } from '../core/errors.js';
import type { ScenarioSpec } from '../load/plan.js';
import type { Scenario, ScenarioContext } from '../load/scenario.js';

/** ScenarioModule is what a scenario kind's module exports. */
export interface ScenarioModule {
  createScenario(spec: ScenarioSpec, ctx: ScenarioContext): Promise<Scenario> | Scenario;
}

/**
 * SCENARIO_MODULES maps a plan's scenario kind to the module that builds it, loaded on demand in each
 * worker. It is a static table: workers are fresh threads, so a kind registered at run time in the
 * main thread would not reach them.
 */
const SCENARIO_MODULES: Record<string, () => Promise<ScenarioModule>> = {
  bench: () => import('./bench/bench-scenario.js'),
  script: () => import('./script/script-scenario.js'),
  durability: () => import('./durability/durability-scenario.js'),
};

/** createScenario builds the worker's scenario from the plan's serializable spec. */
export async function createScenario(spec: ScenarioSpec, ctx: ScenarioContext): Promise<Scenario> {
  const load = SCENARIO_MODULES[spec.kind];
  if (load === undefined) throw new GauntletError('GAUNTLET_RUNTIME', `unknown scenario kind '${spec.kind}'`);
  return (await load()).createScenario(spec, ctx);
}
