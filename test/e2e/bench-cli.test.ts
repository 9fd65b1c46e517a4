import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';
import { runCli, spawnCli } from '../helpers/cli.js';

let target: CountingTarget;
const dir = mkdtempSync(join(tmpdir(), 'gauntlet-e2e-'));
before(async () => {
  target = await startCountingTarget();
});
after(() => target.close());

test('bench prints the seed summary and writes CSV, JSON and time series of the right shapes', async () => {
  const csv = join(dir, 'raw.csv');
  const json = join(dir, 'r.json');
  const ts = join(dir, 'ts.csv');
  const before = target.requests;
  const r = await runCli(['bench', target.url, '-c', '4', '-n', '500', '-w', '2', '--csv', csv, '--json', json, '--timeseries', ts, '--interval', '200ms']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Test of 500 requests complete in \d+\.\d\d seconds \(\d+\.\d\d req\/s\)\.$/m);
  assert.match(r.stdout, /^500 requests \(100\.00%\) returned OK and 0 \(0\.00%\) failed\.$/m);
  assert.match(r.stdout, /p99\.9/);
  assert.equal(target.requests - before, 500);
  const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
  assert.equal(lines[0], 'elapsed_s,response_time_s,status,service_time_s,bytes,failure,worker');
  assert.equal(lines.length, 501);
  for (const l of lines.slice(1)) assert.match(l, /^\d+\.\d{6},\d+\.\d{6},200,\d+\.\d{6},\d+,,[01]$/);
  const result = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(result.format, 'gauntlet.run');
  assert.equal(result.metrics.counters.http_reqs, 500);
  assert.equal(typeof result.metrics.trends.http_req_duration.data, 'string');
  const tsLines = readFileSync(ts, 'utf8').trimEnd().split('\n');
  assert.match(tsLines[0]!, /^time_s,duration_s,requests,throughput_rps,failures,dropped,latency_mean_ms,latency_p50_ms,latency_p90_ms,latency_p99_ms,latency_max_ms,generator_elu_max,generator_cpu_max,generator_lateness_p99_ms$/);
  assert.equal(tsLines.slice(1).reduce((s, l) => s + Number(l.split(',')[2]), 0), 500);
  // A saved result re-renders without re-running.
  const again = await runCli(['report', json]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /^Test of 500 requests/m);
});

test('SIGINT stops the run, prints the summary, leaves a whole CSV and exits 130', async () => {
  const csv = join(dir, 'int.csv');
  const { child, wait } = spawnCli(['bench', target.url, '-c', '4', '-d', '60s', '-w', '2', '--csv', csv, '--interval', '300ms']);
  // Stop once the run is under way: progress prints one line per interval when stderr is not a TTY.
  await new Promise<void>((resolve) => {
    let seen = 0;
    child.stderr!.on('data', (d: Buffer) => {
      seen += (d.toString().match(/req\/s/g) ?? []).length;
      if (seen >= 2) resolve();
    });
  });
  child.kill('SIGINT');
  const r = await wait;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stdout, /^Test of \d+ requests complete/m);
  assert.match(r.stdout, /Stopped by the user/);
  const text = readFileSync(csv, 'utf8');
  assert.ok(text.endsWith('\n'));
  const lines = text.trimEnd().split('\n');
  assert.ok(lines.length > 10);
  for (const l of lines.slice(1)) assert.equal(l.split(',').length, 7, `row '${l}'`);
  const n = Number(/^Test of (\d+) requests/m.exec(r.stdout)![1]);
  assert.equal(lines.length - 1, n, 'one CSV row per request counted in the summary');
});

test('SIGTERM after several full batches of rows: the CSV holds one whole row per request counted, exit 130', async () => {
  const csv = join(dir, 'term.csv');
  const { child, wait } = spawnCli(['bench', target.url, '-c', '20', '-d', '60s', '-w', '1', '--csv', csv, '-q']);
  // Several batches (4096 rows each) written before the stop, one in the making: count the rows
  // (their length varies with the figures, so the file's size cannot say).
  const deadline = Date.now() + 30_000;
  const rowsWritten = () => (statSync(csv, { throwIfNoEntry: false }) === undefined ? 0 : readFileSync(csv, 'utf8').split('\n').length - 2);
  while (rowsWritten() < 3 * 4096) {
    assert.ok(Date.now() < deadline, 'the CSV did not grow to three batches in 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGTERM');
  const r = await wait;
  assert.equal(r.code, 130, r.stderr);
  const text = readFileSync(csv, 'utf8');
  assert.ok(text.endsWith('\n'));
  const lines = text.trimEnd().split('\n');
  for (const l of lines.slice(1)) assert.match(l, /^\d+\.\d{6},\d+\.\d{6},\d+,\d+\.\d{6},\d+,[a-z]*,0$/, `row '${l}'`);
  const n = Number(/^Test of (\d+) requests/m.exec(r.stdout)![1]);
  assert.ok(n > 3 * 4096, `${n} requests`);
  assert.equal(lines.length - 1, n, 'one CSV row per request counted in the summary');
});

test('a second SIGINT aborts in-flight requests at once and still writes the summary and files', async () => {
  // Every response takes 20 s: after the first Ctrl-C the grace period (30 s) would wait for them.
  const slow = await startCountingTarget({ delayMs: 20_000 });
  try {
    const json = join(dir, 'abort.json');
    const { child, wait } = spawnCli(['bench', slow.url, '-c', '3', '-d', '60s', '-w', '1', '--grace', '30s', '--json', json, '--interval', '200ms']);
    await new Promise<void>((resolve) => {
      child.stderr!.on('data', (d: Buffer) => {
        if (/req\/s/.test(d.toString())) resolve();
      });
    });
    const t0 = performance.now();
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    const r = await wait;
    assert.equal(r.code, 130, r.stderr);
    assert.ok(performance.now() - t0 < 15_000, 'the second Ctrl-C did not wait for the grace period');
    assert.match(r.stdout, /Aborted by the user/);
    assert.match(r.stdout, /aborted\s+3/);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(result.stopReason, 'aborted');
    assert.equal(result.metrics.counters['http_req_failed{kind:aborted}'], 3);
  } finally {
    await slow.close();
  }
});

const bad: [string, string[], RegExp][] = [
  ['not a URL', ['bench', 'not-a-url'], /is not a URL/],
  ['a non-number', ['bench', 'http://127.0.0.1:1/', '-c', 'ten'], /--connections must be a whole number/],
  ['a rate of 0', ['bench', 'http://127.0.0.1:1/', '-r', '0'], /--rate must be a number > 0/],
  ['an unknown flag', ['bench', 'http://127.0.0.1:1/', '--frobnicate'], /unknown option '--frobnicate'/],
  ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
  ['a duration like forever', ['bench', 'http://127.0.0.1:1/', '-d', 'forever'], /'forever' is not a duration/],
  ['an unwritable output file', ['bench', 'http://127.0.0.1:1/', '-n', '1', '--csv', '/nonexistent-dir/x.csv'], /--csv: cannot write/],
  ['a bad expect-status', ['bench', 'http://127.0.0.1:1/', '--expect-status', '7xx'], /--expect-status/],
  ['fewer users than connections', ['bench', 'http://127.0.0.1:1/', '-u', '5', '-c', '10', '-n', '1'], /-u 5 is fewer users than -c 10 connections/],
];
for (const [what, args, message] of bad) {
  test(`bad input (${what}) is one line on stderr with a hint, exit 2, no stack`, async () => {
    const r = await runCli(args, 20_000);
    assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
    const lines = r.stderr.trimEnd().split('\n');
    assert.match(lines[0]!, /^error: /);
    assert.match(lines[0]!, message);
    assert.ok(lines.length <= 2, r.stderr);
    if (lines[1] !== undefined) assert.match(lines[1], /^hint: /);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
}

test('gauntlet demo runs a closed and an open run against its own target and exits 0', async () => {
  const r = await runCli(['demo'], 60_000);
  assert.equal(r.code, 0, r.stderr);
  const summaries = r.stdout.match(/^Test of \d+ requests complete/gm) ?? [];
  assert.equal(summaries.length, 2);
  assert.match(r.stdout, /Rate: intended \d+/);
});
