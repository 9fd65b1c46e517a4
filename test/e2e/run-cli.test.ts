import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, spawnCli, type CliRun } from '../helpers/cli.js';
import { EXAMPLES, startExampleTarget, type ExampleTarget } from '../helpers/script-harness.js';
import { countMarks, FIXTURES, LIFECYCLE_SCRIPT, MARK, scriptDir, usersRunning } from '../fixtures/scripts/script-dir.js';

// `gauntlet run` end to end: the built CLI spawned with --workers 2 against the examples' target.

let target: ExampleTarget;
before(async () => {
  target = await startExampleTarget();
});
after(() => target.close());

const noStack = (r: CliRun) => assert.doesNotMatch(r.stderr, /^\s+at /m, `no stack trace on stderr:\n${r.stderr}`);
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { stopReason: string; durationMs: number; thresholds?: { metric: string; expression: string; ok: boolean; actual: number }[]; metrics: { counters: Record<string, number> }; errors: { message: string; count: number; stack: string }[] };

async function until(what: string, ok: () => boolean, withinMs = 20_000): Promise<void> {
  const end = performance.now() + withinMs;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('Ctrl-C (SIGINT): the run stops, the report is printed, shutdown runs, exit 130', async () => {
  const d = scriptDir({ 'life.ts': LIFECYCLE_SCRIPT, 'life.yaml': 'tests:\n  - test: ./life.ts#Life\n    options: { sleepMs: 20 }\n' });
  const { child, wait } = spawnCli(['run', d.file('life.yaml'), '-u', '4', '-d', '60s', '--workers', '2', '-q', '--json', d.file('r.json')]);
  await until('every user to iterate', () => usersRunning(d.marks()) === 4);
  child.kill('SIGINT');
  const r = await wait;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stdout, /Stopped by the user before the planned end/);
  assert.match(r.stdout, /^Tests:\n {2}Life +\d+ iterations/m, 'the per-test summary is printed');
  const n = countMarks(d.marks());
  assert.equal(n['startup'], 1);
  assert.equal(n['shutdown'], 1, 'shutdown ran after Ctrl-C');
  assert.equal(n['userStart'], 4);
  assert.equal(n['userStop'], 4);
  assert.equal(n['setup'], n['teardown']);
  assert.equal(json(d.file('r.json')).stopReason, 'interrupted');
});

test('Ctrl-C during a slow startup: startup finishes, no user starts, shutdown runs, exit 130', async () => {
  const d = scriptDir({
    'slow-start.ts': `import { TestCase } from 'gauntlet';
${MARK}
export class SlowStart extends TestCase {
  static override async startup() { mark('startup begin'); await new Promise((r) => setTimeout(r, 1500)); mark('startup end'); return 1; }
  static override shutdown() { mark('shutdown'); }
  run() { mark('run'); }
}
`,
  });
  const { child, wait } = spawnCli(['run', d.file('slow-start.ts'), '-u', '2', '-d', '60s', '--workers', '2', '-q']);
  await until('startup to begin', () => d.marks().includes('startup begin'));
  child.kill('SIGINT');
  const r = await wait;
  assert.equal(r.code, 130, r.stderr);
  assert.deepEqual(d.marks(), ['startup begin', 'startup end', 'shutdown']);
  assert.match(r.stdout, /Stopped by the user before the planned end/);
});

test('a failing startup: one error line naming the test, a hint at the user file, shutdown still runs, exit 1', async () => {
  const d = scriptDir({ 'life.ts': LIFECYCLE_SCRIPT, 'life.yaml': 'tests:\n  - test: ./life.ts#Life\n    options: { label: S, failStartup: true }\n' });
  const r = await runCli(['run', d.file('life.yaml'), '-u', '2', '-i', '1', '--workers', '2', '-q']);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines[0], 'error: startup of Life failed: the token service is down');
  assert.match(lines[1] ?? '', /^hint: .*life\.ts:\d+:\d+/);
  assert.equal(lines.length, 2);
  assert.equal(r.stdout, '', 'no run, no report');
  assert.deepEqual(d.marks(), ['startup S', 'shutdown null']);
});

const CHECKS = `import { TestCase } from 'gauntlet';
export class Checked extends TestCase<{ failEvery?: number }> {
  async run() {
    const n = this.options.failEvery ?? 0;
    this.check('mostly fine', n === 0 || this.user.iteration % n !== 0);
    await this.sleep(10);
  }
}
`;

test('a failing threshold exits 99 after the full report: summary printed, JSON written with the verdicts', async () => {
  const d = scriptDir({ 'checks.ts': CHECKS, 'fail.yaml': 'tests:\n  - test: ./checks.ts\n    options: { failEvery: 2 }\nthresholds:\n  checks: ["rate>0.99"]\n  iterations: ["count>5"]\n' });
  const r = await runCli(['run', d.file('fail.yaml'), '-u', '2', '-i', '10', '--workers', '2', '-q', '--json', d.file('r.json')]);
  assert.equal(r.code, 99, r.stderr);
  assert.match(r.stdout, /^Test of 20 iterations complete/m, 'the text summary is printed');
  assert.match(r.stdout, /^ {2}FAIL {2}checks rate>0\.99 {2}\(actual 50\.00%\)$/m);
  assert.match(r.stdout, /^ {2}PASS {2}iterations count>5 {2}\(actual 20\)$/m);
  assert.match(r.stdout, /^Tests:\n {2}Checked +20 iterations, 10 succeeded, 10 failed/m, 'the script summary is printed too: an iteration with a failed check failed');
  assert.equal(r.stdout.trimEnd().split('\n').at(-1), 'NOT OK: 1 of 2 thresholds failed (exit 99): checks rate>0.99; 50 % of iterations failed (10 of 20); 50 % of checks failed (10 of 20).');
  assert.match(r.stdout, /✗ mostly fine +10 passed, 10 failed/);
  const j = json(d.file('r.json'));
  assert.equal(j.stopReason, 'completed');
  assert.deepEqual(j.thresholds, [
    { metric: 'checks', expression: 'rate>0.99', actual: 0.5, ok: false },
    { metric: 'iterations', expression: 'count>5', actual: 20, ok: true },
  ]);
  assert.equal(r.stderr, '', 'nothing on stderr: a failed threshold is a verdict, not an error');
  // The saved result re-renders the same report, the script's sections and thresholds included.
  const again = await runCli(['report', d.file('r.json')]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /FAIL +checks rate>0\.99/);
  assert.match(again.stdout, /^Tests:\n {2}Checked +20 iterations, 10 succeeded, 10 failed/m);
});

test('a passing threshold (--threshold flag) exits 0', async () => {
  const d = scriptDir({ 'checks.ts': CHECKS });
  const r = await runCli(['run', d.file('checks.ts'), '-u', '2', '-i', '5', '--workers', '2', '-q', '--threshold', 'checks rate>0.99', '--threshold', 'iteration_duration p(95)<5s']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ {2}PASS {2}checks rate>0\.99 {2}\(actual 100\.00%\)$/m);
  assert.match(r.stdout, /^ {2}PASS {2}iteration_duration p\(95\)<5s/m);
});

test('--abort-on-fail stops the run early with exit 99', async () => {
  const d = scriptDir({ 'checks.ts': CHECKS, 'abort.yaml': 'tests:\n  - test: ./checks.ts\n    options: { failEvery: 1 }\n' });
  const t0 = performance.now();
  const r = await runCli(['run', d.file('abort.yaml'), '-u', '2', '-d', '60s', '--workers', '2', '-q', '--threshold', 'checks rate>0.99', '--abort-on-fail', '--json', d.file('r.json')]);
  assert.equal(r.code, 99, r.stderr);
  assert.ok(performance.now() - t0 < 40_000, 'stopped long before the planned 60 s');
  assert.match(r.stdout, /Stopped early: threshold checks rate>0\.99 failed \(abort on fail\)\./);
  assert.match(r.stdout, /FAIL {2}checks rate>0\.99/);
  const j = json(d.file('r.json'));
  assert.equal(j.stopReason, 'threshold');
  assert.ok(j.durationMs < 30_000, `ran ${j.durationMs} ms of 60 s`);
});

test('config errors: an unknown key is one error line file:line:col, exit 2; a missing script, exit 2', async () => {
  const r = await runCli(['run', path.join(FIXTURES, 'unknown-key.yaml')]);
  assert.equal(r.code, 2);
  const lines = r.stderr.trimEnd().split('\n');
  assert.match(lines[0]!, /^error: \S*unknown-key\.yaml:3:1: unknown key 'durration'$/);
  assert.match(lines[1]!, /^hint: did you mean 'duration'\?/);
  assert.equal(lines.length, 2);
  assert.equal(r.stdout, '');

  const missing = await runCli(['run', path.join(FIXTURES, 'missing-script.yaml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^error: \S*missing-script\.yaml:4:11: script '\.\/no-such-script\.ts' not found \(tests\[0\]\.test\)$/m);
  noStack(missing);

  const direct = await runCli(['run', path.join(FIXTURES, 'no-such-script.ts')]);
  assert.equal(direct.code, 2);
  assert.match(direct.stderr, /^error: script '.*no-such-script\.ts' not found$/m);
  noStack(direct);
});

test('a TypeScript syntax error in a script: file:line:col, exit 2, no stack trace', async () => {
  const d = scriptDir({
    'broken.ts': `import { TestCase } from 'gauntlet';

export class Broken extends TestCase {
  async run() {
    const total: number = ;
  }
}
`,
    'broken.yaml': 'tests:\n  - test: ./broken.ts\n',
  });
  for (const file of ['broken.ts', 'broken.yaml']) {
    const r = await runCli(['run', d.file(file), '-u', '1', '-i', '1', '--workers', '2']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: \S*broken\.ts:5:27: Unexpected ";"$/m, `${file}: ${r.stderr}`);
    // The hint quotes the line with a caret under the mistake (column 27), on lines of their own.
    assert.match(r.stderr, /^hint: the error is marked below:\n {4}const total: number = ;\n {26}\^$/m, 'the hint quotes the line and marks the column');
    noStack(r);
    assert.equal(r.stdout, '');
  }
});

test("an iteration that throws is counted and sampled in the JSON errors with a stack into the user's .ts", async () => {
  const d = scriptDir({
    'flaky.ts': `import { TestCase } from 'gauntlet';

export class Flaky extends TestCase {
  async run() {
    if (this.user.iteration === 1) throw new RangeError('iteration one is cursed');
    await this.http.get('/');
  }
}
`,
  });
  const r = await runCli(['run', d.file('flaky.ts'), '--target', target.url, '-u', '4', '-i', '4', '--workers', '2', '-q', '--json', d.file('r.json')]);
  assert.equal(r.code, 0, r.stderr);
  const j = json(d.file('r.json'));
  assert.equal(j.metrics.counters['iterations'], 16, 'the run went on after the throws');
  assert.equal(j.metrics.counters['iteration_errors'], 4);
  assert.equal(j.metrics.counters['http_reqs'], 12);
  assert.equal(j.errors.length, 1);
  assert.equal(j.errors[0]!.message, 'Flaky.run: RangeError: iteration one is cursed');
  assert.equal(j.errors[0]!.count, 4);
  assert.match(j.errors[0]!.stack, /flaky\.ts:5:\d+/);
  assert.match(r.stdout, /Errors in user code:\n +4 × Flaky\.run: RangeError: iteration one is cursed/);
  assert.match(r.stdout, /Flaky +16 iterations, 12 succeeded, 4 failed/);
});

test("--data with fewer rows than users exits 2 before the run; rows are unique across workers", async () => {
  const d = scriptDir({
    'feed.ts': `import { TestCase } from 'gauntlet';
${MARK}
export class Feed extends TestCase {
  static override startup() { mark('startup'); }
  override userStart() { mark('row ' + this.data!.username); }
  run() {}
}
`,
  }, ['users.csv', 'five-users.csv']);
  const short = await runCli(['run', d.file('feed.ts'), '--data', d.file('five-users.csv'), '-u', '6', '-i', '1', '--workers', '2', '-q']);
  assert.equal(short.code, 2);
  assert.match(short.stderr, /^error: .*five-users\.csv has 5 rows but 6 users each need their own row \(data mode unique\)$/m);
  assert.deepEqual(d.marks(), [], 'startup did not run');

  const ok = await runCli(['run', d.file('feed.ts'), '--data', d.file('users.csv'), '--data-mode', 'unique', '-u', '6', '-i', '2', '--workers', '2', '-q']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(d.marks().filter((m) => m.startsWith('row ')).sort(), ['row alice', 'row bob', 'row carol', 'row dave', 'row erin', 'row frank']);
});

test("import { TestCase } from 'gauntlet' works for a script in a folder with no node_modules", async () => {
  const d = scriptDir({});
  for (let dir = d.dir; ; dir = path.dirname(dir)) {
    assert.ok(!existsSync(path.join(dir, 'node_modules')), `${dir} has no node_modules`);
    if (path.dirname(dir) === dir) break;
  }
  copyFileSync(path.join(EXAMPLES, 'rest.ts'), d.file('rest.ts'));
  const r = await runCli(['run', d.file('rest.ts'), '--target', target.url, '-u', '4', '-i', '3', '--workers', '2', '-q', '--json', d.file('r.json'), '--test', 'Create']);
  assert.equal(r.code, 0, r.stderr);
  const c = json(d.file('r.json')).metrics.counters;
  assert.equal(c['iterations{test:Create}'], 12);
  assert.equal(c['iterations{test:Browse}'], undefined, '--test picked one export');
  assert.equal(c['checks{result:fail}'] ?? 0, 0);
});

/** EXAMPLE_ARGS runs each example briefly; a new example without an entry fails the test below. */
const EXAMPLE_ARGS: Record<string, string[]> = {
  'rest.ts': ['-u', '4', '-d', '1s'],
  'session.ts': ['-u', '3', '-i', '5'],
  'websocket.ts': ['-u', '3', '-i', '5'],
  'csv-users.ts': ['--data', path.join(EXAMPLES, 'users.csv'), '-u', '4', '-i', '3'],
  'function.ts': ['-d', '1s'],
  'two-rates.yaml': ['-d', '2s'],
};

test('every example in examples/ runs through the CLI against the examples target and exits 0', async () => {
  const examples = readdirSync(EXAMPLES).filter((f) => /\.(ts|ya?ml)$/.test(f)).sort();
  assert.deepEqual(examples, Object.keys(EXAMPLE_ARGS).sort(), 'every example has a CLI run here');
  const d = scriptDir({});
  for (const name of examples) {
    const out = d.file(`${name}.json`);
    const r = await runCli(['run', path.join(EXAMPLES, name), '--target', target.url, '--workers', '2', '-q', '--json', out, ...EXAMPLE_ARGS[name]!]);
    assert.equal(r.code, 0, `${name}: exit ${r.code}\n${r.stderr}\n${r.stdout}`);
    const j = json(out);
    const c = j.metrics.counters;
    assert.ok((c['iterations'] ?? 0) > 0, `${name} ran iterations`);
    assert.equal(c['iteration_errors'] ?? 0, 0, `${name}: no errors in user code`);
    assert.equal(c['checks{result:fail}'] ?? 0, 0, `${name}: every check passed`);
    assert.equal(c['http_req_failed'] ?? 0, 0, `${name}: no unexpected responses`);
    assert.ok((j.thresholds ?? []).every((t) => t.ok), `${name}: thresholds pass`);
  }
});
