import { existsSync } from 'node:fs';
import { GauntletError } from '../../core/errors.js';
import { functionTest, type FunctionModule } from './function-test.js';
import { importBundle, materializeBundle } from './script-loader.js';
import type { ScriptScenarioSpec } from './script-spec.js';
import { isTestCaseClass, type TestCaseClass } from './test-case.js';

/**
 * resolveTestClasses imports a spec's bundle (writing it from `spec.code` first when this machine
 * does not have the file, as on an agent) and returns the class of each of the spec's tests, in
 * order; the function form is wrapped into a class. `gauntletEntry` is what `gauntlet` resolves to
 * in a bundle written here (this install's by default). A test the bundle lacks is GAUNTLET_SCRIPT_INVALID.
 */
export async function resolveTestClasses(spec: ScriptScenarioSpec, gauntletEntry?: string): Promise<TestCaseClass[]> {
  let bundlePath = spec.bundlePath;
  if (!existsSync(bundlePath) && spec.code !== undefined) bundlePath = materializeBundle(spec.code, gauntletEntry);
  const ns = await importBundle(bundlePath);
  return spec.tests.map((t) => {
    const mod = ns[`m${t.module}`] as Record<string, unknown> | undefined;
    const value = mod?.[t.exportName];
    if (isTestCaseClass(value)) return value;
    if (t.exportName === 'default' && typeof value === 'function') return functionTest(mod as unknown as FunctionModule);
    throw new GauntletError('GAUNTLET_SCRIPT_INVALID', `the script has no test '${t.exportName}' (module ${t.module})`, { hint: 'export a class extending TestCase, or a default function' });
  });
}
