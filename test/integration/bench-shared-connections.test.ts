import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveBenchPlan } from '../../src/api/bench.js';
import { startRun } from '../../src/api/start-run.js';
import { runCli } from '../helpers/cli.js';
import { startCountingTarget } from '../helpers/counting-target.js';

test('bench with users sharing connections: 300 users over 6 connections send exactly -n, never open a 7th, and wait in http_req_blocked', { timeout: 60_000 }, async () => {
  // Each answer takes 5 ms: with 300 users and 6 connections most users wait in line for one.
  const target = await startCountingTarget({ delayMs: 5 });
  try {
    const r = await startRun(resolveBenchPlan({ url: `${target.url}/`, connections: 300, sharedConnections: 6, requests: 1500, workers: 2 })).done;
    assert.equal(target.requests, 1500);
    assert.equal(target.connections, 6);
    assert.equal(r.metrics.counters['http_reqs{status:200}'], 1500);
    assert.equal(r.summary['http_req_duration']?.count, 1500);
    const blocked = r.summary['http_req_blocked'];
    assert.equal(blocked?.count, 1500);
    // In line behind 49 others at 5 ms each: some waits are far longer than any one request.
    assert.ok(blocked!.max > r.summary['http_req_duration']!.max, `blocked max ${blocked!.max}, duration max ${r.summary['http_req_duration']!.max}`);
    assert.equal(r.workers, 2);
  } finally {
    await target.close();
  }
});

test('a run that ends with users in line for a connection counts only the iterations that sent their request', { timeout: 60_000 }, async () => {
  // 100 users over 2 connections, 20 ms per answer: at the end of the second about 98 users wait in
  // line. They are sent home without a request; an iteration is one request, so the two counts agree.
  const target = await startCountingTarget({ delayMs: 20 });
  try {
    const r = await startRun(resolveBenchPlan({ url: `${target.url}/`, connections: 100, sharedConnections: 2, duration: '1s', workers: 1 })).done;
    const sent = r.metrics.counters['http_reqs']!;
    assert.ok(sent > 0 && sent < 100, `requests ${sent}: far fewer than the users, so users were in line at the end`);
    assert.equal(target.requests, sent);
    assert.equal(r.metrics.counters['iterations'], sent);
  } finally {
    await target.close();
  }
});

test('gauntlet bench -u 2000 -c 20 --think: 2,000 users on 20 sockets; the summary says both; the fd warning counts the sockets', { timeout: 60_000 }, async () => {
  const target = await startCountingTarget();
  try {
    const run = await runCli(['bench', `${target.url}/`, '-u', '2000', '-c', '20', '--think', '200ms', '-n', '4000', '-w', '1']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(target.requests, 4000);
    assert.equal(target.connections, 20);
    assert.match(run.stdout, /^Users: 2,000 \(max 2,000\)$/m);
    assert.match(run.stdout, /^ {2}blocked +p50 /m);
    assert.doesNotMatch(run.stderr, /warning: /);
  } finally {
    await target.close();
  }
});

test('users sharing connections refuse an open model and pipelining (exit 2, error + hint)', { timeout: 60_000 }, async () => {
  for (const args of [
    ['bench', 'http://127.0.0.1:9/', '-u', '100', '-c', '10', '-r', '100', '-d', '1s'],
    ['bench', 'http://127.0.0.1:9/', '-u', '100', '-c', '10', '-p', '4', '-n', '10'],
  ]) {
    const run = await runCli(args);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 2, run.stderr);
    assert.match(lines[0]!, /^error: /);
    assert.match(lines[1]!, /^hint: /);
  }
});
