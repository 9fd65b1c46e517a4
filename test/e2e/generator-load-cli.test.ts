import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';
import { startAgents, startNatsOrSkip } from '../helpers/nats.js';
import { scriptDir } from '../fixtures/scripts/script-dir.js';

// Honest about itself: a generator that cannot keep up says so (summary, live line, JSON) and
// --max-generator-load / generator_* thresholds fail such a run (exit 99); a light run says nothing.
// The contrast is robust on a busy machine: the heavy bench asks one worker for ten million arrivals
// a second (it cannot even schedule them: its event loop is busy all along, whatever the target);
// the heavy script spins 5 ms of wall time per iteration at 400 a second (two seconds of work a
// second for one thread, on any machine); the light run asks for 50 a second (its loop is nearly
// idle). No figure is compared with a time.

let target: CountingTarget;
let dir: string;
before(async () => {
  target = await startCountingTarget();
  dir = mkdtempSync(join(tmpdir(), 'gauntlet-generator-'));
});
after(async () => {
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Generator {
  samples: number;
  saturated: boolean;
  late: boolean;
  elu: { mean: number; p80: number; max: number };
  busyShare: number;
}
interface Result {
  generator?: Generator;
  metrics: { counters: Record<string, number>; trends: Record<string, unknown> };
  intervals: { trends: Record<string, { count: number; max: number }> }[];
  thresholds?: { metric: string; expression: string; ok: boolean }[];
}
const readResult = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Result;

test('one worker asked for an open rate it cannot reach: the summary, the live line and the JSON say the generator was saturated; --max-generator-load fails the run (exit 99)', { timeout: 120_000 }, async () => {
  const json = join(dir, 'heavy.json');
  const before = target.requests;
  // Bounded: 3,000,000 arrivals, nearly all dropped (10 connections, no queue), so the run is the
  // scheduling, not a drain of queued requests at the target's pace. Short intervals, so a fast
  // machine that schedules them in a few hundred ms still has several busy ones.
  const r = await runCli(['bench', target.url, '-w', '1', '-c', '10', '-r', '10000000', '-n', '3000000', '--max-queue', '0', '--interval', '100ms', '--json', json, '--max-generator-load', '0.9', '--threshold', 'generator_elu count>0'], 100_000);
  assert.equal(r.code, 99, r.stderr);
  assert.match(r.stdout, /^Warning: the generator was saturated: its event loop was at least 90 % busy in \d+ % of the worker-intervals/m);
  assert.match(r.stdout, /^ {2}Spread the load: more worker threads \(-w N, up to one per free core\) or more machines \(--agents N\); this run had 1 worker\.$/m);
  assert.match(r.stdout, /^NOT OK: .*\(the generator was saturated: the figures are partly its own, see above\)\.$/m);
  assert.match(r.stdout, /^ {2}FAIL {2}generator_elu p\(80\)<0\.9 {2}\(actual /m);
  assert.match(r.stdout, /^ {2}PASS {2}generator_elu count>0 /m);
  assert.match(r.stderr, /generator saturated \(busy \d+ %\): more -w or --agents/, 'the live line says so');
  const result = readResult(json);
  assert.equal(result.generator?.saturated, true, JSON.stringify(result.generator));
  assert.ok(result.generator.busyShare > 0.2);
  assert.ok(result.intervals.some((i) => (i.trends['generator_elu']?.count ?? 0) === 1), 'each interval holds the worker\'s sample');
  assert.ok(result.metrics.trends['generator_lateness'] !== undefined);
  assert.deepEqual(
    result.thresholds?.map((t) => [t.metric, t.expression, t.ok]),
    [
      ['generator_elu', 'count>0', true],
      ['generator_elu', 'p(80)<0.9', false],
    ],
  );
  // Every request the generator counts as OK reached the target.
  assert.equal(target.requests - before, result.metrics.counters['http_reqs{status:200}'] ?? 0);
});

test('gauntlet run: a script that keeps its one worker busy (5 ms of CPU per iteration at 400/s) is saturated; --max-generator-load fails it (exit 99)', { timeout: 90_000 }, async () => {
  const d = scriptDir({
    'spin.ts': `import { TestCase } from 'gauntlet';
export class Spin extends TestCase {
  async run() {
    await this.http.get('/spin');
    const end = performance.now() + 5;
    while (performance.now() < end);
  }
}
`,
  });
  const json = join(dir, 'spin.json');
  const before = target.requests;
  const r = await runCli(['run', d.file('spin.ts'), '--target', target.url, '-r', '400', '-d', '2s', '--max-queue', '10', '-w', '1', '-q', '--interval', '250ms', '--json', json, '--max-generator-load', '0.9'], 60_000);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.match(r.stdout, /^Warning: the generator was saturated: /m);
  assert.match(r.stdout, /^ {2}FAIL {2}generator_elu p\(80\)<0\.9 /m);
  const result = readResult(json);
  assert.equal(result.generator?.saturated, true, JSON.stringify(result.generator));
  assert.equal(target.requests - before, result.metrics.counters['http_reqs'], 'every request counted reached the target');
});

test('a light run (-r 50) is not saturated: no warning anywhere, and the same gates pass (exit 0)', { timeout: 60_000 }, async () => {
  const json = join(dir, 'light.json');
  const before = target.requests;
  const r = await runCli(['bench', target.url, '-w', '1', '-r', '50', '-d', '2s', '--interval', '500ms', '--json', json, '--max-generator-load', '0.9', '--threshold', 'generator_elu max<0.9']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(target.requests - before, 100);
  assert.doesNotMatch(r.stdout, /saturated/);
  assert.doesNotMatch(r.stderr, /generator saturated/);
  assert.match(r.stdout, /^Generator load \(per worker and interval\): event loop busy \d+ % \(max \d+ %\)/m);
  assert.match(r.stdout, /^ {2}PASS {2}generator_elu p\(80\)<0\.9 /m);
  assert.match(r.stdout, /^ {2}PASS {2}generator_elu max<0\.9 /m);
  const result = readResult(json);
  assert.equal(result.generator?.saturated, false, JSON.stringify(result.generator));
  assert.ok(result.generator.samples >= 3, `one sample per interval: ${result.generator.samples}`);
  assert.ok(result.generator.elu.max < 0.9);
  assert.ok(result.metrics.trends['generator_elu'] !== undefined && result.metrics.trends['generator_lateness'] !== undefined);
});

test('--max-generator-load outside (0, 1] is a usage error before anything runs', async () => {
  const before = target.requests;
  for (const bad of ['2', '0', 'busy']) {
    const r = await runCli(['bench', target.url, '-n', '5', '--max-generator-load', bad]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: --max-generator-load .* is not a fraction/m);
    assert.match(r.stderr, /^hint: for example --max-generator-load 0\.9/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.equal(target.requests, before);
});

test('bench --agents: each agent\'s workers measure themselves and the coordinator merges them (one sample per agent per interval)', { timeout: 90_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (nats === undefined) return;
  await startAgents(t, nats, 2, 'gen');
  const json = join(dir, 'agents.json');
  const r = await runCli(['bench', target.url, '-r', '40', '-d', '2s', '--interval', '500ms', '-q', '--agents', '2', '--nats', nats.url, '--json', json, '--threshold', 'generator_elu count>=4'], 60_000);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const result = readResult(json);
  assert.equal(result.intervals[0]?.trends['generator_elu']?.count, 2, 'both agents\' samples of the first interval');
  assert.equal(result.generator?.saturated, false);
});
