import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli, type CliRun } from '../helpers/cli.js';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';
import { scriptDir } from '../fixtures/scripts/script-dir.js';

// Issue 9, point 1: the summary's first lines and its last line cannot say "100 % OK" when the run
// did not do what was asked. The built CLI against counting targets on 127.0.0.1.

let ok: CountingTarget;
let notFound: CountingTarget;
before(async () => {
  ok = await startCountingTarget();
  notFound = await startCountingTarget({
    handler: (_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no such page');
    },
  });
});
after(async () => {
  await ok.close();
  await notFound.close();
});

const lastLine = (r: CliRun) => r.stdout.trimEnd().split('\n').at(-1)!;
const noHundred = (r: CliRun) => assert.doesNotMatch(r.stdout.split('\n').slice(0, 3).join('\n'), /\(100\.00%\) (returned OK|succeeded)/, r.stdout);

test('a script whose every iteration throws after an OK request: the headline counts failed iterations, the last line says every iteration failed, exit 0', async () => {
  const d = scriptDir({
    'typo.ts': `import { TestCase } from 'gauntlet';
export class Typo extends TestCase {
  async run() {
    const res = await this.http.get('/');
    (this as unknown as { chekc(name: string, ok: boolean): void }).chekc('is 200', res.status === 200);
  }
}
`,
  });
  const r = await runCli(['run', d.file('typo.ts'), '--target', ok.url, '-u', '2', '-i', '10', '--workers', '1', '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(ok.byPath.get('/'), 20, 'every request reached the target');
  const [first, second, third] = r.stdout.split('\n');
  assert.equal(first!.replace(/ complete in .*/, ''), 'Test of 20 requests');
  assert.match(second!, /^20 requests \(100\.00%\) returned OK and 0 \(0\.00%\) failed\.$/, 'the requests themselves were OK');
  assert.match(third!, /^20 iterations: 0 succeeded, 20 failed \(20 threw\)\.$/);
  assert.doesNotMatch(r.stdout, /20 iterations, 20 succeeded/);
  assert.match(lastLine(r), /^NOT OK: every iteration failed \(20 of 20\)\.$/);
});

test('an open run with most arrivals dropped: not 100 % OK, the last line says how many were dropped, exit 0', async () => {
  // One connection, 200 ms per answer, at most 1 arrival waiting: most of 100/s for 2 s are dropped.
  const r = await runCli(['bench', `${ok.url}/delay/200`, '-r', '100', '-c', '1', '--max-queue', '1', '-d', '2s', '--workers', '1', '-q']);
  assert.equal(r.code, 0, r.stderr);
  const served = ok.byPath.get('/delay/200') ?? 0;
  assert.ok(served > 0 && served <= 20, `served ${served}`);
  noHundred(r);
  const m = /^(\d+) requests \(([\d.]+)% of (\d+) arrivals\) returned OK and 0 \(0\.00%\) failed; (\d+) arrivals \(([\d.]+)%\) dropped\.$/m.exec(r.stdout);
  assert.ok(m, r.stdout);
  const [okN, arrivals, dropped] = [Number(m[1]), Number(m[3]), Number(m[4])];
  assert.equal(okN + dropped, arrivals, 'every arrival was either sent or dropped');
  assert.ok(dropped > arrivals / 2, `${dropped} of ${arrivals} dropped`);
  assert.match(lastLine(r), new RegExp(`^NOT OK: \\d+ % of arrivals were dropped \\(${dropped} of ${arrivals}\\): the target or the generator could not keep up`));
});

test("the README's upload.ts against a 404: no iteration succeeded, every request and check failed (rule: an iteration with a failed request or check failed)", async () => {
  const d = scriptDir({
    'upload.ts': `import { TestCase } from 'gauntlet';
export class Upload extends TestCase<{ legacy?: boolean }, { token: string }> {
  async run() {
    const res = await this.http.post('/upload', { json: { legacy: this.options.legacy }, name: 'upload', expect: { status: 201 } });
    this.check('created', res.status === 201);
    this.metrics.add('db_time_s', Number(res.headers['x-db-time'] ?? 0));
  }
}
`,
  });
  const r = await runCli(['run', d.file('upload.ts'), '--target', notFound.url, '-u', '2', '-i', '10', '--workers', '1', '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(notFound.byPath.get('/upload'), 20);
  noHundred(r);
  assert.match(r.stdout, /^0 requests \(0\.00%\) returned OK and 20 \(100\.00%\) failed\.$/m);
  assert.match(r.stdout, /^20 iterations: 0 succeeded, 20 failed \(0 threw, 20 with a failed request or check\); 20 of 20 checks failed\.$/m);
  assert.match(r.stdout, /Upload +20 iterations, 0 succeeded, 20 failed/);
  assert.match(lastLine(r), /^NOT OK: every iteration failed \(20 of 20\); every request failed \(20 of 20\); every check failed \(20 of 20\)\.$/);
});

test('a clean script run: every iteration succeeded, the last line says OK', async () => {
  const d = scriptDir({
    'fine.ts': `import { TestCase } from 'gauntlet';
export class Fine extends TestCase {
  async run() {
    const res = await this.http.get('/fine');
    this.check('is 200', res.status === 200);
  }
}
`,
  });
  const r = await runCli(['run', d.file('fine.ts'), '--target', ok.url, '-u', '2', '-i', '5', '--workers', '1', '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^10 iterations: 10 succeeded, 0 failed \(0 threw\); 0 of 10 checks failed\.$/m);
  assert.equal(lastLine(r), 'OK: every request returned OK, every iteration succeeded, every check passed.');
});

test('a misspelt built-in metric in a threshold is a usage error before the run, naming the closest built-in', async () => {
  const before = ok.requests;
  const d = scriptDir({ 'fine.ts': `import { TestCase } from 'gauntlet';\nexport class Fine extends TestCase { async run() { await this.http.get('/'); } }\n` });
  const r = await runCli(['run', d.file('fine.ts'), '--target', ok.url, '-i', '1', '-q', '--threshold', 'http_req_duraton p(95)<200ms']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^error: threshold 'http_req_duraton p\(95\)<200ms': 'http_req_duraton' is not a metric Gauntlet records\nhint: did you mean 'http_req_duration'\?/);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
  assert.equal(ok.requests, before, 'nothing ran');
});
