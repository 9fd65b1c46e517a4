import path from 'node:path';
import { parseDuration } from '../core/duration.js';
import { GauntletError, usageError } from '../core/errors.js';
import type { Plan, PlanPart, RateStage } from '../load/plan.js';
import { parseThresholds, type Threshold, type ThresholdInput } from '../metrics/thresholds.js';
import type { RunResult } from '../metrics/run-result.js';
import type { ScriptConfig } from '../scenarios/script/config.js';
import { DataFeeder, readDataFile, type DataSpec, type FeederMode } from '../scenarios/script/data-feeder.js';
import { loadScript, type ScriptModuleInfo } from '../scenarios/script/script-loader.js';
import { runShutdown, runStartup } from '../scenarios/script/script-lifecycle.js';
import { pickTests, selectTests, type ScriptScenarioSpec } from '../scenarios/script/script-spec.js';
import { capWorkers, resolveExecutor, resolveRunSettings, type LoadOptions } from '../load/load-options.js';
import { startRun, type RunHandle, type StartRunOptions } from './start-run.js';
import type { DistributedSettings } from './distributed-run.js';

/** RunScriptOptions describe `gauntlet run`: a script (or a YAML config) and every run flag. */
export interface RunScriptOptions extends LoadOptions {
  /** file is a script (.ts/.js) or a config (.yaml/.yml). */
  file: string;
  /** shipCode puts the bundle's code into the plan, for agents on other machines (`--agents`). */
  shipCode?: boolean;
  target?: string;
  /** tests narrows to these export or test names (`--test`). */
  tests?: readonly string[];
  data?: string;
  dataMode?: FeederMode;
  thresholds?: readonly string[];
  abortOnFail?: boolean;
  headers?: Record<string, string>;
  timeout?: string | number;
  /** hookTimeout bounds each test's `startup` and `shutdown` (default 60s). */
  hookTimeout?: string | number;
  insecure?: boolean;
  rawRows?: boolean;
  json?: string;
  csv?: string;
  timeseries?: string;
}

/** PreparedScriptRun is a script run ready to start: its plan, thresholds and outputs. */
export interface PreparedScriptRun {
  readonly plan: Plan;
  readonly thresholds: readonly Threshold[];
  readonly outputs: { json?: string; csv?: string; timeseries?: string };
}

const isConfig = (f: string) => /\.ya?ml$/i.test(f);
// Rounded to the microsecond so the text never takes an exponent (1e-7ms); configs cap durations from above.
const ms = (v: number | undefined) => (v === undefined ? undefined : `${Number(v.toFixed(3))}ms`);

/** fromScriptOptions maps a script's `export const options` (k6's names) onto load options. */
function fromScriptOptions(o: Readonly<Record<string, unknown>> | undefined): { load: LoadOptions; thresholds?: ThresholdInput; target?: string } {
  if (o === undefined) return { load: {} };
  const pick = <T>(k: string) => o[k] as T | undefined;
  const load: LoadOptions = {};
  const set = (k: keyof LoadOptions, v: unknown) => {
    if (v !== undefined) (load as Record<string, unknown>)[k] = v;
  };
  set('connections', pick('users') ?? pick('vus'));
  set('iterationsPerUser', pick('iterations'));
  set('duration', pick('duration'));
  set('rate', pick('rate'));
  set('rampUp', pick('rampUp'));
  set('stages', pick('stages'));
  set('cycles', pick('cycles'));
  set('think', pick('think'));
  set('workers', pick('workers'));
  const thresholds = pick<ThresholdInput>('thresholds');
  const target = pick<string>('target');
  return { load, ...(thresholds !== undefined ? { thresholds } : {}), ...(target !== undefined ? { target } : {}) };
}

/** fromConfig maps a validated YAML config onto load options. */
function fromConfig(c: ScriptConfig): LoadOptions {
  const load: LoadOptions = {};
  const set = (k: keyof LoadOptions, v: unknown) => {
    if (v !== undefined) (load as Record<string, unknown>)[k] = v;
  };
  set('connections', c.users);
  set('iterationsPerUser', c.iterations);
  set('duration', ms(c.durationMs));
  set('rate', c.rate);
  set('rampUp', ms(c.rampUpMs));
  set('stages', c.stages as RateStage[] | undefined);
  set('cycles', c.cycles);
  set('think', ms(c.thinkTimeMs));
  set('workers', c.workers);
  return load;
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * prepareScriptRun turns `gauntlet run` options into a plan: it loads the config (if any), bundles
 * the scripts once, picks the tests, reads the data file, merges options (flags over the config over
 * the script's `export const options`) and builds one plan part for all weighted tests, or one part
 * per test when the config gives tests their own rates (each with a user offset so data rows stay
 * unique). Startup has not run yet: startScriptRun does that.
 */
export async function prepareScriptRun(o: RunScriptOptions): Promise<PreparedScriptRun> {
  // The YAML parser loads only for a config file.
  const config = isConfig(o.file) ? (await import('../scenarios/script/config.js')).loadConfig(o.file) : undefined;
  const files = config ? [...new Set(config.tests.map((t) => t.file))] : [path.resolve(o.file)];
  const loaded = await loadScript(files);
  const scriptOpts = fromScriptOptions(loaded.modules[0]?.options);
  const allTests = selectTests(loaded, config?.tests);
  const tests = o.tests && o.tests.length > 0 ? pickTests(allTests, o.tests) : allTests;

  const flagLoad: LoadOptions = defined({
    connections: o.connections,
    requests: o.requests,
    iterationsPerUser: o.iterationsPerUser,
    duration: o.duration,
    rate: o.rate,
    rampUp: o.rampUp,
    stages: o.stages,
    cycles: o.cycles,
    think: o.think,
    maxQueue: o.maxQueue,
    workers: o.workers,
    interval: o.interval,
    grace: o.grace,
  });
  const load: LoadOptions = { ...scriptOpts.load, ...(config ? fromConfig(config) : {}), ...flagLoad };
  // A count given on the command line replaces a duration from the config or script, and the other way round.
  if (flagLoad.requests !== undefined || flagLoad.iterationsPerUser !== undefined) {
    if (flagLoad.duration === undefined) delete load.duration;
  } else if (flagLoad.duration !== undefined) {
    delete load.iterationsPerUser;
    delete load.requests;
  }

  const target = o.target ?? config?.target ?? scriptOpts.target;
  if (target !== undefined) {
    try {
      new URL(target);
    } catch {
      throw usageError(`--target '${target}' is not a URL`, 'give a base URL such as http://127.0.0.1:8080');
    }
  }
  const timeoutMs = o.timeout !== undefined ? parseDuration(o.timeout, '--timeout') : config?.timeoutMs;
  const hookTimeoutMs = o.hookTimeout !== undefined ? parseDuration(o.hookTimeout, '--hook-timeout') : undefined;
  let data: DataSpec | undefined;
  const dataFile = o.data ?? config?.data?.file;
  if (dataFile !== undefined) data = await readDataFile(dataFile, o.dataMode ?? config?.data?.mode ?? 'unique', config?.data?.seed ?? 1);

  const base = (t: typeof tests): ScriptScenarioSpec => ({
    kind: 'script',
    ...(o.shipCode ? {} : { bundlePath: loaded.bundlePath, bundleHash: loaded.bundleHash }),
    ...(o.shipCode ? { code: loaded.code } : {}),
    tests: t,
    target,
    ...(o.headers || config?.headers ? { headers: { ...config?.headers, ...o.headers } } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(hookTimeoutMs !== undefined ? { hookTimeoutMs } : {}),
    ...((o.insecure ?? config?.insecure) ? { insecure: true } : {}),
    ...(data ? { data } : {}),
  });

  const settings = resolveRunSettings(load);
  const parts: PlanPart[] = [];
  const rated = config?.tests.filter((t) => t.rate !== undefined) ?? [];
  if (rated.length > 0) {
    if (rated.length !== config!.tests.length) throw new GauntletError('GAUNTLET_CONFIG_INVALID', `${path.basename(config!.file)}: some tests have a rate and some do not`, { hint: 'give every test its own rate (open model), or none (weights in one closed model)' });
    checkOneTestPerRate(config!, loaded.modules);
    if (flagLoad.rate !== undefined || flagLoad.stages !== undefined || flagLoad.cycles !== undefined) {
      throw usageError(`${path.basename(config!.file)} gives each test its own rate, so --rate, --stages and --cycles do not apply`, 'drop the flag, or change the rates in the config');
    }
    // Entry i is test i; `--test` keeps the picked ones, each still at its own rate.
    let offset = 0;
    config!.tests.forEach((t, i) => {
      const test = allTests[i]!;
      if (!tests.includes(test)) return;
      const executor = resolveExecutor({ ...load, rate: t.rate!, stages: undefined, cycles: undefined, iterationsPerUser: undefined });
      parts.push({ name: test.name, scenario: base([test]), executor, userOffset: offset });
      offset += executor.kind === 'open' ? executor.connections : 0;
    });
  } else {
    parts.push({ name: tests.map((t) => t.name).join('+'), scenario: base(tests), executor: resolveExecutor(load), userOffset: 0 });
  }
  if (data) {
    const users = parts.reduce((s, p) => s + (p.executor.kind === 'open' ? p.executor.connections : Math.max(...p.executor.steps.map((x) => x.users))), 0);
    new DataFeeder(data).checkUsers(users);
  }

  const thresholdInputs: Threshold[] = [];
  if (scriptOpts.thresholds !== undefined) thresholdInputs.push(...parseThresholds(scriptOpts.thresholds));
  if (config?.thresholds) thresholdInputs.push(...config.thresholds);
  if (o.thresholds && o.thresholds.length > 0) thresholdInputs.push(...parseThresholds(o.thresholds));
  const abortAll = o.abortOnFail ?? config?.abortOnFail ?? false;
  const thresholds = thresholdInputs.map((t) => (abortAll ? { ...t, abortOnFail: true } : t));

  const workers = Math.max(...parts.map((p) => capWorkers(settings.workers, p.executor)));
  const label = config ? path.basename(config.file) : path.basename(o.file);
  return {
    plan: { version: 1, parts, ...settings, workers, rawRows: o.rawRows ?? (o.csv ?? config?.outputs?.csv) !== undefined, label },
    thresholds,
    outputs: defined({ json: o.json ?? config?.outputs?.json, csv: o.csv ?? config?.outputs?.csv, timeseries: o.timeseries ?? config?.outputs?.timeseries }),
  };
}

/**
 * checkOneTestPerRate requires each rated config entry to name exactly one test: a rate is one
 * test's own open model, so `./rest.ts` exporting Browse and Create must be `./rest.ts#Browse`.
 */
function checkOneTestPerRate(config: ScriptConfig, modules: readonly ScriptModuleInfo[]): void {
  config.tests.forEach((t, i) => {
    if (t.exportName !== undefined) return;
    const found = modules.find((m) => m.file === path.resolve(t.file))?.tests ?? [];
    if (found.length <= 1) return;
    const rel = `./${path.relative(path.dirname(config.file), t.file)}`;
    throw new GauntletError('GAUNTLET_CONFIG_INVALID', `${path.basename(config.file)}: tests[${i}] has its own rate but ${rel} exports ${found.length} tests (${found.map((x) => x.exportName).join(', ')})`, {
      hint: `a rate belongs to one test: write one entry per test, e.g. test: ${rel}#${found[0]!.exportName}`,
    });
  });
}

/**
 * startScriptRun runs startup once (main process), then the plan on the workers; `done` resolves
 * after shutdown ran (always: after failures and Ctrl-C too) with thresholds evaluated. Thresholds
 * marked abortOnFail are checked every interval and stop the run when they fail.
 */
export async function startScriptRun(prepared: PreparedScriptRun, options: StartRunOptions & { distributed?: DistributedSettings } = {}): Promise<RunHandle> {
  const parts: PlanPart[] = [];
  try {
    for (const p of prepared.plan.parts) parts.push({ ...p, scenario: await runStartup(p.scenario as ScriptScenarioSpec) });
  } catch (err) {
    for (const p of parts) await runShutdown(p.scenario as ScriptScenarioSpec);
    throw err;
  }
  const plan: Plan = { ...prepared.plan, parts };
  // Shutdown runs once, whichever way the run ends: in finalize when the workers finish, else (the
  // run failed before it started, or a reporter threw) before `done` rejects, so a caller that exits
  // on the rejection does not cut it short.
  let shutdown: Promise<string[]> | undefined;
  const shutdownAll = (): Promise<string[]> =>
    (shutdown ??= (async () => {
      const failures: string[] = [];
      for (const p of parts) failures.push(...(await runShutdown(p.scenario as ScriptScenarioSpec)));
      return failures;
    })());
  const { distributed, ...runOptions } = options;
  // The NATS client loads only for a distributed run.
  const startDistributedRun = distributed ? (await import('./distributed-run.js')).startDistributedRun : undefined;
  const start = (opts: StartRunOptions): RunHandle => (distributed && startDistributedRun ? startDistributedRun(plan, { ...opts, ...distributed }) : startRun(plan, opts));
  const handle = start({
    ...runOptions,
    thresholds: [...(options.thresholds ?? []), ...prepared.thresholds],
    finalize: async (raw) => {
      const failures = await shutdownAll();
      const result: RunResult = failures.length > 0 ? { ...raw, sections: { ...raw.sections, script: { shutdownFailures: failures } } } : raw;
      return options.finalize ? options.finalize(result) : result;
    },
  });
  const done = handle.done.catch(async (err: unknown) => {
    await shutdownAll();
    throw err;
  });
  const wrapped: RunHandle = {
    plan: handle.plan,
    done,
    on(event, listener) {
      handle.on(event, listener);
      return wrapped;
    },
    stop: () => handle.stop(),
    abort: () => handle.abort(),
  };
  return wrapped;
}
