import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RAW_CSV_HEADER } from '../../src/report/raw-csv.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { startCountingTarget } from '../helpers/counting-target.js';
import { startAgents, startNatsOrSkip, stderrLog as logOf, waitFor } from '../helpers/nats.js';

// --csv with agents (raw rows through the JetStream object store) on a real nats-server started
// with -js, and one clear error when the server has no JetStream.

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gauntlet-js-'));
}

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
