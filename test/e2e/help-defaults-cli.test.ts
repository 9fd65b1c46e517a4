import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { prepareScriptRun } from '../../src/api/run-script.js';
import { DEFAULT_CELL_TIME_LIMIT, resolveSingleTest } from '../../src/api/durability.js';
import { parseDuration } from '../../src/core/duration.js';
import { DEFAULT_CLIENT_TIMEOUT_MS } from '../../src/durability/behaviours.js';
import type { Plan } from '../../src/load/plan.js';
import { resolveBenchPlan } from '../../src/scenarios/bench/bench-plan.js';
import { DEFAULT_SCRIPT_TIMEOUT_MS } from '../../src/scenarios/script/http-session.js';
import { runCli } from '../helpers/cli.js';
import { scriptDir } from '../fixtures/scripts/script-dir.js';

// Every command's --help states its defaults; each stated default is checked against what a run
// with no such flag uses: the plan it builds (users, duration or count, interval, grace, workers,
// the request timeout), so a help line cannot drift from the code again.

/** helpDefaults runs `gauntlet CMD --help` and maps each long flag to the text of its `(default: …)`. */
async function helpDefaults(cmd: string): Promise<Map<string, string>> {
  const r = await runCli([cmd, '--help']);
  assert.equal(r.code, 0, r.stderr);
  // An option starts a line with `  -x, --flag` or `  --flag`; wrapped descriptions continue it.
  const blocks: string[] = [];
  for (const line of r.stdout.split('\n')) {
    if (/^\s{1,4}-/.test(line)) blocks.push(line.trim());
    else if (blocks.length > 0 && /^\s{5,}\S/.test(line)) blocks[blocks.length - 1] += ' ' + line.trim();
  }
  const out = new Map<string, string>();
  for (const b of blocks) {
    const flag = /--([a-z0-9-]+)/.exec(b)?.[1];
    const def = /\(default: ([^)]*)\)/.exec(b.replace(/\s+/g, ' '))?.[1];
    if (flag !== undefined && def !== undefined) out.set(flag, def);
  }
  return out;
}

const get = (m: Map<string, string>, flag: string): string => {
  const v = m.get(flag);
  assert.ok(v !== undefined, `--help states no default for --${flag}`);
  return v;
};
/** firstDuration reads the leading duration of a stated default (`10s when no -n` → 10000). */
const firstDuration = (text: string): number => parseDuration(text.split(/[\s;,]/)[0]!, text);
/** firstNumber reads the leading whole number (`10; 100 with --rate` → 10). */
const firstNumber = (text: string): number => Number(/^\d+/.exec(text)?.[0] ?? NaN);
/** withRate reads the open model's bound (`10; 100 with --rate` → 100). */
const withRate = (text: string): number => Number(/(\d+) with --rate/.exec(text)?.[1] ?? NaN);

function closedUsers(plan: Plan): number {
  const e = plan.parts[0]!.executor;
  assert.equal(e.kind, 'closed');
  return e.kind === 'closed' ? e.steps[0]!.users : NaN;
}

function checkRunSettings(help: Map<string, string>, plan: Plan, users: number): void {
  assert.equal(plan.intervalMs, firstDuration(get(help, 'interval')), '--interval');
  assert.equal(plan.graceMs, firstDuration(get(help, 'grace')), '--grace');
  assert.match(get(help, 'workers'), /^one per core, at most one per user/);
  assert.equal(plan.workers, Math.min(availableParallelism(), users), '--workers');
  assert.equal(get(help, 'max-queue'), '100000');
}

test('bench --help states the defaults a bench run uses', async () => {
  const help = await helpDefaults('bench');
  const plan = resolveBenchPlan({ url: 'http://127.0.0.1:1/' });
  const users = closedUsers(plan);
  assert.equal(users, firstNumber(get(help, 'connections')), '--connections');
  const e = plan.parts[0]!.executor;
  assert.equal(e.kind === 'closed' ? e.steps[0]!.durationMs : NaN, firstDuration(get(help, 'duration')), '--duration');
  assert.equal((plan.parts[0]!.scenario as { timeoutMs: number }).timeoutMs, firstDuration(get(help, 'timeout')), '--timeout');
  const open = resolveBenchPlan({ url: 'http://127.0.0.1:1/', rate: 10 }).parts[0]!.executor;
  assert.equal(open.kind === 'open' ? open.connections : NaN, withRate(get(help, 'connections')), '--connections with --rate');
  checkRunSettings(help, plan, users);
});

test('run --help states the defaults a script run uses', async () => {
  const help = await helpDefaults('run');
  const d = scriptDir({ 's.ts': "export default async function () {}\n" });
  const { plan } = await prepareScriptRun({ file: d.file('s.ts') });
  const users = closedUsers(plan);
  assert.equal(users, firstNumber(get(help, 'connections')), '--connections');
  const e = plan.parts[0]!.executor;
  assert.equal(e.kind === 'closed' ? e.steps[0]!.durationMs : NaN, firstDuration(get(help, 'duration')), '--duration');
  assert.equal((plan.parts[0]!.scenario as { timeoutMs?: number }).timeoutMs, undefined);
  assert.equal(DEFAULT_SCRIPT_TIMEOUT_MS, firstDuration(get(help, 'timeout')), '--timeout (this.http)');
  assert.equal(get(help, 'hook-timeout'), '60s');
  const { plan: open } = await prepareScriptRun({ file: d.file('s.ts'), rate: 10 });
  const oe = open.parts[0]!.executor;
  assert.equal(oe.kind === 'open' ? oe.connections : NaN, withRate(get(help, 'connections')), '--connections with --rate');
  checkRunSettings(help, plan, users);
});

for (const cmd of ['singletest', 'multitest']) {
  test(`${cmd} --help states the defaults a durability run uses`, async () => {
    const help = await helpDefaults(cmd);
    const plan = resolveSingleTest({}).planFor('http://127.0.0.1:1/');
    const users = closedUsers(plan);
    assert.equal(users, firstNumber(get(help, 'connections')), '--connections');
    assert.equal(users, firstNumber(get(help, 'parallel')), '--parallel');
    const e = plan.parts[0]!.executor;
    assert.ok(e.kind === 'closed' && e.steps[0]!.durationMs === undefined, 'no duration by default');
    assert.match(get(help, 'duration'), /^none: -i 128 requests/);
    assert.equal(e.kind === 'closed' ? e.steps[0]!.iterations : NaN, firstNumber(get(help, 'iterations')), '--iterations');
    assert.equal(DEFAULT_CLIENT_TIMEOUT_MS, firstDuration(get(help, 'timeout')), '--timeout');
    const open = resolveSingleTest({ rate: 10 }).planFor('http://127.0.0.1:1/').parts[0]!.executor;
    assert.equal(open.kind === 'open' ? open.connections : NaN, withRate(get(help, 'connections')), '--connections with --rate');
    if (cmd === 'multitest') assert.equal(parseDuration(DEFAULT_CELL_TIME_LIMIT), firstDuration(get(help, 'cell-time-limit')), '--cell-time-limit');
    checkRunSettings(help, plan, users);
  });
}
