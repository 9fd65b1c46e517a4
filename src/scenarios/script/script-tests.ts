import { GauntletError } from '../../core/errors.js';
import { functionTest, type FunctionModule } from './function-test.js';
import { importBundle, writeBundle } from './script-loader.js';
import type { ScriptScenarioSpec } from './script-spec.js';
import { isTestCaseClass, type TestCaseClass } from './test-case.js';

/**
 * resolveTestClasses imports a spec's bundle and returns the class of each of the spec's tests, in
 * order. A spec that carries its code (a plan shipped to agents) is always written into this
 * process's private folder first: a path in a plan never names a file to import on this machine. A
 * local spec's file is imported only if it still has the SHA-256 it was written with; the function form is wrapped into a class. `gauntletEntry` is what `gauntlet` resolves to
 * in a bundle written here (this install's by default). A test the bundle lacks is GAUNTLET_SCRIPT_INVALID.
 */
export async function resolveTestClasses(spec: ScriptScenarioSpec, gauntletEntry?: string): Promise<TestCaseClass[]> {
  const bundle = spec.code !== undefined ? writeBundle(spec.code, gauntletEntry) : { file: spec.bundlePath, hash: spec.bundleHash };
  if (bundle.file === undefined) throw new GauntletError('GAUNTLET_SCRIPT_INVALID', 'the plan carries neither the script nor a bundle written on this machine', { hint: 'prepare the run with prepareScriptRun' });
  const ns = await importBundle(bundle.file, bundle.file, bundle.hash, gauntletEntry);
  return spec.tests.map((t) => {
    const mod = ns[`m${t.module}`] as Record<string, unknown> | undefined;
    const value = mod?.[t.exportName];
    if (isTestCaseClass(value)) return value;
    if (t.exportName === 'default' && typeof value === 'function') return functionTest(mod as unknown as FunctionModule);
    throw new GauntletError('GAUNTLET_SCRIPT_INVALID', `the script has no test '${t.exportName}' (module ${t.module})`, { hint: 'export a class extending TestCase, or a default function' });
  });
}
