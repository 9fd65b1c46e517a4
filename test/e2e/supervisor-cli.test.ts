import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';
import { scriptDir } from '../fixtures/scripts/script-dir.js';

// User code that misbehaves at the process level — a loop that never yields, process.exit, errors
// that escape their iteration — against a counting target: the run always ends, with the summary
// printed, the JSON whole, the cause named, and the client's counts matching the server's.

let target: CountingTarget;
before(async () => {
  target = await startCountingTarget();
});
after(() => target.close());

interface ResultJson {
  stopReason: string;
  error?: string;
  metrics: { counters: Record<string, number> };
  errors: { message: string; count: number }[];
}
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as ResultJson;

test('a run() that spins forever: the stuck worker is terminated after the grace period, the run fails naming it, exit 1', async () => {
  const d = scriptDir({
    'spin.ts': `import { TestCase } from 'gauntlet';
export class Spin extends TestCase {
  async run() {
    await this.http.get('/');
    await this.sleep(200);
    if (this.user.iteration === 3) while (true) {}
  }
}
`,
  });
  target.requests = 0;
  // Before the fix this hung for good (the CLI's own 90s kill ends it: code null).
  const r = await runCli(['run', d.file('spin.ts'), '--target', target.url, '-u', '1', '--workers', '1', '-d', '1s', '--grace', '1s', '--interval', '100ms', '-q', '--json', d.file('r.json')], 90_000);
  assert.equal(r.code, 1, `exit 1 (a runtime failure): ${r.stderr}`);
  assert.match(r.stdout, /The run failed: worker 0 did not finish within the grace period \(1s\) after the planned end: .*terminated/);
  const res = json(d.file('r.json'));
  assert.equal(res.stopReason, 'failed');
  assert.match(res.error ?? '', /worker 0 did not finish/);
  // What the worker reported before it got stuck is kept; nothing is counted that the target did not see.
  const hits = res.metrics.counters['http_reqs'] ?? 0;
  assert.ok(hits >= 1 && hits <= target.requests, `kept ${hits} of the ${target.requests} requests the target saw`);
  assert.equal(target.requests, 4, 'iterations 0..3 each sent one request');
});

test('process.exit(3) in run(): reported as the crash of worker 0, the run fails, exit 1', async () => {
  const d = scriptDir({
    'exit.ts': `import { TestCase } from 'gauntlet';
export class Exit extends TestCase {
  async run() {
    await this.http.get('/');
    if (this.user.iteration === 2) process.exit(3);
  }
}
`,
  });
  target.requests = 0;
  const r = await runCli(['run', d.file('exit.ts'), '--target', target.url, '-u', '1', '--workers', '1', '-i', '10', '-q', '--json', d.file('r.json')], 60_000);
  // Before the fix: exit 0, `completed`, 0 iterations.
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /The run failed: user code called process\.exit\(3\) in worker 0/);
  const res = json(d.file('r.json'));
  assert.equal(res.stopReason, 'failed');
  assert.equal(res.error, 'user code called process.exit(3) in worker 0');
  assert.equal(target.requests, 3);
  assert.equal(res.metrics.counters['http_reqs'], 3, 'what the worker recorded before it exited is kept');
});

test('an unawaited rejection and a throw in a timer: counted as failed iterations, sampled, the run completes, exit 0', async () => {
  const d = scriptDir({
    'leak.ts': `import { TestCase } from 'gauntlet';
export class Leak extends TestCase {
  async run() {
    await this.http.get('/');
    if (this.user.iteration === 1) void Promise.reject(new Error('x'));
    if (this.user.iteration === 2) setTimeout(() => { throw new Error('y'); }, 0);
  }
}
`,
  });
  target.requests = 0;
  const r = await runCli(['run', d.file('leak.ts'), '--target', target.url, '-u', '2', '--workers', '2', '-i', '6', '-q', '--json', d.file('r.json')], 60_000);
  // Before the fix: exit 1, "worker 0 crashed", in-flight requests dropped.
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^ +2 × uncaught in Leak: x$/m);
  assert.match(r.stdout, /^ +2 × uncaught in Leak: y$/m);
  assert.match(r.stdout, /Iterations started: 12; errors: 4;/);
  const res = json(d.file('r.json'));
  assert.equal(res.stopReason, 'completed');
  assert.equal(res.metrics.counters['iteration_errors'], 4);
  assert.equal(target.requests, 12);
  assert.equal(res.metrics.counters['http_reqs'], target.requests, 'the summary counts every request the target saw');
});

test('a startup that never settles fails after --hook-timeout, before any user starts; a shutdown that never settles is a warning and the summary still prints', async () => {
  const d = scriptDir({
    'hang-startup.ts': `import { TestCase } from 'gauntlet';
export class HangUp extends TestCase {
  static async startup() { await new Promise(() => {}); }
  async run() { await this.http.get('/'); }
}
`,
    'hang-shutdown.ts': `import { TestCase } from 'gauntlet';
export class HangDown extends TestCase {
  static async shutdown() { await new Promise(() => {}); }
  async run() { await this.http.get('/'); }
}
`,
  });
  target.requests = 0;
  const up = await runCli(['run', d.file('hang-startup.ts'), '--target', target.url, '-u', '1', '-i', '2', '--workers', '1', '--hook-timeout', '1s', '-q'], 60_000);
  assert.equal(up.code, 1, up.stderr);
  assert.match(up.stderr, /^error: startup of HangUp failed: it did not finish within 1 s \(--hook-timeout\)$/m);
  assert.equal(target.requests, 0, 'no user ran');
  const down = await runCli(['run', d.file('hang-shutdown.ts'), '--target', target.url, '-u', '1', '-i', '2', '--workers', '1', '--hook-timeout', '1s', '-q'], 60_000);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, /Test of 2 requests complete/);
  assert.match(down.stdout, /warning: shutdown of HangDown failed: it did not finish within 1 s/);
  assert.equal(target.requests, 2);
});
