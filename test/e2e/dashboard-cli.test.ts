import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';

// --dashboard's mistakes: one error line and one hint line, exit 2, and nothing sent to the target.

let target: CountingTarget;
before(async () => {
  target = await startCountingTarget();
});
after(() => target.close());

/** usage asserts a usage error: exit 2, `error:` then `hint:`, no stack, no request sent. */
async function usage(args: string[], message: RegExp): Promise<void> {
  const before = target.requests;
  const r = await runCli(args);
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0]!, message);
  assert.match(lines[1]!, /^hint: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(target.requests, before);
}

test('a --dashboard value that is not HOST:PORT (a URL taken as its value) is a usage error', async () => {
  await usage(['run', 'test.ts', '--dashboard', `${target.url}/`], /^error: --dashboard 'http:\/\/127\.0\.0\.1:\d+\/' is not HOST:PORT$/);
  await usage(['bench', `${target.url}/`, '-n', '5', '--dashboard=127.0.0.1:99999'], /^error: --dashboard '127\.0\.0\.1:99999' is not HOST:PORT$/);
});

test('--dashboard-keep without --dashboard is a usage error', async () => {
  await usage(['bench', `${target.url}/`, '-n', '5', '--dashboard-keep'], /^error: --dashboard-keep needs --dashboard$/);
});

test('a busy dashboard port is a usage error before the run', async () => {
  const busy = http.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
  after(() => busy.close());
  const port = (busy.address() as AddressInfo).port;
  await usage(['bench', `${target.url}/`, '-n', '5', `--dashboard=127.0.0.1:${port}`], new RegExp(`^error: --dashboard: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)$`));
});
