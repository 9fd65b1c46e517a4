import type { Scenario, ScenarioContext, VirtualUser } from '../../load/scenario.js';
import { DataFeeder } from './data-feeder.js';
import { ErrorSamples } from './error-samples.js';
import { HttpMetrics } from '../../metrics/http-metrics.js';
import { ScriptMetrics } from './script-metrics.js';
import type { ScriptScenarioSpec } from './script-spec.js';
import { resolveTestClasses } from './script-tests.js';
import { ScriptUser, type ScriptTest, type ScriptWorld } from './script-user.js';
import { TestWeights } from './test-weights.js';
import { WsMetrics } from './ws-session.js';

/** ScriptScenario is a Scenario that always reports the errors thrown by user code, in iterations or not. */
export type ScriptScenario = Scenario & Required<Pick<Scenario, 'errorSamples' | 'uncaught'>>;

/**
 * createScriptScenario builds, in a worker, the scenario of a `kind: 'script'` spec: it imports the
 * bundle once, resolves the tests, and creates one ScriptUser per global user index, running the
 * test that TestWeights assigns to that index (so a mix holds across workers and agents). Startup
 * already ran in the main process (runStartup); each test's `shared` comes in the spec. Metrics go to
 * the worker's registry: HTTP (HttpMetrics), WebSocket (WsMetrics), checks, custom metrics and
 * iterations (ScriptMetrics); errors thrown by user code are counted and sampled (ErrorSamples).
 */
export async function createScriptScenario(spec: ScriptScenarioSpec, ctx: ScenarioContext, options: { gauntletEntry?: string } = {}): Promise<ScriptScenario> {
  const classes = await resolveTestClasses(spec, options.gauntletEntry);
  const tests: ScriptTest[] = spec.tests.map((t, i) => ({ name: t.name, cls: classes[i]!, options: t.options, shared: t.shared }));
  const weights = new TestWeights(spec.tests.map((t) => t.weight));
  const world: ScriptWorld = {
    openModel: ctx.openModel,
    http: new HttpMetrics(ctx.metrics, { openModel: ctx.openModel, requestLog: ctx.requestLog, t0: () => ctx.t0 }),
    ws: new WsMetrics(ctx.metrics),
    script: new ScriptMetrics(ctx.metrics),
    errors: new ErrorSamples(ctx.metrics),
    feeder: spec.data === undefined ? undefined : new DataFeeder(spec.data),
    session: { target: spec.target, headers: { ...spec.headers }, timeoutMs: spec.timeoutMs, insecure: spec.insecure },
  };
  return {
    createUser(userIndex: number): VirtualUser {
      return new ScriptUser(world, tests[weights.pick(userIndex)]!, userIndex);
    },
    errorSamples: () => world.errors.take(),
    uncaught(err: unknown, sole: boolean): void {
      // An error that escaped its iteration fails it after the fact: counted under iteration_errors
      // (and its test's, when the worker runs one test only), sampled as `uncaught in TEST: message`.
      const test = sole && tests.length === 1 ? tests[0]!.name : undefined;
      world.errors.recordUncaught(err, test);
      world.script.iterationErrors.value++;
      if (test !== undefined) world.script.test(test).errors.value++;
    },
  };
}

/** createScenario is createScriptScenario under the name the scenario registry (runner/scenario-registry.ts) loads. */
export function createScenario(spec: ScriptScenarioSpec, ctx: ScenarioContext): Promise<ScriptScenario> {
  return createScriptScenario(spec, ctx);
}
