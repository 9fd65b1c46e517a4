import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpMetrics } from '../../metrics/http-metrics.js';
import { MetricsRegistry } from '../../metrics/registry.js';
import { ErrorSamples, errorMessage, UNSHOWABLE } from './error-samples.js';
import { ScriptMetrics } from './script-metrics.js';
import { ScriptUser, type ScriptWorld } from './script-user.js';
import { TestCase, type TestCaseClass } from './test-case.js';
import { WsMetrics } from './ws-session.js';

/** Values whose every rendering throws: user code can throw anything. */
function unshowables(): [string, unknown][] {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  const bad = { toJSON() { throw new Error('no json'); }, toString() { throw new Error('no string'); } };
  const badError = new Error('x');
  Object.defineProperty(badError, 'message', { get() { throw new Error('no message'); } });
  return [['a revoked Proxy', proxy], ['an object whose toJSON and toString throw', bad], ['an Error whose message getter throws', badError]];
}

test('errorMessage never throws: a value that cannot be rendered is named as such', () => {
  for (const [what, v] of unshowables()) assert.equal(errorMessage(v), UNSHOWABLE, what);
  assert.equal(errorMessage(new TypeError('boom')), 'TypeError: boom');
  assert.equal(errorMessage({ a: 1 }), 'thrown: {"a":1}');
});

test('ErrorSamples.record counts a value that cannot be shown, with a message and a stack', () => {
  const registry = new MetricsRegistry();
  const errors = new ErrorSamples(registry);
  for (const [, v] of unshowables()) assert.equal(errors.record(v, 'T', 'run'), `T.run: ${UNSHOWABLE}`);
  assert.deepEqual(errors.take(), [{ message: `T.run: ${UNSHOWABLE}`, count: 3, stack: UNSHOWABLE }]);
});

test('an iteration whose run() throws a value that cannot be shown counts as failed', async () => {
  const registry = new MetricsRegistry();
  const world: ScriptWorld = {
    openModel: false,
    http: new HttpMetrics(registry, { openModel: false, requestLog: undefined, t0: () => 0 }),
    ws: new WsMetrics(registry),
    script: new ScriptMetrics(registry),
    errors: new ErrorSamples(registry),
    feeder: undefined,
    session: { target: undefined },
  };
  const values = unshowables().map(([, v]) => v);
  class Thrower extends TestCase {
    override run(): void {
      throw values[this.user.iteration];
    }
  }
  const user = new ScriptUser(world, { name: 'Thrower', cls: Thrower as unknown as TestCaseClass, options: {}, shared: undefined }, 0);
  for (let i = 0; i < values.length; i++) await new Promise<void>((done) => user.run(performance.now(), done));
  await user.close();
  const c = registry.snapshot().counters;
  assert.equal(c['iterations{test:Thrower}'], values.length, 'every iteration counted');
  assert.equal(c['iteration_errors'], values.length, 'and every one failed');
  assert.deepEqual(world.errors.take().map((s) => [s.message, s.count]), [[`Thrower.run: ${UNSHOWABLE}`, values.length]]);
});
