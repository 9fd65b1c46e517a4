import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';
import { runCli } from '../helpers/cli.js';

// Small slips a user notices (issue 9, point 7): `--json -`, multitest's --help, report of a matrix
// and report --html FILE.

let target: CountingTarget;
const dir = mkdtempSync(join(tmpdir(), 'gauntlet-slips-'));
before(async () => {
  target = await startCountingTarget();
});
after(() => target.close());

test("bench --json - writes the JSON alone on stdout and the summary on stderr; no file named '-'", async () => {
  const r = await runCli(['bench', target.url, '-c', '2', '-n', '20', '-w', '1', '-q', '--json', '-']);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.format, 'gauntlet.run');
  assert.equal(result.metrics.counters.http_reqs, 20);
  assert.match(r.stderr, /^Test of 20 requests complete/m);
  assert.equal(existsSync(join(process.cwd(), '-')), false, "no file named '-'");
});

test('multitest --help lists only the outputs it accepts', async () => {
  const r = await runCli(['multitest', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--json <file>/);
  assert.match(r.stdout, /--csv <file>/);
  assert.match(r.stdout, /--html <file>/, 'the matrix and each cell\'s charts as one page');
  assert.doesNotMatch(r.stdout, /--timeseries/);
  const bench = await runCli(['bench', '--help']);
  assert.match(bench.stdout, /--html <file>/);
  assert.match(bench.stdout, /--timeseries <file>/);
});

test('report renders a multitest --json matrix, and report --html FILE writes the HTML of a run', async () => {
  const matrixFile = join(dir, 'matrix.json');
  const m = await runCli(['multitest', '-s', 'node-http', '-t', 'plain', '-i', '20', '-q', '--json', matrixFile], 60_000);
  assert.equal(m.code, 0, m.stderr);
  const again = await runCli(['report', matrixFile]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^1 test\(s\) against 1 server\(s\) finished\./m);
  assert.match(again.stdout, /\| node-http \| f%: 0\.00; RPS: /);
  const asHtml = await runCli(['report', matrixFile, '--format', 'html']);
  assert.equal(asHtml.code, 0, asHtml.stderr);
  assert.match(asHtml.stdout, /^<!DOCTYPE html>/);
  assert.match(asHtml.stdout, /"grid":\{"title":"Request failure percent and requests\/sec","rows":\["node-http"\],"cols":\["plain"\]/);
  const asSeries = await runCli(['report', matrixFile, '--format', 'timeseries']);
  assert.equal(asSeries.code, 2);
  assert.match(asSeries.stderr, /^error: .*multitest matrix: it has no single time series$/m);
  assert.match(asSeries.stderr, /^hint: /m);

  const runFile = join(dir, 'run.json');
  const b = await runCli(['bench', target.url, '-n', '10', '-c', '1', '-w', '1', '-q', '--json', runFile]);
  assert.equal(b.code, 0, b.stderr);
  const page = join(dir, 'page.html');
  const rep = await runCli(['report', runFile, '--html', page]);
  assert.equal(rep.code, 0, rep.stderr);
  assert.match(rep.stdout, /^Test of 10 requests complete/m);
  const html = readFileSync(page, 'utf8');
  assert.match(html, /^<!doctype html>/i);
  const damaged = join(dir, 'damaged.json');
  writeFileSync(damaged, JSON.stringify({ format: 'gauntlet.matrix', version: 1, servers: 'x', tests: [], cells: [], stopReason: 'completed' }));
  const bad = await runCli(['report', damaged]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: .*damaged/m);
});
