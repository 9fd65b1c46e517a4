import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunResult } from '../../src/metrics/run-result.js';
import { RAW_CSV_HEADER } from '../../src/report/raw-csv.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { startCountingTarget } from '../helpers/counting-target.js';
import { startAgents, startNatsOrSkip, stderrLog as logOf, waitFor } from '../helpers/nats.js';

// Plans, data rows and raw rows travel through the JetStream object store on a real nats-server
// started with -js: no 1 MB payload limit, each agent fetches only its users' rows, --csv with agents.

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gauntlet-js-'));
}

/** writeCsv writes a data file of `rows` rows of `rowBytes` bytes each (id, padding, newline) and returns its path. */
function writeCsv(dir: string, rows: number, rowBytes: number): string {
  const lines = ['id,pad'];
  for (let i = 0; i < rows; i++) lines.push(`${i},${'x'.repeat(rowBytes - 2 - String(i).length)}`);
  const file = join(dir, 'data.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** rowScript writes a script whose every request says which data row and which user sent it. */
function rowScript(dir: string): string {
  const file = join(dir, 'rows.ts');
  writeFileSync(
    file,
    `import type { TestCase } from 'gauntlet';
export default async function (t: TestCase) {
  await t.http.get('/', { headers: { 'x-row': t.data!['id']!, 'x-user': String(t.user.id) } });
}
`,
  );
  return file;
}

test('a plan over 1 MB (a 1.8 MB CSV data file, round-robin: every agent needs it whole) runs on 2 agents', { timeout: 120_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  const agents = await startAgents(t, nats, 2);
  const logs = agents.map(logOf);
  const dir = tempDir();
  const csv = writeCsv(dir, 18_000, 100);
  assert.ok(readFileSync(csv).length > 1_750_000);
  const json = join(dir, 'r.json');
  const r = await runCli(['run', rowScript(dir), '--target', target.url, '--data', csv, '--data-mode', 'round-robin', '-u', '4', '-i', '50', '--agents', '2', '--nats', nats.url, '-q', '--json', json], 100_000);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const result = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
  assert.equal(result.stopReason, 'completed');
  assert.equal(target.requests, 200);
  assert.equal(result.metrics.counters['http_reqs'], 200);
  await waitFor(() => logs.every((l) => /fetched the plan \(\d+ bytes\) and 18000 data rows/.test(l.text)), 10_000, 'each agent logged the whole table it fetched');
});

test('a 5 MB CSV in unique mode over 3 agents: each row goes to one user only, each agent fetches only its users\' rows', { timeout: 120_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const seen = new Map<string, Set<string>>();
  let requests = 0;
  const target = await startCountingTarget({
    handler: (req, res) => {
      requests++;
      const row = String(req.headers['x-row']);
      const users = seen.get(row) ?? new Set<string>();
      users.add(String(req.headers['x-user']));
      seen.set(row, users);
      res.end('ok');
    },
  });
  t.after(() => target.close());
  const agents = await startAgents(t, nats, 3);
  const logs = agents.map(logOf);
  const dir = tempDir();
  const csv = writeCsv(dir, 50_000, 100);
  assert.ok(readFileSync(csv).length >= 5_000_000);
  const r = await runCli(['run', rowScript(dir), '--target', target.url, '--data', csv, '-u', '30', '-i', '5', '--agents', '3', '--nats', nats.url, '-q'], 100_000);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(requests, 150);
  assert.equal(seen.size, 30, 'one row per user');
  for (const [row, users] of seen) {
    assert.equal(users.size, 1, `row ${row} was used by users ${[...users].join(', ')}`);
    assert.deepEqual([...users], [row], 'user u reads row u (unique mode)');
  }
  // Each agent fetched the rows of its 10 users, not the 50 000 of the file.
  await waitFor(() => logs.every((l) => /fetched the plan \(\d+ bytes\) and \d+ data rows/.test(l.text)), 10_000, 'each agent logged what it fetched');
  const fetched = logs.map((l) => Number(/and (\d+) data rows \((\d+) bytes\)/.exec(l.text)![1]));
  const bytes = logs.map((l) => Number(/and (\d+) data rows \((\d+) bytes\)/.exec(l.text)![2]));
  assert.deepEqual(fetched, [10, 10, 10]);
  for (const b of bytes) assert.ok(b < 10_000, `an agent fetched ${b} bytes of data`);
});

test('--csv with agents: every agent\'s raw rows land whole in one file, the header once', { timeout: 90_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  await startAgents(t, nats, 2);
  const csv = join(tempDir(), 'rows.csv');
  const r = await runCli(['bench', `${target.url}/`, '-c', '4', '-n', '400', '--agents', '2', '--nats', nats.url, '-q', '--csv', csv], 60_000);
  assert.equal(r.code, 0, r.stderr);
  const lines = readFileSync(csv, 'utf8').split('\n');
  assert.equal(lines.pop(), '', 'the file ends with a whole line');
  assert.equal(lines[0], RAW_CSV_HEADER);
  const rows = lines.slice(1);
  assert.equal(rows.length, 400);
  assert.equal(lines.filter((l) => l === RAW_CSV_HEADER).length, 1);
  for (const row of rows) assert.match(row, /^\d+\.\d{6},\d+\.\d{6},200,\d+\.\d{6},\d+,,\d+$/);
  // Both agents' workers wrote rows (worker indexes are unique across agents).
  assert.equal(new Set(rows.map((l) => l.split(',')[6])).size, 2);
});

test('a NATS server without JetStream: the coordinator says so in one error and hint, the agent logs it', { timeout: 60_000 }, async (t) => {
  const nats = await startNatsOrSkip(t, undefined, { jetstream: false });
  if (!nats) return;
  const { child } = spawnCli(['agent', '--nats', nats.url, '-w', '1', '--id', 'nojs0'], 30_000);
  t.after(() => void child.kill('SIGKILL'));
  const log = logOf(child);
  await waitFor(() => log.text.includes('waiting for runs') && log.text.includes('hint:'), 30_000, 'the agent started and said why it cannot run plans');
  assert.match(log.text, /error: the NATS server has no JetStream/);
  assert.match(log.text, /hint: start nats-server with -js/);
  const r = await runCli(['bench', 'http://127.0.0.1:1/', '-n', '10', '--agents', '1', '--nats', nats.url, '-q'], 30_000);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0]!, /^error: the NATS server has no JetStream, which running on agents needs$/);
  assert.match(lines[1]!, /^hint: start nats-server with -js/);
});
