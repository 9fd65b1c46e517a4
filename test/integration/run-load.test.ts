import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { prepareScriptRun, startScriptRun, type RunScriptOptions } from '../../src/api/run-script.js';
import { GauntletError } from '../../src/core/errors.js';
import type { RunResult } from '../../src/metrics/run-result.js';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';
import { MARK, scriptDir } from '../fixtures/scripts/script-dir.js';

// How `gauntlet run` shapes load through the engine with two worker threads: weights in one closed
// model, each test at its own rate (plan parts), and feeder rows unique across workers. The client's
// counts are checked against what a real server on 127.0.0.1 saw.

let target: CountingTarget;
const logins: string[] = [];
before(async () => {
  target = await startCountingTarget({
    handler: (req, res) => {
      const m = /^\/login\/([^/?]+)/.exec(req.url ?? '');
      if (m) logins.push(decodeURIComponent(m[1]!));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    },
  });
});
after(() => target.close());

async function run(options: RunScriptOptions): Promise<RunResult> {
  const handle = await startScriptRun(await prepareScriptRun({ workers: 2, target: target.url, ...options }));
  return handle.done;
}

const within = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= expected * tolerance, `${what}: ${actual}, expected ${expected} ± ${tolerance * 100}%`);

test('static weight 3 vs 1 in one closed model: users and iterations split 3:1 across 2 workers', async () => {
  // Weights assign global user indexes to tests (3:1 gives Heavy Heavy Light Heavy, again and again),
  // the same in every worker, so the split is exact: a count, not a ratio of requests over time.
  const d = scriptDir({
    'mix.ts': `import { TestCase } from 'gauntlet';
import { threadId } from 'node:worker_threads';
${MARK}
export class Heavy extends TestCase {
  static override weight = 3;
  override userStart() { mark('user Heavy ' + this.user.id + ' ' + threadId); }
  async run() { await this.http.get('/heavy'); await this.sleep(5); }
}
export class Light extends TestCase {
  override userStart() { mark('user Light ' + this.user.id + ' ' + threadId); }
  async run() { await this.http.get('/light'); await this.sleep(5); }
}
`,
  });
  const before = { heavy: target.byPath.get('/heavy') ?? 0, light: target.byPath.get('/light') ?? 0 };
  const result = await run({ file: d.file('mix.ts'), connections: 20, iterationsPerUser: 10 });
  assert.equal(result.stopReason, 'completed');
  const users = d.marks().map((m) => {
    const [, test, id, thread] = m.split(' ');
    return { test: test!, id: Number(id), thread: thread! };
  });
  assert.equal(users.length, 20);
  assert.deepEqual(users.map((u) => u.id).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i), 'each user started once');
  const ids = (test: string) => users.filter((u) => u.test === test).map((u) => u.id).sort((a, b) => a - b);
  assert.deepEqual(ids('Light'), [2, 6, 10, 14, 18], 'every fourth user by global index runs Light');
  assert.equal(ids('Heavy').length, 15);
  const threads = new Map<string, number>();
  for (const u of users) threads.set(u.thread, (threads.get(u.thread) ?? 0) + 1);
  assert.deepEqual([...threads.values()], [10, 10], `the users ran in 2 worker threads, 10 each: ${JSON.stringify([...threads])}`);

  const c = result.metrics.counters;
  assert.equal(c['iterations{test:Heavy}'], 15 * 10);
  assert.equal(c['iterations{test:Light}'], 5 * 10);
  assert.equal(c['iterations'], 200);
  // The server saw exactly what the client counted.
  assert.equal(target.byPath.get('/heavy')! - before.heavy, 150, 'server /heavy');
  assert.equal(target.byPath.get('/light')! - before.light, 50, 'server /light');
});

test('per-test rates from a config: rate 20 and rate 5 for 3 s give about 60 and 15 iterations', async () => {
  const d = scriptDir({
    'rates.ts': `import { TestCase } from 'gauntlet';
export class Fast extends TestCase { async run() { await this.http.get('/fast'); } }
export class Slow extends TestCase { async run() { await this.http.get('/slow'); } }
`,
    'rates.yaml': `duration: 3s
tests:
  - test: ./rates.ts#Fast
    rate: 20
  - test: ./rates.ts#Slow
    rate: 5
`,
  });
  const prepared = await prepareScriptRun({ file: d.file('rates.yaml'), workers: 2, target: target.url });
  assert.deepEqual(prepared.plan.parts.map((p) => [p.name, p.executor.kind]), [['Fast', 'open'], ['Slow', 'open']]);
  const before = { fast: target.byPath.get('/fast') ?? 0, slow: target.byPath.get('/slow') ?? 0 };
  const result = await (await startScriptRun(prepared)).done;
  const c = result.metrics.counters;
  assert.equal(result.model, 'open');
  within(c['iterations{test:Fast}'] ?? 0, 60, 0.15, 'Fast iterations');
  within(c['iterations{test:Slow}'] ?? 0, 15, 0.15, 'Slow iterations');
  assert.equal(c['dropped_iterations'] ?? 0, 0);
  assert.equal(target.byPath.get('/fast')! - before.fast, c['iterations{test:Fast}'], 'the server saw every Fast request');
  assert.equal(target.byPath.get('/slow')! - before.slow, c['iterations{test:Slow}'], 'the server saw every Slow request');
});

test('--test on a config with per-test rates keeps the picked test at its own rate; a rate must name one test', async () => {
  const d = scriptDir({
    'rates.ts': `import { TestCase } from 'gauntlet';
export class Fast extends TestCase { run() {} }
export class Slow extends TestCase { run() {} }
`,
    'rates.yaml': 'duration: 3s\ntests:\n  - test: ./rates.ts#Fast\n    rate: 20\n  - test: ./rates.ts#Slow\n    rate: 5\n',
    'whole-file.yaml': 'duration: 3s\ntests:\n  - test: ./rates.ts\n    rate: 20\n',
  });
  const picked = await prepareScriptRun({ file: d.file('rates.yaml'), tests: ['Slow'], workers: 2 });
  assert.equal(picked.plan.parts.length, 1);
  const part = picked.plan.parts[0]!;
  assert.equal(part.name, 'Slow');
  assert.equal(part.executor.kind, 'open', 'still its own open model, not a closed loop flat out');
  assert.ok(part.executor.kind === 'open' && part.executor.startRate === 5 && part.executor.stages.every((s) => s.target === 5), JSON.stringify(part.executor));

  // A rated entry naming a file with two tests would have run only the first one.
  await assert.rejects(prepareScriptRun({ file: d.file('whole-file.yaml'), workers: 2 }), (err: unknown) => {
    assert.ok(err instanceof GauntletError);
    assert.equal(err.exitCode, 2);
    assert.equal(err.message, 'whole-file.yaml: tests[0] has its own rate but ./rates.ts exports 2 tests (Fast, Slow)');
    assert.match(err.hint ?? '', /test: \.\/rates\.ts#Fast/);
    return true;
  });
});

const FEED = `import { TestCase } from 'gauntlet';
${MARK}
export class Feed extends TestCase {
  static override startup() { mark('startup'); }
  override async userStart() { await this.http.post('/login/' + encodeURIComponent(this.data!.username), { json: { password: this.data!.password } }); }
  async run() { this.check('same row every iteration', this.data!.password === 'pw-' + this.data!.username); }
}
`;

test('--data users.csv (unique): 6 users over 2 workers log in with 6 distinct rows', async () => {
  const d = scriptDir({ 'feed.ts': FEED }, ['users.csv']);
  logins.length = 0;
  const result = await run({ file: d.file('feed.ts'), data: d.file('users.csv'), dataMode: 'unique', connections: 6, iterationsPerUser: 3 });
  assert.equal(logins.length, 6);
  assert.deepEqual([...logins].sort(), ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'], 'each user got its own row, none twice across the workers');
  assert.equal(result.metrics.counters['checks{result:pass}'], 18);
  assert.equal(result.metrics.counters['checks{result:fail}'] ?? 0, 0);
});

test('fewer rows than users is a usage error (exit 2) before the run: no startup, no request', async () => {
  const d = scriptDir({ 'feed.ts': FEED }, ['five-users.csv']);
  const requests = target.requests;
  await assert.rejects(prepareScriptRun({ file: d.file('feed.ts'), workers: 2, target: target.url, data: d.file('five-users.csv'), connections: 6, iterationsPerUser: 1 }), (err: unknown) => {
    assert.ok(err instanceof GauntletError);
    assert.equal(err.exitCode, 2);
    assert.match(err.message, /five-users\.csv has 5 rows but 6 users each need their own row/);
    return true;
  });
  assert.deepEqual(d.marks(), [], 'startup did not run');
  assert.equal(target.requests, requests);
});
