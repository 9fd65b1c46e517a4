import { TestCase, type StartupContext, type TestCaseClass } from './test-case.js';

/** TestFunction is the function form of a test: `export default async function (t) { … }`. */
export type TestFunction<Options extends object = Record<string, unknown>, Shared = unknown> = (t: TestCase<Options, Shared>) => void | Promise<void>;

/** ScriptModule is what a script module may export for the function form (k6's shape, our names). */
export interface FunctionModule {
  default: TestFunction;
  startup?: (ctx: StartupContext) => unknown;
  shutdown?: (ctx: StartupContext, shared: unknown) => unknown;
}

/**
 * functionTest wraps the function form into a TestCase class: every iteration calls the default
 * export with the instance (`t.http`, `t.check`, `t.shared`, …). A module's `export function
 * startup(ctx)` and `export function shutdown(ctx, shared)` play the roles of the static methods.
 */
export function functionTest(mod: FunctionModule): TestCaseClass {
  const fn = mod.default;
  class FunctionTest extends TestCase<Record<string, unknown>, unknown> {
    static override startup = mod.startup;
    static override shutdown = mod.shutdown;
    override run(): void | Promise<void> {
      return fn(this);
    }
  }
  Object.defineProperty(FunctionTest, 'name', { value: fn.name === '' ? 'default' : fn.name });
  return FunctionTest as unknown as TestCaseClass;
}
