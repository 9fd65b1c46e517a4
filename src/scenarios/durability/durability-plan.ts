import { capWorkers, resolveExecutor, resolveRunSettings, type LoadOptions } from '../../load/load-options.js';
import { usageError } from '../../core/errors.js';
import { parsePositiveInt } from '../../core/units.js';
import { singlePart, type Plan } from '../../load/plan.js';
import type { DurabilityMixSpec, DurabilityScenarioSpec } from './durability-scenario.js';
import type { MixEntry } from '../../durability/parse-mix.js';
import type { Policy } from '../../durability/policies.js';
import { expectationBehindProxy, type ProxyTraits } from '../../durability/proxy-expectations.js';

/**
 * DurabilityPlanOptions describe a durability run: a weighted behaviour mix sent to a behaviour app,
 * walked by a policy, under any load model of `bench`. `iterations` and `parallel` are Labour's names
 * for `requests` and `connections` (give one of each pair).
 */
export interface DurabilityPlanOptions extends LoadOptions {
  /** target is the behaviour app's base URL, `http://127.0.0.1:8000`. */
  target: string;
  mix: readonly MixEntry[];
  policy: Policy;
  /** iterations in total (Labour's -i); alias of `requests`. */
  iterations?: number | string;
  /** parallel users, each one connection (Labour's -p); alias of `connections`. Default 1. */
  parallel?: number | string;
  /** rawRows: send one row per request to the main thread (for `--csv`). */
  rawRows?: boolean;
  /** label names the run in reports; default `durability <target>`. */
  label?: string;
  /** proxy: the target is a proxy (nginx) in front of the server, so some expectations change (a crash is a 502): expectationBehindProxy. */
  proxy?: ProxyTraits;
  /**
   * untilFailures stops the run after this many unexpected results (or at its usual end, whichever
   * comes first); the run then uses one worker thread, so the count is the run's (exact with one
   * connection; with more, requests already in flight finish and count).
   */
  untilFailures?: number | string;
}

/** DEFAULT_ITERATIONS is the request count of a durability run given neither a count nor a duration (Labour's -i). */
export const DEFAULT_ITERATIONS = 128;

function alias(a: number | string | undefined, b: number | string | undefined, names: string): number | string | undefined {
  if (a !== undefined && b !== undefined && String(a) !== String(b)) throw usageError(`${names} are the same setting and were given different values`, 'give only one of them');
  return a ?? b;
}

/** mixSpecOf turns a mix into its plain-data form for the workers (with the expectations behind `proxy`, if one is in front). */
export function mixSpecOf(mix: readonly MixEntry[], proxy?: ProxyTraits): DurabilityMixSpec[] {
  if (mix.length === 0) throw usageError('the behaviour mix is empty', "add behaviours, e.g. --mix 'plain:98,sleep(seconds=0.5):1'");
  return mix.map(({ behaviour: b, weight }) => {
    if (!Number.isSafeInteger(weight) || weight < 1) throw usageError(`weight ${weight} of ${b.label} must be a whole number ≥ 1`);
    const expectation = proxy === undefined ? b.expectation : expectationBehindProxy(proxy, b);
    return { label: b.label, name: b.name, path: b.path, expectation, timeoutMs: b.timeoutMs, weight };
  });
}

/**
 * resolveDurabilityPlan validates the options and builds the Plan: scenario kind `durability`, a
 * closed model of `parallel` users for `iterations` requests by default (128 when neither a count nor
 * a duration is given), or whatever load model the load options say. Bad input is a usage error.
 */
export function resolveDurabilityPlan(o: DurabilityPlanOptions): Plan {
  let url: URL;
  try {
    url = new URL(o.target);
  } catch {
    throw usageError(`'${o.target}' is not a URL`, 'give the behaviour app\'s base URL, e.g. http://127.0.0.1:8000');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`'${o.target}' is not an http or https URL`, 'give a URL such as http://127.0.0.1:8000');
  const requests = alias(o.iterations, o.requests, '--iterations (-i) and --requests (-n)');
  const connections = alias(o.parallel, o.connections, '--parallel (-p) and --connections (-c)');
  if (requests !== undefined) parsePositiveInt(requests, '--iterations');
  const open = o.rate !== undefined || o.stages !== undefined;
  const byCount = requests ?? (o.duration === undefined && o.iterationsPerUser === undefined && !open ? DEFAULT_ITERATIONS : undefined);
  const load: LoadOptions = {
    ...o,
    ...(byCount !== undefined ? { requests: byCount } : {}),
    ...(connections !== undefined ? { connections } : {}),
  };
  const executor = resolveExecutor(load, { connections: 1, openConnections: 100 });
  const settings = resolveRunSettings(load);
  const untilFailures = o.untilFailures !== undefined ? parsePositiveInt(o.untilFailures, '--until-failures') : undefined;
  const scenario: DurabilityScenarioSpec = {
    kind: 'durability',
    target: url.href.replace(/\/+$/, ''),
    mix: mixSpecOf(o.mix, o.proxy),
    policy: { kind: o.policy.name, ...(o.policy.seed !== undefined ? { seed: o.policy.seed } : {}) },
    ...(untilFailures !== undefined ? { untilFailures } : {}),
  };
  return {
    version: 1,
    parts: singlePart('durability', scenario, executor),
    ...settings,
    workers: untilFailures !== undefined ? 1 : capWorkers(settings.workers, executor),
    rawRows: o.rawRows ?? false,
    label: o.label ?? `durability ${scenario.target}`,
  };
}
