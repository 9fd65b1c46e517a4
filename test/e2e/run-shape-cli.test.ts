import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';

// The run's shape: users (closed) or in-flight iterations (open) on the live line, the summary, the
// JSON intervals, and per-step figures for cycles and stages.

let target: CountingTarget;
const dir = mkdtempSync(join(tmpdir(), 'gauntlet-shape-'));
before(async () => {
  target = await startCountingTarget();
});
after(() => target.close());

interface Row {
  index: number;
  counters: Record<string, number>;
  gauges?: Record<string, { value: number; max: number }>;
}

test('--cycles 2:4: the live line, the summary and the JSON say 2 users then 4, with a row per step', async () => {
  const json = join(dir, 'cycles.json');
  const before = target.requests;
  // Each request waits 20 ms at the target, so 4 users make at most a few hundred requests.
  const r = await runCli(['bench', `${target.url}/delay/20`, '--cycles', '2:4', '-d', '1s', '--interval', '250ms', '-w', '2', '--json', json]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\b2 users\b/, r.stderr);
  assert.match(r.stderr, /\b4 users\b/, r.stderr);
  assert.match(r.stdout, /^Users: 2 → 4 \(max 4\)$/m);
  const step1 = /^\s+step 1\s+0s–1s\s+2 users\s+\S+\/s\s+\S+\s+\S+\s+0$/m;
  const step2 = /^\s+step 2\s+1s–2s\s+4 users\s+\S+\/s\s+\S+\s+\S+\s+0$/m;
  assert.match(r.stdout, step1, r.stdout);
  assert.match(r.stdout, step2, r.stdout);
  const result = JSON.parse(readFileSync(json, 'utf8'));
  const rows = result.intervals as Row[];
  // The steps' intervals: 2 s of 250 ms. The rows after them hold the drain of the last requests,
  // whose users count down as they finish: how many are left at that boundary depends on when the
  // worker's interval timer fired (on a busy machine, after some of them were done).
  const maxima = rows.filter((row) => row.index < 8).map((row) => row.gauges?.['vus']?.max ?? 0);
  assert.equal(maxima.length, 8, `intervals: ${rows.map((row) => row.index).join(',')}`);
  assert.equal(maxima[0], 2, `vus per interval: ${maxima.join(',')}`);
  // Two workers switch steps a moment apart: the interval holding the switch may see 3 (one worker done).
  const first4 = maxima.indexOf(4);
  const rising = maxima.every((m, i) => m >= 2 && m <= 4 && (i === 0 || m >= maxima[i - 1]!));
  assert.ok(first4 > 0 && rising && maxima.slice(0, first4).filter((m) => m === 3).length <= 1, `vus reach 2, then 4: ${maxima.join(',')}`);
  assert.deepEqual(result.metrics.gauges.vus.max, 4);
  assert.deepEqual(
    result.steps.map((s: { users: number; requests: number }) => s.users),
    [2, 4],
  );
  const stepRequests = result.steps.reduce((s: number, x: { requests: number }) => s + x.requests, 0);
  assert.ok(stepRequests > 0 && stepRequests <= result.metrics.counters.http_reqs, 'the steps count requests of the run');
  assert.equal(result.metrics.counters.http_reqs, target.requests - before);
  // A saved result re-renders the same shape.
  const again = await runCli(['report', json]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^Users: 2 → 4 \(max 4\)$/m);
  assert.match(again.stdout, step2);
});

test('open model: in flight and queued on the live line, connections and the most in flight in the summary, a row per stage', async () => {
  const json = join(dir, 'open.json');
  // 20/s then 60/s for half a second each, every request held 200 ms: about 4 then 12 in flight.
  const r = await runCli(['bench', `${target.url}/delay/200`, '--stages', '500ms:20,500ms:60', '-c', '100', '--interval', '250ms', '-w', '2', '--json', json]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /in flight \d+, queued 0/);
  const m = /^Connections: up to 100, at most (\d+) in flight$/m.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.ok(Number(m[1]) >= 1 && Number(m[1]) <= 100);
  assert.match(r.stdout, /^\s+stage 1\s+0s–0\.5s\s+0→20\/s\s/m);
  assert.match(r.stdout, /^\s+stage 2\s+0\.5s–1s\s+20→60\/s\s/m);
  const result = JSON.parse(readFileSync(json, 'utf8'));
  const inFlight = (result.intervals as Row[]).map((row) => row.gauges?.['vus']?.max ?? 0);
  assert.ok(inFlight.some((v) => v > 0), `in flight per interval: ${inFlight.join(',')}`);
  assert.equal(result.metrics.gauges.vus.max, Number(m[1]));
  assert.ok((result.intervals as Row[]).every((row) => row.gauges?.['iterations_queued'] !== undefined));
});
