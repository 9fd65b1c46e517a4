import { isOwnFrame } from '../../core/own-frames.js';
import { GauntletError } from '../../core/errors.js';
import { errorMessage } from './error-samples.js';
import { HttpSession } from './http-session.js';
import type { ScriptScenarioSpec, ScriptTestSpec } from './script-spec.js';
import { resolveTestClasses } from './script-tests.js';
import type { StartupContext, TestCaseClass } from './test-case.js';

/**
 * runStartup runs each test's `static startup(ctx)` once per run, in the main process, before any
 * worker starts, and returns the spec with each test's `shared` set to the JSON round trip of what
 * startup returned (so a local run sees exactly what an agent would). Tests run one after another,
 * in spec order. If a startup throws (or returns something that is not JSON), the shutdowns of the
 * tests whose startup already ran (the failing one included, with `shared` undefined) still run, and
 * a GAUNTLET_RUNTIME error (exit 1) names the test and the message, with the user's frame as hint.
 */
export async function runStartup(spec: ScriptScenarioSpec): Promise<ScriptScenarioSpec> {
  const classes = await resolveTestClasses(spec);
  const tests: ScriptTestSpec[] = [];
  for (let i = 0; i < spec.tests.length; i++) {
    const t = spec.tests[i]!;
    const cls = classes[i]!;
    if (typeof cls.startup !== 'function') {
      tests.push(t);
      continue;
    }
    try {
      const value = await withContext(spec, t, (ctx) => cls.startup!(ctx));
      tests.push({ ...t, shared: toJson(value, t.name) });
    } catch (err) {
      tests.push({ ...t, shared: undefined });
      await shutdownAll({ ...spec, tests }, classes);
      const hint = userFrame(err);
      throw new GauntletError('GAUNTLET_RUNTIME', `startup of ${t.name} failed: ${errorMessage(err)}`, hint === undefined ? { cause: err } : { hint, cause: err });
    }
  }
  return { ...spec, tests };
}

/**
 * runShutdown runs each test's `static shutdown(ctx, shared)` once per run, after the last
 * iteration — after failures and Ctrl-C too. Every shutdown runs even if one throws; the returned
 * list holds one line per failure (`shutdown of NAME failed: message`), empty when all went well,
 * for the report to show as warnings.
 */
export async function runShutdown(spec: ScriptScenarioSpec): Promise<string[]> {
  const classes = await resolveTestClasses(spec);
  return shutdownAll(spec, classes);
}

async function shutdownAll(spec: ScriptScenarioSpec, classes: TestCaseClass[]): Promise<string[]> {
  const failures: string[] = [];
  for (let i = 0; i < spec.tests.length; i++) {
    const t = spec.tests[i]!;
    const cls = classes[i]!;
    if (typeof cls.shutdown !== 'function') continue;
    try {
      await withContext(spec, t, (ctx) => cls.shutdown!(ctx, t.shared));
    } catch (err) {
      failures.push(`shutdown of ${t.name} failed: ${errorMessage(err)}`);
    }
  }
  return failures;
}

/** DEFAULT_HOOK_TIMEOUT_MS bounds a startup or shutdown that never settles (k6's setupTimeout). */
export const DEFAULT_HOOK_TIMEOUT_MS = 60_000;

/**
 * withContext runs one hook with its context, bounded by the spec's hook timeout: a hook that never
 * settles (an await on something that never comes) fails with a message saying so, and the run goes
 * on to report. A hook that blocks the main thread synchronously cannot be bounded this way.
 */
async function withContext<T>(spec: ScriptScenarioSpec, t: ScriptTestSpec, fn: (ctx: StartupContext) => T): Promise<Awaited<T>> {
  const http = new HttpSession({ target: spec.target, headers: { ...spec.headers }, timeoutMs: spec.timeoutMs, insecure: spec.insecure }, undefined);
  const limitMs = spec.hookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`it did not finish within ${limitMs / 1000} s (--hook-timeout)`)), limitMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => fn({ target: spec.target, options: t.options, test: t.name, http })), expired]);
  } finally {
    clearTimeout(timer);
    http.close();
  }
}

function toJson(value: unknown, name: string): unknown {
  if (value === undefined) return undefined;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : JSON.parse(text);
  } catch (err) {
    throw new Error(`startup of ${name} returned a value that is not JSON (${(err as Error).message}); shared values travel to workers and agents as JSON`);
  }
}

function userFrame(err: unknown): string | undefined {
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  return stack.split('\n').find((l) => /^\s+at /.test(l) && !isOwnFrame(l))?.trim();
}
