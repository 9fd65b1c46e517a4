import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GauntletError } from '../../src/core/errors.js';
import { runShutdown, runStartup } from '../../src/scenarios/script/script-lifecycle.js';
import { drive, harness, load, runOnce, specFor, writeScripts } from '../helpers/script-harness.js';

type Events = string[];
const events = (): Events => ((globalThis as Record<string, unknown>)['__gauntletEvents'] ??= []) as Events;
const reset = () => events().splice(0);

const LIFECYCLE = `
import { TestCase } from 'gauntlet';
const log = (e: string) => (globalThis as any).__gauntletEvents.push(e);
export class Life extends TestCase<{ label: string }, { token: string }> {
  static async startup(ctx: any) { log('startup:' + ctx.options.label); return { token: 'tok-' + ctx.test, when: new Date(0) }; }
  static async shutdown(_ctx: any, shared: any) { log('shutdown:' + shared?.token); }
  async userStart() { log('userStart:' + this.user.id); }
  async userStop() { log('userStop:' + this.user.id); }
  async setup() { log('setup:' + this.user.id + ':' + this.user.iteration); }
  async run() {
    log('run:' + this.user.id + ':' + this.user.iteration + ':' + this.options.label + ':' + this.shared.token);
    if (this.user.iteration === 1) throw new Error('boom in iteration 1');
  }
  async teardown() { log('teardown:' + this.user.id + ':' + this.user.iteration); }
}
`;

test('lifecycle: startup once, userStart/userStop once per user, setup/run/teardown per iteration, teardown after a throw', async () => {
  reset();
  const files = writeScripts({ 'life.ts': LIFECYCLE });
  const loaded = await load(files['life.ts']!);
  assert.deepEqual(loaded.modules[0]!.tests.map((t) => t.exportName), ['Life']);
  const spec = await runStartup(specFor(loaded, { entries: [{ file: files['life.ts']!, options: { label: 'L' } }] }));
  assert.deepEqual(spec.tests[0]!.shared, { token: 'tok-Life', when: '1970-01-01T00:00:00.000Z' }, 'shared is the JSON round trip');
  const h = await harness(spec);
  const m = await drive(h, { users: 2, iterations: 3 });
  const failures = await runShutdown(spec);
  assert.deepEqual(failures, []);

  const ev = events();
  const count = (prefix: string) => ev.filter((e) => e.startsWith(prefix)).length;
  assert.equal(count('startup:L'), 1);
  assert.equal(count('shutdown:tok-Life'), 1);
  assert.equal(count('userStart:'), 2);
  assert.equal(count('userStop:'), 2);
  assert.equal(count('setup:'), 6);
  assert.equal(count('run:'), 6);
  assert.equal(count('teardown:'), 6, 'teardown runs after the failing iteration too');
  assert.ok(ev.includes('run:0:0:L:tok-Life'), 'options and shared reach the instance');
  // Order for user 0.
  const u0 = ev.filter((e) => /^(userStart|userStop):0$/.test(e) || /^(setup|run|teardown):0:/.test(e)).map((e) => e.split(':').slice(0, 3).join(':'));
  assert.deepEqual(u0, ['userStart:0', 'setup:0:0', 'run:0:0', 'teardown:0:0', 'setup:0:1', 'run:0:1', 'teardown:0:1', 'setup:0:2', 'run:0:2', 'teardown:0:2', 'userStop:0']);

  // The throwing iteration is counted and sampled; the others ran.
  assert.equal(m.count('iteration_errors'), 2);
  assert.equal(m.count('iteration_errors{test:Life}'), 2);
  assert.equal(m.count('iterations{test:Life}'), 6);
  assert.equal(m.summary('iteration_duration')?.count, 6);
  const samples = h.scenario.errorSamples();
  assert.equal(samples.length, 1);
  assert.equal(samples[0]!.message, 'Life.run: boom in iteration 1');
  assert.equal(samples[0]!.count, 2);
  assert.match(samples[0]!.stack, /life\.ts:\d+:\d+/, 'the stack points into the user file');
  assert.equal(m.count('iteration_errors{message:Life.run: boom in iteration 1}'), 2);
});

test('startup failure: shutdown still runs and the error names the test', async () => {
  reset();
  const files = writeScripts({
    'bad.ts': `
import { TestCase } from 'gauntlet';
const log = (e: string) => (globalThis as any).__gauntletEvents.push(e);
export class Alpha extends TestCase {
  static startup() { log('startup:Alpha'); return 1; }
  static shutdown(_c: unknown, s: unknown) { log('shutdown:Alpha:' + s); }
  run() {}
}
export class Broken extends TestCase {
  static startup() { throw new Error('no token for you'); }
  static shutdown(_c: unknown, s: unknown) { log('shutdown:Broken:' + s); }
  run() {}
}`,
  });
  const loaded = await load(files['bad.ts']!);
  await assert.rejects(runStartup(specFor(loaded)), (err: unknown) => {
    assert.ok(err instanceof GauntletError);
    assert.equal(err.code, 'GAUNTLET_RUNTIME');
    assert.match(err.message, /^startup of Broken failed: no token for you$/);
    assert.match(err.hint ?? '', /bad\.ts:\d+/);
    return true;
  });
  assert.deepEqual(events(), ['startup:Alpha', 'shutdown:Alpha:1', 'shutdown:Broken:undefined'], 'tests run in export-name order (a module namespace is sorted)');
});

test('a failing userStart is retried on the next iteration; userStop runs only after a successful start', async () => {
  reset();
  const files = writeScripts({
    'flaky.ts': `
import { TestCase } from 'gauntlet';
const log = (e: string) => (globalThis as any).__gauntletEvents.push(e);
let starts = 0;
export class Flaky extends TestCase {
  userStart() { log('userStart'); if (++starts === 1) throw new TypeError('first login fails'); }
  userStop() { log('userStop'); }
  run() { log('run'); }
}`,
  });
  const h = await harness(specFor(await load(files['flaky.ts']!)));
  const m = await drive(h, { users: 1, iterations: 3 });
  assert.deepEqual(events(), ['userStart', 'userStart', 'run', 'run', 'userStop']);
  assert.equal(m.count('iteration_errors'), 1);
  assert.equal(h.scenario.errorSamples()[0]!.message, 'Flaky.userStart: TypeError: first login fails');
});

test('weights assign users to tests deterministically by global user index', async () => {
  const files = writeScripts({
    'mix.ts': `
import { TestCase } from 'gauntlet';
export class Heavy extends TestCase { static weight = 3; run() {} }
export class Light extends TestCase { run() {} }`,
  });
  const loaded = await load(files['mix.ts']!);
  const spec = specFor(loaded);
  assert.deepEqual(spec.tests.map((t) => [t.name, t.weight]), [['Heavy', 3], ['Light', 1]]);
  const h = await harness(spec);
  const m = await drive(h, { users: 40, iterations: 2 });
  assert.equal(m.count('iterations{test:Heavy}'), 60);
  assert.equal(m.count('iterations{test:Light}'), 20);
  // Two workers splitting the same 40 users by segment give the same split.
  const a = await harness(spec);
  const b = await harness(spec);
  const ma = await drive(a, { iterations: 1, indexes: Array.from({ length: 20 }, (_, i) => i * 2) });
  const mb = await drive(b, { iterations: 1, indexes: Array.from({ length: 20 }, (_, i) => i * 2 + 1) });
  assert.equal(ma.count('iterations{test:Heavy}') + mb.count('iterations{test:Heavy}'), 30);
});

test('function form: default export runs per iteration with t.check, startup/shutdown exports', async () => {
  reset();
  const files = writeScripts({
    'fn.ts': `
export const options = { users: 3, duration: '5s' };
export function startup() { (globalThis as any).__gauntletEvents.push('startup'); return { n: 7 }; }
export default async function (t: any) {
  t.check('shared arrived', t.shared.n === 7);
  t.metrics.add('my_value', 2.5);
  t.metrics.count('my_count');
}`,
  });
  const loaded = await load(files['fn.ts']!);
  assert.deepEqual(loaded.modules[0]!.options, { users: 3, duration: '5s' });
  assert.deepEqual(loaded.modules[0]!.tests, [{ module: 0, exportName: 'default', kind: 'function', weight: undefined }]);
  const spec = await runStartup(specFor(loaded));
  assert.equal(spec.tests[0]!.name, 'fn');
  const m = await drive(await harness(spec), { users: 2, iterations: 2 });
  assert.equal(m.count('checks{result:pass}'), 4);
  assert.equal(m.count('checks{check:shared arrived,result:pass}'), 4);
  assert.equal(m.count('my_count'), 4);
  const s = m.summary('my_value');
  assert.equal(s?.count, 4);
  assert.ok(Math.abs(s!.mean - 2.5) < 1e-3);
  assert.deepEqual(events(), ['startup']);
});

test('abort ends a sleeping iteration at once without counting it; close still runs userStop', async () => {
  reset();
  const files = writeScripts({
    'sleepy.ts': `
import { TestCase } from 'gauntlet';
export class Sleepy extends TestCase {
  async run() { await this.sleep(60_000); }
  userStop() { (globalThis as any).__gauntletEvents.push('userStop'); }
}`,
  });
  const h = await harness(specFor(await load(files['sleepy.ts']!)));
  const user = await h.scenario.createUser(0);
  const started = performance.now();
  const done = runOnce(user);
  setTimeout(() => user.abort(), 50);
  await done;
  assert.ok(performance.now() - started < 5000);
  await user.close();
  const snap = h.registry.snapshot();
  assert.equal(snap.counters['iteration_errors'] ?? 0, 0, 'an aborted iteration is not an error');
  assert.deepEqual(events(), ['userStop']);
});
