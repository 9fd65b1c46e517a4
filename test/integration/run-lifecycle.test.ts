import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareScriptRun, startScriptRun, type RunScriptOptions } from '../../src/api/run-script.js';
import { GauntletError } from '../../src/core/errors.js';
import type { RunResult } from '../../src/metrics/run-result.js';
import { countMarks, LIFECYCLE_SCRIPT, MARK, scriptDir, usersRunning } from '../fixtures/scripts/script-dir.js';

// The lifecycle of `gauntlet run` through the engine (prepareScriptRun + startScriptRun, two worker
// threads): startup and shutdown run once per run in the main process, the per-user and
// per-iteration hooks in the workers. Every hook appends a line to marks.txt beside the script.

/** run runs a script through the engine; `stopWhen` is polled (up to 20 s) and stops the run once true. */
async function run(options: RunScriptOptions, stopWhen?: () => boolean): Promise<RunResult> {
  const handle = await startScriptRun(await prepareScriptRun({ workers: 2, ...options }));
  if (stopWhen !== undefined) {
    const end = performance.now() + 20_000;
    const poll = setInterval(() => {
      if (stopWhen() || performance.now() > end) {
        clearInterval(poll);
        handle.stop();
      }
    }, 50);
  }
  return handle.done;
}

const config = (options: string, extra = '') => `tests:\n  - test: ./life.ts#Life\n    options: ${options}\n${extra}`;

test('startup and shutdown once per run across 2 workers; setup/run/teardown once per iteration; userStart/userStop once per user', async () => {
  const d = scriptDir({ 'life.ts': LIFECYCLE_SCRIPT, 'life.yaml': config('{ label: L, throwAt: 2 }') });
  const result = await run({ file: d.file('life.yaml'), connections: 4, iterationsPerUser: 5 });
  assert.equal(result.stopReason, 'completed');
  assert.equal(result.workers, 2);

  const marks = d.marks();
  assert.deepEqual(countMarks(marks), { startup: 1, shutdown: 1, userStart: 4, userStop: 4, setup: 20, run: 20, teardown: 20 });
  assert.equal(marks[0], 'startup L', 'startup runs before any user starts');
  assert.equal(marks.at(-1), 'shutdown {"token":"tok"}', 'shutdown runs after the last user stopped, with what startup returned');
  // Every user ran iterations 0..4 in order, each wrapped in setup and teardown (also iteration 2, which threw).
  for (let u = 0; u < 4; u++) {
    const mine = marks.filter((m) => m.split(' ')[1] === String(u)).map((m) => m.split(' ').slice(0, 3).join(' '));
    const expected = [`userStart ${u}`, ...[0, 1, 2, 3, 4].flatMap((i) => [`setup ${u} ${i}`, `run ${u} ${i}`, `teardown ${u} ${i}`]), `userStop ${u}`];
    assert.deepEqual(mine, expected, `user ${u}`);
  }
  assert.ok(marks.some((m) => m === 'run 0 0 L tok'), 'options (from the config) and shared (from startup) reach the instance');

  // Users are split over both workers: 0 and 2 in one, 1 and 3 in the other; the counts are the engine's too.
  const c = result.metrics.counters;
  assert.equal(c['iterations'], 20);
  assert.equal(c['iterations{test:Life}'], 20);
  assert.equal(c['iteration_errors'], 4, 'the throwing iteration of each user is counted');
  assert.equal(c['iteration_errors{test:Life}'], 4);
});

test('an iteration that throws is counted, sampled with a stack into the user file, and the run goes on', async () => {
  const d = scriptDir({
    'throws.ts': `import { TestCase } from 'gauntlet';
export class Thrower extends TestCase {
  async run() {
    if (this.user.iteration % 2 === 0) {
      const payload: { items?: string[] } = {};
      payload.items!.push('x'); // TypeError on even iterations
    }
  }
}
`,
  });
  const result = await run({ file: d.file('throws.ts'), connections: 3, iterationsPerUser: 6 });
  const c = result.metrics.counters;
  assert.equal(result.stopReason, 'completed');
  assert.equal(c['iterations'], 18, 'every planned iteration ran');
  assert.equal(c['iteration_errors'], 9);
  assert.equal(result.errors.length, 1);
  const e = result.errors[0]!;
  assert.equal(e.count, 9, 'samples from both workers are merged by message');
  assert.match(e.message, /^Thrower\.run: TypeError: Cannot read properties of undefined/);
  assert.match(e.stack, /throws\.ts:6:\d+/, `the stack points at the line in the user's .ts file: ${e.stack}`);
  assert.doesNotMatch(e.stack, /dist[\\/]src/, "Gauntlet's own frames are left out");
  assert.equal(c[`iteration_errors{message:${e.message}}`], 9);
  assert.equal(result.summary['iteration_duration']?.count, 18);
});

test('shutdown runs after a stop (what Ctrl-C does) while iterations are in flight', async () => {
  const d = scriptDir({ 'life.ts': LIFECYCLE_SCRIPT, 'life.yaml': config('{ sleepMs: 20 }') });
  const t0 = performance.now();
  // Stop once every user is in its loop (what the CLI does on SIGINT).
  const result = await run({ file: d.file('life.yaml'), connections: 4, duration: '60s' }, () => usersRunning(d.marks()) === 4);
  assert.ok(performance.now() - t0 < 30_000, 'the stop ended the 60 s run early');
  assert.equal(result.stopReason, 'interrupted');
  const n = countMarks(d.marks());
  assert.equal(n['startup'], 1);
  assert.equal(n['shutdown'], 1);
  assert.equal(n['userStart'], 4);
  assert.equal(n['userStop'], 4, 'users retire on a stop');
  assert.equal(n['setup'], n['teardown'], 'every iteration that started was torn down');
  assert.ok((n['run'] ?? 0) >= 4);
  assert.equal(d.marks().at(-1)?.split(' ')[0], 'shutdown');
});

test('a failing startup aborts before any user starts; shutdown still runs; the error names the test (exit 1)', async () => {
  const d = scriptDir({ 'life.ts': LIFECYCLE_SCRIPT, 'life.yaml': config('{ label: S, failStartup: true }') });
  const prepared = await prepareScriptRun({ file: d.file('life.yaml'), workers: 2, connections: 2, iterationsPerUser: 1 });
  await assert.rejects(startScriptRun(prepared), (err: unknown) => {
    assert.ok(err instanceof GauntletError);
    assert.equal(err.message, 'startup of Life failed: the token service is down');
    assert.equal(err.exitCode, 1);
    assert.match(err.hint ?? '', /life\.ts:\d+:\d+/, 'the hint names the line of the user file');
    return true;
  });
  assert.deepEqual(d.marks(), ['startup S', 'shutdown null']);
});

test('shutdown runs when a worker cannot build the scenario (the run fails before it starts)', async () => {
  const d = scriptDir({
    'worker-fails.ts': `import { isMainThread } from 'node:worker_threads';
import { TestCase } from 'gauntlet';
${MARK}
// Loads fine in the main process (startup runs), throws when a worker imports it.
if (!isMainThread) throw new Error('no database driver in worker threads');
export class W extends TestCase {
  static override startup() { mark('startup'); return 1; }
  static override async shutdown() { await new Promise((r) => setTimeout(r, 50)); mark('shutdown'); }
  run() {}
}
`,
  });
  const handle = await startScriptRun(await prepareScriptRun({ file: d.file('worker-fails.ts'), workers: 2, connections: 2, iterationsPerUser: 1 }));
  await assert.rejects(handle.done, /no database driver in worker threads/);
  assert.deepEqual(d.marks(), ['startup', 'shutdown'], 'shutdown has finished by the time done rejects');
});

const TWO_TESTS = `import { TestCase } from 'gauntlet';
${MARK}
export class Alpha extends TestCase<{ greeting?: string }> {
  static override startup() { mark('startup Alpha'); }
  run() { mark('run Alpha ' + String(this.options.greeting)); }
}
export class Beta extends TestCase {
  static override startup() { mark('startup Beta'); }
  run() { mark('run Beta'); }
}
`;
const TWO_CONFIG = 'tests:\n  - test: ./two.ts#Alpha\n    options: { greeting: hello }\n  - test: ./two.ts#Beta\n';

test('--test Name runs one export of several (and only its startup)', async () => {
  const d = scriptDir({ 'two.ts': TWO_TESTS });
  const result = await run({ file: d.file('two.ts'), tests: ['Beta'], connections: 2, iterationsPerUser: 3 });
  assert.deepEqual(d.marks(), ['startup Beta', 'run Beta', 'run Beta', 'run Beta', 'run Beta', 'run Beta', 'run Beta']);
  assert.equal(result.metrics.counters['iterations{test:Beta}'], 6);
  assert.equal(result.metrics.counters['iterations{test:Alpha}'], undefined);

  await assert.rejects(prepareScriptRun({ file: d.file('two.ts'), tests: ['Gamma'] }), (err: unknown) => {
    assert.ok(err instanceof GauntletError);
    assert.equal(err.exitCode, 2);
    assert.match(err.message, /--test Gamma: no such test/);
    assert.match(err.hint ?? '', /Alpha, Beta/);
    return true;
  });
});

test("options from the config's options: reach the instance; --test picks from a config too", async () => {
  const d = scriptDir({ 'two.ts': TWO_TESTS, 'two.yaml': TWO_CONFIG });
  const result = await run({ file: d.file('two.yaml'), tests: ['Alpha'], connections: 2, iterationsPerUser: 2 });
  assert.deepEqual(d.marks(), ['startup Alpha', 'run Alpha hello', 'run Alpha hello', 'run Alpha hello', 'run Alpha hello']);
  assert.equal(result.metrics.counters['iterations'], 4);
});
