import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunResult } from '../../src/metrics/run-result.js';
import { runCli } from '../helpers/cli.js';
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
