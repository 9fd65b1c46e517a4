import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { liveGroupMembers } from '../../src/durability/servers/process-tree.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { requestBehaviour } from '../helpers/durability-request.js';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-durability-e2e-'));

/** waitFor resolves once `pattern` shows in the stream, with the match. */
function waitFor(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<RegExpExecArray> {
  let text = '';
  return new Promise((resolve) => {
    const onData = (d: Buffer): void => {
      text += d.toString();
      const m = pattern.exec(text);
      if (m) {
        stream.off('data', onData);
        resolve(m);
      }
    };
    stream.on('data', onData);
  });
}

describe('durability CLI', { timeout: 150_000 }, () => {
  it("basic prints Labour's lines: 512 requests against node-http, all as expected", async () => {
    const r = await runCli(['basic', '-q']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'Running basic test against node-http.');
    assert.match(r.stdout, /^Test of 512 requests complete in \d+\.\d\d seconds \(\d+\.\d\d req\/s\)\.$/m);
    assert.match(r.stdout, /^512 requests \(100\.00%\) returned OK and 0 \(0\.00%\) failed\.$/m);
    assert.doesNotMatch(r.stdout, /Failure Breakdown/);
  });

  it('multitest with two servers and two tests prints the matrix, the figures, and writes JSON and CSV', async () => {
    const json = join(dir, 'matrix.json');
    const csv = join(dir, 'matrix.csv');
    const r = await runCli(['multitest', '-s', 'node-http', '-s', 'wsgiref', '-t', 'plain', '-t', 'light-sleep', '-i', '20', '--json', json, '--csv', csv]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^2 test\(s\) against 2 server\(s\) finished\.$/m);
    assert.match(r.stdout, /^Report of request failure percent and requests\/sec:$/m);
    assert.match(r.stdout, /^\| Server +\| plain +\| light-sleep +\|$/m);
    assert.match(r.stdout, /^\| node-http \| f%: 0\.00; RPS: \d+\.\d\d +\| f%: 0\.00; RPS: \d+\.\d\d +\|$/m);
    assert.match(r.stdout, /^\| wsgiref +\| f%: 0\.00; RPS: \d+\.\d\d +\| f%: 0\.00; RPS: \d+\.\d\d +\|$/m);
    assert.match(r.stdout, /^Durability figures/m);
    assert.match(r.stdout, /^\| wsgiref +\| light-sleep \| 0 +\| - +\| 0 +\| \d+\.\d\d MiB/m);
    assert.match(r.stderr, /\[1\/4\] node-http undergoing test 'plain'/);
    assert.match(r.stderr, /\[4\/4\] wsgiref × light-sleep: f%: 0\.00/);
    const matrix = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(matrix.format, 'gauntlet.matrix');
    assert.deepEqual(matrix.servers, ['node-http', 'wsgiref']);
    assert.equal(matrix.cells.length, 4);
    for (const c of matrix.cells) {
      assert.equal(c.status, 'completed');
      assert.equal(c.figures.requests, 20);
      assert.ok(c.figures.serverStats.peakRssBytes > 1024 * 1024);
      assert.equal(c.result.format, 'gauntlet.run');
    }
    const rows = readFileSync(csv, 'utf8').trimEnd().split('\n');
    assert.equal(rows.length, 5);
    assert.match(rows[1]!, /^node-http,plain,completed,20,0,0,/);
  });

  it('singletest writes the run as JSON with the durability figures, and every load flag works', async () => {
    const json = join(dir, 'single.json');
    const r = await runCli(['singletest', '-s', 'node-http', '-t', 'throw', '-c', '2', '-n', '40', '-w', '2', '--policy', 'sequential', '--json', json, '-q']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Running test 'throw' against node-http \(40 requests, sequential policy\)\.$/m);
    assert.match(r.stdout, /^40 requests \(100\.00%\) returned OK/m);
    assert.match(r.stdout, /^ {2}throw +weight +5 +2 requests +0 unexpected$/m);
    assert.match(r.stdout, /^Server node-http: peak RSS /m);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(result.workers, 2);
    assert.equal(result.metrics.counters['http_reqs{behaviour:throw}'], 2);
    assert.equal(result.sections.durability.test, 'throw');
    assert.equal(result.sections.durability.collateralFailures, 0);
  });

  it('bad input is one error line and a hint, exit 2', async () => {
    for (const args of [
      ['singletest', '-s', 'nope'],
      ['multitest', '-s', 'node-http', '-t', 'nope'],
      ['singletest', '--mix', 'plain:1,explode:1'],
      ['singletest', '--policy', 'sideways'],
      ['basic', '-s', 'gunicorn-sync:workerz=2'],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 2, r.stderr);
      assert.match(lines[0]!, /^error: /);
      assert.match(lines[1]!, /^hint: /);
      assert.equal(r.stdout, '');
    }
    const r = await runCli(['singletest', '-s', 'nope']);
    assert.match(r.stderr, /^error: unknown server 'nope'$/m);
  });

  it('Ctrl-C during a test stops it, prints what was collected, stops the server and exits 130', async () => {
    const { child, wait } = spawnCli(['singletest', '-s', 'node-http', '-t', 'heavy-sleep', '-i', '100000', '--interval', '200ms']);
    await waitFor(child.stderr!, /req\/s[\s\S]*req\/s/);
    child.kill('SIGINT');
    const r = await wait;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stdout, /^Test of \d+ requests complete/m);
    assert.match(r.stdout, /Stopped by the user/);
    assert.match(r.stdout, /^Server node-http: peak RSS/m);
  });

  it('singletest --serve-only serves until Ctrl-C, then stops the whole server', async () => {
    const { child, wait } = spawnCli(['singletest', '-s', 'node-cluster:workers=2', '--serve-only']);
    const m = await waitFor(child.stdout!, /at (http:\/\/127\.0\.0\.1:\d+) \(pid (\d+)\)/);
    const plain = await requestBehaviour(m[1]!, '/plain', 3000);
    assert.equal(plain.kind, 'response');
    assert.ok(liveGroupMembers(Number(m[2])).length >= 3);
    child.kill('SIGINT');
    const r = await wait;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Stopped node-cluster:workers=2\.$/m);
    assert.deepEqual(liveGroupMembers(Number(m[2])), []);
  });

  it('servers lists every adapter and says where each runs', async () => {
    const r = await runCli(['servers']);
    assert.equal(r.code, 0, r.stderr);
    for (const name of ['node-http', 'node-cluster', 'express', 'fastify', 'wsgiref', 'gunicorn-sync', 'gunicorn-gthread', 'waitress', 'uwsgi', 'command']) {
      assert.match(r.stdout, new RegExp(`^ {2}${name} +(yes|no) `, 'm'));
    }
    assert.match(r.stdout, /^ {2}node-http +yes +node /m);
    for (const name of ['uvicorn', 'hypercorn', 'daphne', 'gunicorn-uvicorn']) assert.match(r.stdout, new RegExp(`^ {2}${name} +(yes|no) +asgi `, 'm'));
    assert.match(r.stdout, /options: python, workers=1, limit_concurrency=0/);
  });
});
