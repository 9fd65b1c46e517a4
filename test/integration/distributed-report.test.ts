import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startCountingTarget } from '../helpers/counting-target.js';
import { startAgents, startNatsOrSkip } from '../helpers/nats.js';

// `gauntlet report` of a result written with --agents lists the agents, as the live summary did.

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-dist-report-'));
const AGENT_LINES = /^Agents:\n {2}rep0 +\S+ {2}segment 0\/2 {2}1 workers {2}done {2}(\d+) (requests|iterations)\n {2}rep1 +\S+ {2}segment 1\/2 {2}1 workers {2}done {2}(\d+) (requests|iterations)$/m;

test('report of a bench --agents and a run --agents JSON file lists the agents, as the live summary did', { timeout: 120_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const target = await startCountingTarget();
  t.after(() => target.close());
  await startAgents(t, nats, 2, 'rep');

  const benchJson = join(dir, 'bench.json');
  const bench = await runCli(['bench', `${target.url}/`, '-c', '4', '-n', '200', '--agents', '2', '--nats', nats.url, '--json', benchJson, '-q'], 60_000);
  assert.equal(bench.code, 0, bench.stderr);
  const live = AGENT_LINES.exec(bench.stdout);
  assert.ok(live, bench.stdout);
  const report = await runCli(['report', benchJson]);
  assert.equal(report.code, 0, report.stderr);
  const again = AGENT_LINES.exec(report.stdout);
  assert.ok(again, report.stdout);
  assert.equal(again[0], live[0]);
  assert.equal(Number(again[1]) + Number(again[3]), 200);

  const script = join(dir, 'hits.ts');
  writeFileSync(script, `export default async function (t) { await t.http.get('/'); }\n`);
  const runJson = join(dir, 'run.json');
  const run = await runCli(['run', script, '--target', target.url, '-u', '2', '-i', '5', '--agents', '2', '--nats', nats.url, '--json', runJson, '-q'], 60_000);
  assert.equal(run.code, 0, run.stderr);
  const runReport = await runCli(['report', runJson]);
  assert.equal(runReport.code, 0, runReport.stderr);
  const lines = AGENT_LINES.exec(runReport.stdout);
  assert.ok(lines, runReport.stdout);
  assert.deepEqual([lines[1], lines[3]], ['5', '5']);
  assert.equal(target.requests, 210);
});
